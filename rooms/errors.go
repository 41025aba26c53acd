package rooms

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinel errors; the API maps each to one problem type (see daemon/web/problem.go).
var (
	// ErrNotFound: no booking with that id.
	ErrNotFound = errors.New("booking not found")
	// ErrVersionMismatch: the caller edited an older version than the stored one.
	ErrVersionMismatch = errors.New("booking was changed by someone else")
)

// ConflictError says a booking would occupy its room at the same time as
// others (buffers included). Conflicts holds the stored bookings it collides
// with, ordered by start.
type ConflictError struct {
	Conflicts []Booking
}

func (e *ConflictError) Error() string {
	ids := make([]string, len(e.Conflicts))
	for i, c := range e.Conflicts {
		ids[i] = fmt.Sprintf("%s (%s–%s)", c.ID, c.Start.Format("2006-01-02T15:04Z07:00"), c.End.Format("15:04Z07:00"))
	}
	return "the room is already booked: " + strings.Join(ids, ", ")
}
