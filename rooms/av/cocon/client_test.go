package cocon

import (
	"context"
	"slices"
	"testing"
	"time"
)

func startEmulator(t *testing.T, o EmulatorOptions) *Emulator {
	t.Helper()
	e := NewEmulator(o)
	if err := e.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Close)
	return e
}

// next waits for the first event for which ok holds, at most 5 s.
func next(t *testing.T, s *Session, ok func(Event) bool) Event {
	t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		select {
		case ev, open := <-s.Events():
			if !open {
				t.Fatalf("session ended: %v", s.Err())
			}
			if ok(ev) {
				return ev
			}
		case <-deadline:
			t.Fatalf("no matching event in 5 s (last error %v)", s.Err())
		}
	}
}

// waitFor polls cond until it holds, at most 5 s.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 5 s")
		}
		<-tick.C
	}
}

func micsAre(speakers, requests []int) func(Event) bool {
	return func(ev Event) bool {
		m, ok := ev.Microphones()
		return ok && slices.Equal(m.Speakers, speakers) && slices.Equal(m.Requests, requests)
	}
}

func TestSessionRequestsAndSetState(t *testing.T) {
	e := startEmulator(t, EmulatorOptions{Seats: 12})
	c := NewClient(e.Addr(), Options{})
	ctx := context.Background()
	s, err := Open(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	next(t, s, micsAre([]int{}, []int{})) // the state as it was on connecting
	e.Request(7)
	e.Request(3)
	next(t, s, micsAre([]int{}, []int{7, 3}))
	if err := c.SetState(ctx, 7, MicOn); err != nil {
		t.Fatal(err)
	}
	next(t, s, micsAre([]int{7}, []int{3}))
	if got := e.Commands(); !slices.Equal(got, []string{"SetState On 7"}) {
		t.Fatalf("commands at the server: %v", got)
	}
	if err := c.SetState(ctx, 99, MicOn); err == nil {
		t.Fatal("a seat the chamber does not have was accepted")
	}
	e.Seat(3, Delegate{ID: 12, FirstName: "Anna", Name: "Berg"})
	ev := next(t, s, func(ev Event) bool { _, ok := ev.SeatChange(); return ok })
	if sc, _ := ev.SeatChange(); sc.Seat != 3 || !sc.OnSeat || sc.Delegate.FullName() != "Anna Berg" {
		t.Fatalf("seat change %+v", sc)
	}
	e.Seat(3, Delegate{})
	ev = next(t, s, func(ev Event) bool { _, ok := ev.SeatChange(); return ok })
	if sc, _ := ev.SeatChange(); sc.Seat != 3 || sc.OnSeat {
		t.Fatalf("seat left %+v", sc)
	}
}

// The long poll is answered 408 when nothing happens, and again and
// again; events after many timeouts still arrive.
func TestSessionSurvivesPollTimeouts(t *testing.T) {
	e := startEmulator(t, EmulatorOptions{PollTimeout: 30 * time.Millisecond})
	s, err := Open(context.Background(), NewClient(e.Addr(), Options{}))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	next(t, s, micsAre([]int{}, []int{}))
	// Several 408s pass, each answered by a new poll.
	waitFor(t, func() bool { _, timeouts := e.Polls(); return timeouts >= 5 })
	e.Request(2)
	next(t, s, micsAre([]int{}, []int{2}))
	if s.Reconnects() != 0 {
		t.Fatalf("a timeout led to %d reconnects", s.Reconnects())
	}
}

// A client that polls with its own shorter deadline than the server's
// timeout also just asks again.
func TestSessionOwnPollDeadline(t *testing.T) {
	e := startEmulator(t, EmulatorOptions{})
	s, err := Open(context.Background(), NewClient(e.Addr(), Options{PollTimeout: 40 * time.Millisecond}))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	next(t, s, micsAre([]int{}, []int{}))
	// Several of our own deadlines pass (the server never answers 408
	// in that time), each followed by a new poll.
	waitFor(t, func() bool { polls, _ := e.Polls(); return polls >= 4 })
	e.Speak(5)
	next(t, s, micsAre([]int{5}, []int{}))
}

// A restarted server has forgotten the connection id: the session polls
// into the void with backoff while it is down, gets 400 once it is back,
// connects anew and reports the state as it is then.
func TestSessionSurvivesServerRestart(t *testing.T) {
	e := startEmulator(t, EmulatorOptions{PollTimeout: time.Second})
	addr := e.Addr()
	s, err := Open(context.Background(), NewClient(addr, Options{}))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	next(t, s, micsAre([]int{}, []int{}))
	e.Close()
	// While it is down, the session notices.
	waitFor(t, func() bool { return s.Err() != nil })
	e.Request(4) // what happened while we were away
	if err := e.Start(addr); err != nil {
		t.Fatal(err)
	}
	next(t, s, micsAre([]int{}, []int{4}))
	if s.Reconnects() != 1 {
		t.Fatalf("%d reconnects, want 1", s.Reconnects())
	}
	e.Request(6)
	next(t, s, micsAre([]int{}, []int{4, 6}))
}

func TestEventsParsing(t *testing.T) {
	evs, err := events([]byte(`[{"MicrophoneState":{"Speakers":[1],"Requests":[2,3],"Replies":[]}},{"VotingState":{"Id":11,"State":"Start"}}]`))
	if err != nil || len(evs) != 2 || evs[1].Name != "VotingState" {
		t.Fatalf("%v %v", evs, err)
	}
	if m, ok := evs[0].Microphones(); !ok || !slices.Equal(m.Requests, []int{2, 3}) {
		t.Fatalf("%+v", m)
	}
	body, err := unwrap([]byte(`"{\"Connect\":true,\"id\":\"x\"}"`))
	if err != nil || string(body) != `{"Connect":true,"id":"x"}` {
		t.Fatalf("%s %v", body, err)
	}
}
