package store

// Allocation work inside a booking's write transaction.

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/oklog/ulid/v2"

	"github.com/kogge-project/kogge/rooms"
	"github.com/kogge-project/kogge/rooms/store/kv"
)

func loadAlloc(tx *kv.Tx, id ulid.ULID) (*Allocation, error) {
	v := tx.Bucket(bucketAllocations).Get(id[:])
	if v == nil {
		return nil, nil
	}
	a, err := decodeAlloc(id, v)
	if err != nil {
		return nil, err
	}
	return &a, nil
}

// deleteAllocKeys removes a's index entries (not its record).
func deleteAllocKeys(tx *kv.Tx, a *Allocation, id ulid.ULID) error {
	if a.holds() {
		if err := tx.Bucket(bucketAllocByLicence).Delete(licenceKey(a, id)); err != nil {
			return err
		}
	}
	if k, ok := dueKey(a, id); ok {
		return tx.Bucket(bucketAllocDue).Delete(k)
	}
	return nil
}

// putAllocKeys adds a's index entries and raises its licence's span.
func putAllocKeys(tx *kv.Tx, a *Allocation, id ulid.ULID) error {
	if a.holds() {
		if err := tx.Bucket(bucketAllocByLicence).Put(licenceKey(a, id), appendTime(nil, a.To)); err != nil {
			return err
		}
		spans := tx.Bucket(bucketMeta).Bucket(bucketAllocSpans)
		sk := spanKey(a.Provider, a.Licence)
		if span := a.To.Sub(a.From); span > getDuration(spans.Get(sk)) {
			if err := spans.Put(sk, appendDuration(span)); err != nil {
				return err
			}
		}
	}
	if k, ok := dueKey(a, id); ok {
		return tx.Bucket(bucketAllocDue).Put(k, nil)
	}
	return nil
}

// deleteAlloc removes a booking's allocation and its index entries
// (purging).
func deleteAlloc(tx *kv.Tx, id ulid.ULID) error {
	a, err := loadAlloc(tx, id)
	if err != nil || a == nil {
		return err
	}
	if err := deleteAllocKeys(tx, a, id); err != nil {
		return err
	}
	return tx.Bucket(bucketAllocations).Delete(id[:])
}

// busy reports whether a booking other than self holds provider's licence
// at some instant of [from, to): one range scan of that licence's index
// entries starting in [from - span, to) (the overlap bound of doc.go,
// with the licence's own longest hold).
func busy(tx *kv.Tx, self ulid.ULID, provider, licence string, from, to time.Time) (bool, error) {
	if licence == "" || !from.Before(to) {
		return false, nil
	}
	p := licencePrefix(provider, licence)
	lo := appendTime(bytes.Clone(p), clampTime(from.Add(-allocSpan(tx, provider, licence))))
	hi := appendTime(p, clampTime(to))
	c := tx.Bucket(bucketAllocByLicence).Cursor()
	for k, v := c.Seek(lo); k != nil && bytes.Compare(k, hi) < 0; k, v = c.Next() {
		if len(v) != timeLen || len(k) != len(p)+timeLen+idLen {
			return false, fmt.Errorf("licence index entry %x is malformed", k)
		}
		if !decodeTime(v).After(from) || bytes.Equal(k[len(k)-idLen:], self[:]) {
			continue
		}
		return true, nil
	}
	return false, nil
}

func busyFunc(tx *kv.Tx, self ulid.ULID) BusyFunc {
	return func(provider, licence string, from, to time.Time) (bool, error) {
		return busy(tx, self, provider, licence, from, to)
	}
}

func addCleanup(a *Allocation, r ExternalRef) {
	if !slices.Contains(a.Cleanup, r) {
		a.Cleanup = append(a.Cleanup, r)
	}
}

// settle applies the rules every stored allocation follows: an external
// meeting left behind by a move to another provider or licence, or by a
// release, goes to Cleanup, and the allocation no longer names it.
func settle(prev, next *Allocation) {
	if prev != nil && prev.ExternalID != "" && (prev.Provider != next.Provider || prev.Licence != next.Licence) {
		addCleanup(next, ExternalRef{prev.Provider, prev.Licence, prev.ExternalID})
		if next.ExternalID == prev.ExternalID {
			next.ExternalID, next.JoinURL, next.HostURL, next.DialIn = "", "", "", ""
			if next.State == AllocProvisioned {
				next.State = AllocReserved
			}
		}
	}
	if next.State == AllocReleased && next.ExternalID != "" {
		addCleanup(next, ExternalRef{next.Provider, next.Licence, next.ExternalID})
		next.ExternalID, next.JoinURL, next.HostURL, next.DialIn = "", "", "", ""
	}
	if len(next.Cleanup) == 0 {
		next.Cleanup = nil
	}
	if len(next.Excluded) == 0 {
		next.Excluded = nil
	}
}

