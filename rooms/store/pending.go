package store

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strings"
	"time"

	"github.com/oklog/ulid/v2"

	"github.com/kogge-project/kogge/rooms"
	"github.com/kogge-project/kogge/rooms/store/kv"
)

// Pending returns the bookings the timeline still has to act on: status
// tentative, confirmed or checked_in, occupying their room until after
// since (End + Teardown > since), by occupied start. The scan starts at
// since - max_span in the time index (see doc.go), so bookings long over
// are never visited, and their end is read from the index value without
// decoding them (eachPendingKey).
func (s *Store) Pending(since time.Time) ([]rooms.Booking, error) {
	var out []rooms.Booking
	err := s.view("pending", func(tx *kv.Tx) error {
		// Keys first, then bookings into a slice of the right size: at
		// 100k bookings, growing it by append was a third of the time.
		var keys [][]byte
		eachPendingKey(tx, since, func(k []byte) { keys = append(keys, k) })
		out = make([]rooms.Booking, 0, len(keys))
		// One cursor for every lookup: Bucket.Get makes a cursor each
		// time (three allocations, three quarters of all Pending made).
		bc := tx.Bucket(bucketBookings).Cursor()
		for _, k := range keys {
			id := k[len(k)-idLen:]
			got, v := bc.Seek(id)
			if !bytes.Equal(got, id) {
				return fmt.Errorf("index entry %x: %w", k, rooms.ErrNotFound)
			}
			out = append(out, rooms.Booking{})
			if err := decodeBooking(v, &out[len(out)-1]); err != nil {
				return fmt.Errorf("index entry %x: %w", k, err)
			}
			if !pendingStatus(out[len(out)-1].Status) {
				out = out[:len(out)-1]
			}
		}
		return nil
	})
	return out, err
}

// EachPendingTimed is Pending for the timeline's rebuild: it calls fn
// with each pending booking, in no particular order, inside the read
// transaction (fn must not call the store). The booking carries only ID,
// Room, Status, Start, End, Setup, Teardown, the flags, ExpectedRemote and
// Version (the texts and Created and Updated stay zero), and fn gets the
// same *Booking every time: it copies what it keeps. The IDs are pieces of
// one string holding them all, so keeping one keeps that string (26 bytes a
// booking). expect is called once, before the first fn, with an upper
// bound of the bookings to come (for the caller's allocations).
//
// At 100,000 bookings this allocates a few large blocks and no small
// object per booking (BenchmarkEachPendingTimed against BenchmarkPending).
func (s *Store) EachPendingTimed(since time.Time, expect func(n int), fn func(*rooms.Booking)) error {
	return s.view("pending", func(tx *kv.Tx) error {
		// The ids of the pending bookings, sorted: in id order the
		// lookups walk the bookings bucket's pages once, front to back,
		// mostly by Next rather than a Seek from the root each time.
		var ids []pendingID
		eachPendingKey(tx, since, func(k []byte) {
			id := k[len(k)-idLen:]
			ids = append(ids, pendingID{binary.BigEndian.Uint64(id), binary.BigEndian.Uint64(id[8:])})
		})
		sortIDs(ids)
		if expect != nil {
			expect(len(ids))
		}
		// Every ID's text in one string, made at once.
		var texts strings.Builder
		texts.Grow(ulid.EncodedSize * len(ids))
		var text [ulid.EncodedSize]byte
		for _, id := range ids {
			_ = id.ulid().MarshalTextTo(text[:]) // the buffer is the size it asks for
			texts.Write(text[:])
		}
		all := texts.String()

		tn := timedNames{rooms: map[string]string{}}
		var one rooms.Booking
		bc := tx.Bucket(bucketBookings).Cursor()
		var k, v []byte
		for i, id := range ids {
			key := id.ulid()
			if k != nil {
				k, v = bc.Next()
			}
			if !bytes.Equal(k, key[:]) {
				k, v = bc.Seek(key[:])
			}
			if !bytes.Equal(k, key[:]) {
				return fmt.Errorf("index entry for %s: %w", key, rooms.ErrNotFound)
			}
			tn.id = all[i*ulid.EncodedSize : (i+1)*ulid.EncodedSize]
			if err := decodeInto(v, &one, &tn); err != nil {
				return fmt.Errorf("booking %s: %w", key, err)
			}
			if pendingStatus(one.Status) {
				fn(&one)
			}
		}
		return nil
	})
}

// pendingID is a booking's id as EachPendingTimed sorts it.
type pendingID struct{ hi, lo uint64 }

func (p pendingID) ulid() (id ulid.ULID) {
	binary.BigEndian.PutUint64(id[:], p.hi)
	binary.BigEndian.PutUint64(id[8:], p.lo)
	return id
}

// sortIDs sorts ids by a radix sort, a byte at a time from the last: at
// 100,000 ids a quarter of the time of a comparison sort. A byte that is
// the same in every id (a ULID's first bytes are the time, alike in ids
// made within days) costs one counting pass and no moving.
func sortIDs(ids []pendingID) {
	if len(ids) < 2 {
		return
	}
	tmp := make([]pendingID, len(ids))
	src, dst := ids, tmp
	for b := range 16 {
		var count [256]int
		for i := range src {
			count[src[i].digit(b)]++
		}
		if count[src[0].digit(b)] == len(src) {
			continue // every id has this byte
		}
		at := 0
		for d, c := range count {
			count[d] = at
			at += c
		}
		for i := range src {
			d := src[i].digit(b)
			dst[count[d]] = src[i]
			count[d]++
		}
		src, dst = dst, src
	}
	if &src[0] != &ids[0] {
		copy(ids, src)
	}
}

// digit is byte b of the id, counted from the last.
func (p pendingID) digit(b int) byte {
	if b < 8 {
		return byte(p.lo >> (8 * b))
	}
	return byte(p.hi >> (8 * (b - 8)))
}

// eachPendingKey calls fn with the time index key of every booking that
// occupies its room until after since, whatever its status. The scan
// starts at since - max_span, so bookings long over are never visited,
// and their end is read from the index value. The keys point into the
// mmap and stay valid for the transaction.
func eachPendingKey(tx *kv.Tx, since time.Time, fn func(k []byte)) {
	lo := appendTime(nil, clampTime(since.Add(-maxSpan(tx, ""))))
	c := tx.Bucket(bucketByTime).Cursor()
	for k, v := c.Seek(lo); k != nil; k, v = c.Next() {
		if decodeTime(v).After(since) { // else its room is free again by since
			fn(k)
		}
	}
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
