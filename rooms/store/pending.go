package store

import (
	"fmt"
	"time"

	"go.etcd.io/bbolt"

	"github.com/kogge-project/kogge/rooms"
)

// Pending returns the bookings the timeline still has to act on: status
// tentative, confirmed or checked_in, occupying their room until after
// since (End + Teardown > since), by occupied start. The scan starts at
// since - max_span in the time index (see doc.go), so bookings long over
// are never visited, and their end is read from the index value without
// decoding them.
func (s *Store) Pending(since time.Time) ([]rooms.Booking, error) {
	var out []rooms.Booking
	err := s.view("pending", func(tx *bbolt.Tx) error {
		lo := appendTime(nil, clampTime(since.Add(-maxSpan(tx, ""))))
		// Keys first, then bookings into a slice of the right size: at
		// 100k bookings, growing it by append was a third of the time.
		// The keys point into the mmap and stay valid for the transaction.
		var keys [][]byte
		c := tx.Bucket(bucketByTime).Cursor()
		for k, v := c.Seek(lo); k != nil; k, v = c.Next() {
			if decodeTime(v).After(since) { // else its room is free again by since
				keys = append(keys, k)
			}
		}
		out = make([]rooms.Booking, 0, len(keys))
		bk := tx.Bucket(bucketBookings) // once: tx.Bucket allocates
		for _, k := range keys {
			v := bk.Get(k[len(k)-idLen:])
			if v == nil {
				return fmt.Errorf("index entry %x: %w", k, rooms.ErrNotFound)
			}
			var b rooms.Booking
			if err := decodeBooking(v, &b); err != nil {
				return fmt.Errorf("index entry %x: %w", k, err)
			}
			if pendingStatus(b.Status) {
				out = append(out, b)
			}
		}
		return nil
	})
	return out, err
}

// pendingStatus: the statuses from which the timeline moves a booking on
// (cancelled, released and ended are final).
func pendingStatus(st rooms.Status) bool {
	return st == rooms.StatusTentative || st == rooms.StatusConfirmed || st == rooms.StatusCheckedIn
}

// Transition applies a status change decided by the timeline or a panel
// action (check-in, no-show release, extend, end) in one transaction. It
// loads the booking and calls decide on a copy; decide checks the current
// status and reports whether it changed anything. Only then is the booking
// written (Version + 1, Updated) and audited under action; otherwise the
// stored booking is returned as is, so a transition that lost a race (the
// booking was cancelled meanwhile) or is repeated after a restart writes
// nothing. An error from decide aborts and is returned as is.
//
// There is no version check: decide sees the current booking inside the
// write transaction. A change that makes the booking collide (an extension
// into the next booking) returns a *rooms.ConflictError and writes
// nothing; a change to released, cancelled or ended frees the room.
func (s *Store) Transition(id, action, actor string, decide func(*rooms.Booking) (bool, error)) (rooms.Booking, error) {
	return s.modify(action, id, 0, actor, decide)
}
