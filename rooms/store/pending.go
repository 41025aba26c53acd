package store

import (
	"bytes"
	"fmt"
	"slices"
	"time"

	"github.com/kogge-project/kogge/rooms"
	"github.com/kogge-project/kogge/rooms/store/kv"
)

// Pending returns the bookings the timeline still has to act on: status
// tentative, confirmed or checked_in, occupying their room until after
// since (End + Teardown > since), by occupied start. The scan starts at
// since - max_span in the time index (see doc.go), so bookings long over
// are never visited, and their end is read from the index value without
// decoding them.
func (s *Store) Pending(since time.Time) ([]rooms.Booking, error) {
	return s.pending(since, nil, nil)
}

// EachPendingTimed is Pending for the timeline's rebuild: it calls fn
// with each pending booking, in no particular order, inside the read
// transaction (fn must not call the store). The booking carries only ID,
// Room, Status, Start, End, Setup, Teardown, the flags, ExpectedRemote,
// Version, Created and Updated (the texts stay zero), and fn gets the same
// *Booking every time: it copies what it keeps. At 100,000 bookings this
// made 1 allocation per booking instead of 10 and no 100,000-element
// slice (BenchmarkPending against BenchmarkEachPendingTimed).
// expect is called once, before the first fn, with an upper bound of the
// bookings to come (for the caller's allocations).
func (s *Store) EachPendingTimed(since time.Time, expect func(n int), fn func(*rooms.Booking)) error {
	_, err := s.pending(since, expect, fn)
	return err
}

// pending lists the pending bookings, or with timed set hands them to it
// one by one, decoded for the timeline (decodeInto).
func (s *Store) pending(since time.Time, expect func(int), timed func(*rooms.Booking)) ([]rooms.Booking, error) {
	var out []rooms.Booking
	var roomNames map[string]string
	if timed != nil {
		roomNames = map[string]string{}
	}
	err := s.view("pending", func(tx *kv.Tx) error {
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
		if timed != nil {
			// In id order the lookups walk the bookings bucket's pages
			// once, front to back, instead of jumping about.
			slices.SortFunc(keys, func(a, b []byte) int { return bytes.Compare(a[len(a)-idLen:], b[len(b)-idLen:]) })
		}
		if timed == nil {
			out = make([]rooms.Booking, 0, len(keys))
		} else if expect != nil {
			expect(len(keys))
		}
		var one rooms.Booking
		// One cursor for every lookup: Bucket.Get makes a cursor each
		// time (three allocations, three quarters of all Pending made).
		bc := tx.Bucket(bucketBookings).Cursor()
		for _, k := range keys {
			id := k[len(k)-idLen:]
			got, v := bc.Seek(id)
			if !bytes.Equal(got, id) {
				return fmt.Errorf("index entry %x: %w", k, rooms.ErrNotFound)
			}
			b := &one
			if timed == nil {
				out = append(out, rooms.Booking{})
				b = &out[len(out)-1]
			}
			if err := decodeInto(v, b, roomNames); err != nil {
				return fmt.Errorf("index entry %x: %w", k, err)
			}
			switch {
			case !pendingStatus(b.Status):
				if timed == nil {
					out = out[:len(out)-1]
				}
			case timed != nil:
				timed(b)
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
