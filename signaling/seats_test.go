package signaling

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"
)

// fakeSeats records the microphones the meeting switches.
type fakeSeats struct {
	calls chan string
	fail  bool
}

func (f *fakeSeats) Speak(ctx context.Context, seat int, on bool) error {
	f.calls <- fmt.Sprintf("%d %v", seat, on)
	if f.fail {
		return errors.New("the discussion system did not answer")
	}
	return nil
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
	e.hub.SetRoomRequests("ratssaal", []SeatRequest{{Seat: 2, Name: "Karl Meier", Since: time.Now()}}, seats)
	h := e.join("host", "Chair")
	h.waitState(queueIs("seat:2"))
	// A seat whose microphone could not be switched on comes back.
	h.send(map[string]any{"type": "queue", "action": "next"})
	h.waitState(queueIs())
	seats.expect(t, "2 true")
	h.waitState(queueIs("seat:2"))
}