// checkAlloc refuses an allocation the index cannot hold.
func checkAlloc(a *Allocation) error {
	switch a.State {
	case AllocReserved, AllocProvisioned, AllocReleased:
	default:
		return fmt.Errorf("allocation of %s: unknown state %q", a.Booking, a.State)
	}
	if strings.IndexByte(a.Provider, 0) >= 0 || strings.IndexByte(a.Licence, 0) >= 0 {
		return fmt.Errorf("allocation of %s: provider or licence contains a NUL byte", a.Booking)
	}
	if !a.holds() {
		return nil
	}
	if a.Provider == "" {
		return fmt.Errorf("allocation of %s: no provider", a.Booking)
	}
	for _, t := range []time.Time{a.From, a.To} {
		if t.Before(minStorable) || t.After(maxStorable) {
			return fmt.Errorf("allocation of %s: time %s is outside the storable range", a.Booking, t.Format(time.RFC3339))
		}
	}
	if a.To.Before(a.From) {
		return fmt.Errorf("allocation of %s: ends (%s) before it starts (%s)", a.Booking, timeText(a.To), timeText(a.From))
	}
	return nil
}

// writeAlloc stores next as the allocation of booking id, whose stored
// allocation is prev (nil if none), unless nothing changed. It settles
// next, checks it and, if it holds a licence, that the licence is free
// (ErrLicenceTaken): whatever the caller decided, no licence is ever held
// twice. A refusal is returned as refused; err is a storage error.
func writeAlloc(tx *kv.Tx, id ulid.ULID, prev *Allocation, next Allocation, now time.Time) (out Allocation, refused, err error) {
	next.Booking = id.String()
	next.From, next.To = next.From.UTC(), next.To.UTC()
	next.FirstFailure, next.NextAttempt = utcOrZero(next.FirstFailure), utcOrZero(next.NextAttempt)
	settle(prev, &next)
	if err := checkAlloc(&next); err != nil {
		return Allocation{}, err, nil
	}
	if next.holds() && (prev == nil || !prev.holds() || prev.Provider != next.Provider || prev.Licence != next.Licence ||
		!prev.From.Equal(next.From) || !prev.To.Equal(next.To)) {
		taken, err := busy(tx, id, next.Provider, next.Licence, next.From, next.To)
		if err != nil {
			return Allocation{}, nil, err
		}
		if taken {
			return Allocation{}, fmt.Errorf("%s licence %q from %s to %s: %w", next.Provider, next.Licence,
				timeText(next.From), timeText(next.To), ErrLicenceTaken), nil
		}
	}
	if prev != nil && sameAlloc(prev, &next) {
		return *prev, nil, nil
	}
	next.Version, next.Updated = 1, now
	if prev != nil {
		next.Version = prev.Version + 1
		if err := deleteAllocKeys(tx, prev, id); err != nil {
			return Allocation{}, nil, err
		}
	}
	v, err := encodeAlloc(&next)
	if err != nil {
		return Allocation{}, nil, err
	}
	if err := appendBucket(tx, bucketAllocations).Put(id[:], v); err != nil {
		return Allocation{}, nil, err
	}
	return next, nil, putAllocKeys(tx, &next, id)
}

// releaseAlloc releases booking id's allocation, if it has one that is
// not released yet, without asking the allocator.
func releaseAlloc(tx *kv.Tx, id ulid.ULID, prev *Allocation, now time.Time) error {
	if prev == nil || !prev.holds() {
		return nil
	}
	next := prev.Clone()
	next.State = AllocReleased
	_, refused, err := writeAlloc(tx, id, prev, next, now)
	if err == nil && refused != nil {
		err = refused // a stored allocation that no longer passes the check
	}
	return err
}

// allocate runs the allocator for booking b (id), about to be stored in
// tx: a booking that frees its room releases its allocation without
// asking; any other asks alloc (if set) with the stored allocation. The
// allocator's error, or an allocation the store refuses, is returned as
// refused and nothing is written; err is a storage error.
func allocate(tx *kv.Tx, alloc Allocator, b *rooms.Booking, id ulid.ULID, now time.Time) (refused, err error) {
	prev, err := loadAlloc(tx, id)
	if err != nil {
		return nil, err
	}
	if !b.Status.Blocks() {
		return nil, releaseAlloc(tx, id, prev, now)
	}
	if alloc == nil {
		return nil, nil
	}
	var p *Allocation
	if prev != nil {
		c := prev.Clone()
		p = &c
	}
	next, aerr := alloc(*b, p, busyFunc(tx, id))
	if aerr != nil {
		return aerr, nil
	}
	if next == nil {
		return nil, releaseAlloc(tx, id, prev, now)
	}
	n := next.Clone()
	if prev != nil { // the allocator may start afresh: never lose a meeting to delete
		for _, r := range prev.Cleanup {
			addCleanup(&n, r)
		}
	}
	_, refused, err = writeAlloc(tx, id, prev, n, now)
	return refused, err
}

// allocatorFn is the installed allocator, nil if none.
func (s *Store) allocatorFn() Allocator {
	if p := s.allocator.Load(); p != nil {
		return *p
	}
	return nil
}
