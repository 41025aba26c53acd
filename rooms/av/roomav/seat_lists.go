package roomav

import (
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/kogge-project/kogge/rooms/av"
)

// SeatRequest is one seat of a room's discussion system on the request
// list: who sits there (from the config or the delegate data; "" when
// unknown) and since when the seat asks to speak (when Kogge first saw it
// on the list: the discussion system keeps the order, not the time).
type SeatRequest struct {
	Seat  int
	Name  string
	Since time.Time
}

// OnSeatRequests hears every change of a room's request list (from the
// device goroutine: it must not block). Room is the room id; device the
// discussion system's room-local id, for Speak.
type OnSeatRequests func(room, device string, reqs []SeatRequest)

// seatLists turns the discussion systems' states into request lists with
// their times.
type seatLists struct {
	mu     sync.Mutex
	hook   OnSeatRequests
	byRoom map[string]*seatList
}

type seatList struct {
	since map[int]time.Time
	last  []SeatRequest
}

// changed reads a device status; only a discussion system's counts.
func (s *seatLists) changed(room string, st av.Status) {
	if st.Kind != av.KindCoCon {
		return
	}
	dev := strings.TrimPrefix(st.ID, room+"/")
	now := time.Now()
	s.mu.Lock()
	if s.byRoom == nil {
		s.byRoom = map[string]*seatList{}
	}
	l := s.byRoom[room]
	if l == nil {
		l = &seatList{since: map[int]time.Time{}}
		s.byRoom[room] = l
	}
	seats := av.SeatsOf(st.State, av.StateRequests)
	reqs := make([]SeatRequest, 0, len(seats))
	for i, seat := range seats {
		at, ok := l.since[seat]
		if !ok {
			// Seats new in the same report keep the list's order.
			at = now.Add(time.Duration(i) * time.Microsecond)
			l.since[seat] = at
		}
		reqs = append(reqs, SeatRequest{Seat: seat, Name: st.State[av.SeatKey(seat)], Since: at})
	}
	for seat := range l.since {
		if !slices.Contains(seats, seat) {
			delete(l.since, seat)
		}
	}
	if slices.Equal(reqs, l.last) && l.last != nil {
		s.mu.Unlock()
		return
	}
	l.last = reqs
	hook := s.hook
	s.mu.Unlock()
	if hook != nil {
		hook(room, dev, slices.Clone(reqs))
	}
}
