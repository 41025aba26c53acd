package main

import (
	"context"
	"sync"

	"github.com/kogge-project/kogge/rooms/av/roomav"
	"github.com/kogge-project/kogge/signaling"
)

// wireChamber brings the rooms' discussion systems into the speaker
// queue: each room's request list goes to the meetings in that room, and
// the chair's "next" switches a seat's microphone through the room's AV
// (its supervisor: health, backoff, breaker). The lists are handed on by
// one goroutine, the latest per room, so that a meeting slow to take one
// never holds up a device goroutine. stop ends it.
func wireChamber(a *roomav.AV, hub *signaling.Hub) (stop func()) {
	if a == nil || hub == nil {
		return func() {}
	}
	var (
		mu     sync.Mutex
		latest = map[string]func(){}
		wake   = make(chan struct{}, 1)
		done   = make(chan struct{})
		ended  = make(chan struct{})
	)
	a.SetSeatRequests(func(room, dev string, reqs []roomav.SeatRequest) {
		out := make([]signaling.SeatRequest, len(reqs))
		for i, r := range reqs {
			out[i] = signaling.SeatRequest{Seat: r.Seat, Name: r.Name, Since: r.Since}
		}
		seats := roomSeats{a: a, room: room, dev: dev}
		mu.Lock()
		latest[room] = func() { hub.SetRoomRequests(room, out, seats) }
		mu.Unlock()
		select {
		case wake <- struct{}{}:
		default:
		}
	})
	go func() {
		defer close(ended)
		for {
			select {
			case <-done:
				return
			case <-wake:
			}
			mu.Lock()
			pending := latest
			latest = map[string]func(){}
			mu.Unlock()
			for _, set := range pending {
				set()
			}
		}
	}()
	return func() {
		a.SetSeatRequests(nil)
		close(done)
		<-ended
	}
}

// roomSeats switches the microphones of one room's discussion system.
type roomSeats struct {
	a         *roomav.AV
	room, dev string
}

func (s roomSeats) Speak(ctx context.Context, seat int, on bool) error {
	return s.a.Speak(ctx, s.room, s.dev, seat, on)
}
