package demo

import (
	"github.com/kogge-project/kogge/rooms"
	"github.com/kogge-project/kogge/signaling/joinlink"
)

// JoinLinks makes the URL of a join link; the daemon's join admission
// implements it (with LinkFunc around its method).
type JoinLinks interface {
	Link(joinlink.Claims) (string, error)
}

// LinkFunc lets a function serve as JoinLinks.
type LinkFunc func(joinlink.Claims) (string, error)

// Link calls f.
func (f LinkFunc) Link(c joinlink.Claims) (string, error) { return f(c) }

// live is the join admission's rule for whether a booking can still have
// a meeting, repeated here because the demo does not import the daemon.
func live(b rooms.Booking) bool {
	switch b.Status {
	case rooms.StatusCancelled, rooms.StatusReleased:
		return false
	}
	return b.Hybrid.Enabled
}
