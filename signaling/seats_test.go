package signaling

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"
)

// fakeSeats records the microphones the meeting switches.
type fakeSeats struct {
	calls chan string
	fail  bool
	// hold, if set, keeps Speak from answering until it is closed (or
	// Speak's ctx ends): a test can see the state between a seat's
	// switching and the system's answer, which a quick answer would
	// otherwise replace before it is sent (a connection keeps only the
	// latest unsent state, PROTOCOL.md).
	hold chan struct{}
}

func (f *fakeSeats) Speak(ctx context.Context, seat int, on bool) error {
	f.calls <- fmt.Sprintf("%d %v", seat, on)
	if f.hold != nil {
		select {
		case <-f.hold:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if f.fail {
		return errors.New("the discussion system did not answer")
	}
	return nil
}

// holdAnswers makes Speak wait for the returned release (called at the
// test's end too, so no Speak outlives it).
func (f *fakeSeats) holdAnswers(t *testing.T) (release func()) {
	f.hold = make(chan struct{})
	var once sync.Once
	release = func() { once.Do(func() { close(f.hold) }) }
	t.Cleanup(release)
	return release
}

func (f *fakeSeats) expect(t *testing.T, want string) {
	t.Helper()
	select {
	case got := <-f.calls:
		if got != want {
			t.Fatalf("seat switched %q, want %q", got, want)
		}
	case <-time.After(readTimeout):
		t.Fatalf("no seat switched, want %q", want)
	}
}

func TestSeatsJoinTheSpeakerQueue(t *testing.T) {
	spec := testSpec()
	spec.PublishQueue, spec.Room = true, "ratssaal"
	e := newEnv(t, spec)
	h := e.join("host", "Chair")
	a := e.join("guest", "Alice")
	A := a.welcome.ID
	seats := &fakeSeats{calls: make(chan string, 8)}

	berg := SeatRequest{Seat: 7, Name: "Dr. Berg", Since: time.Now()}
	e.hub.SetRoomRequests("ratssaal", []SeatRequest{berg}, seats)
	s := h.waitState(queueIs("seat:7"))
	if s.Queue[0].Seat != 7 || s.Queue[0].Name != "Dr. Berg" {
		t.Fatalf("queue %+v", s.Queue)
	}
	e.hub.SetRoomRequests("elsewhere", []SeatRequest{{Seat: 1, Since: time.Now()}}, seats) // another room's list
	a.send(map[string]any{"type": "hand", "raised": true})
	h.waitState(queueIs("seat:7", A))
	meier := SeatRequest{Seat: 3, Since: time.Now()} // asked after Alice, nobody known at the seat
	e.hub.SetRoomRequests("ratssaal", []SeatRequest{berg, meier}, seats)
	a.waitState(queueIs("seat:7", A, "seat:3"))

	// "next": the first is a seat; its microphone is switched on, and it
	// leaves the queue at once.
	h.send(map[string]any{"type": "queue", "action": "next"})
	h.waitState(queueIs(A, "seat:3"))
	seats.expect(t, "7 true")
	e.hub.SetRoomRequests("ratssaal", []SeatRequest{meier}, seats) // the system reports it
	// "next" again: the hand comes first.
	h.send(map[string]any{"type": "queue", "action": "next"})
	s = h.waitState(queueIs("seat:3"))
	if s.participant(A).Hand {
		t.Fatal("next did not lower the hand")
	}
	// Removing a seat cancels its request at the system.
	h.send(map[string]any{"type": "queue", "action": "remove", "id": "seat:3"})
	h.waitState(queueIs())
	seats.expect(t, "3 false")
	h.send(map[string]any{"type": "queue", "action": "remove", "id": "seat:3"})
	if w := h.next("error"); w.Code != codeNotFound {
		t.Fatalf("remove absent seat: %+v", w)
	}
	// The queue reached the hook (the events stream) with its seats.
	hooks := e.queueHooks()
	if len(hooks) == 0 {
		t.Fatal("no queue published")
	}
}

func TestSeatsListReachesMeetingOpenedLater(t *testing.T) {
	spec := testSpec()
	spec.Room = "ratssaal"
	e := newEnv(t, spec)
	seats := &fakeSeats{calls: make(chan string, 8), fail: true}
	release := seats.holdAnswers(t)
	e.hub.SetRoomRequests("ratssaal", []SeatRequest{{Seat: 2, Name: "Karl Meier", Since: time.Now()}}, seats)
	h := e.join("host", "Chair")
	h.waitState(queueIs("seat:2"))
	// A seat whose microphone could not be switched on comes back. The
	// system answers only once the host has seen the seat leave the
	// queue: its failure would otherwise bring the seat back before that
	// state is sent, and the host would rightly see only the last one.
	h.send(map[string]any{"type": "queue", "action": "next"})
	seats.expect(t, "2 true")
	h.waitState(queueIs())
	release()
	h.waitState(queueIs("seat:2"))
}
