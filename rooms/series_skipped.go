package rooms

import (
	"fmt"
	"strings"
	"time"
)

// These types are what the store reports of series and purges. They live
// here, not in rooms/store, so that the booking service (rooms/bookings),
// which imports only this package, can name them in its Store interface.

// SkippedOccurrence is an occurrence not stored: it collided (Conflicts) or
// fell on a closure (Reason "closure: <reason>", reported by the caller).
type SkippedOccurrence struct {
	Start  time.Time `json:"start"`
	Reason string    `json:"reason"`
	// Conflicts are the bookings it collides with, by start; they may
	// include earlier occurrences of the same series call.
	Conflicts []Booking `json:"-"`
	// Err is the allocator's error for an occurrence it refused (Reason
	// starts with the store's ReasonAllocationPrefix); nil otherwise.
	Err error `json:"-"`
}

// SeriesConflictError: on_conflict=fail and some occurrences collide (or
// the allocator refused them); nothing was written. Occurrences lists
// every colliding one, by start.
type SeriesConflictError struct {
	Occurrences []SkippedOccurrence
}

// maxListedCollisions bounds the message, not the error's content: a
// series laid over another can collide hundreds of times.
const maxListedCollisions = 10

func (e *SeriesConflictError) Error() string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "%d occurrences collide: ", len(e.Occurrences))
	for i, o := range e.Occurrences {
		if i == maxListedCollisions {
			fmt.Fprintf(&sb, ", and %d more", len(e.Occurrences)-i)
			break
		}
		if i > 0 {
			sb.WriteString(", ")
		}
		if o.Err != nil {
			fmt.Fprintf(&sb, "%s: %s", o.Start.UTC().Format("2006-01-02T15:04Z07:00"), o.Reason)
			continue
		}
		ids := make([]string, len(o.Conflicts))
		for j, c := range o.Conflicts {
			ids[j] = c.ID
		}
		fmt.Fprintf(&sb, "%s with %s", o.Start.UTC().Format("2006-01-02T15:04Z07:00"), strings.Join(ids, " "))
	}
	return sb.String()
}

// PurgeStats says what a purge deleted.
type PurgeStats struct{ Bookings, AuditEntries, Series int }
