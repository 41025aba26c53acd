package web

import (
	"time"

	"github.com/kogge-project/kogge/rooms"
)

// currentAndNext picks the running booking and the next one.
func currentAndNext(bs []rooms.Booking, now time.Time) (cur, next *rooms.Booking) {
	for i := range bs {
		switch {
		case cur == nil && !now.Before(bs[i].Start):
			cur = &bs[i]
		case next == nil && now.Before(bs[i].Start):
			next = &bs[i]
		}
	}
	return cur, next
}

func running(cur, _ *rooms.Booking, _ rooms.Room, _ time.Time) *rooms.Booking { return cur }
