package store

// Reading allocations: the worker's due list, listings, licence use.

import (
	"bytes"
	"fmt"
	"slices"
	"time"

	"github.com/kogge-project/kogge/rooms/store/kv"
	"github.com/oklog/ulid/v2"
)

// DueAllocations lists allocations with work to do at now: reserved ones
// whose NextAttempt has come (a zero NextAttempt is due at once), and any
// with Cleanup left, those first, then by NextAttempt. It reads the index
// allocations_due, which holds only allocations with work to do, up to
// the first one due after now: the cost is the number due, not the number
// stored.
func (s *Store) DueAllocations(now time.Time) ([]Allocation, error) {
	var out []Allocation
	err := s.view("due_allocations", func(tx *kv.Tx) error {
		end := appendTime(nil, clampTime(now))
		c := tx.Bucket(bucketAllocDue).Cursor()
		for k, _ := c.First(); k != nil; k, _ = c.Next() {
			if len(k) != timeLen+idLen {
				return fmt.Errorf("due index entry %x is malformed", k)
			}
			if bytes.Compare(k[:timeLen], end) > 0 {
				break
			}
			a, err := loadAlloc(tx, ulid.ULID(k[timeLen:]))
			if err != nil {
				return err
			}
			if a == nil {
				return fmt.Errorf("due index entry %x has no allocation", k)
			}
			out = append(out, *a)
		}
		return nil
	})
	return out, err
}

// eachAllocBatch is how many allocations EachAllocation reads per read
// transaction; fn runs outside them (it may write to the store).
const eachAllocBatch = 500

// EachAllocation calls fn for every allocation of provider ("" = all)
// that is not released, in booking order. fn runs outside any
// transaction, so it may call the store; an allocation changed meanwhile
// is seen as it was read. An error from fn stops the walk and is returned.
func (s *Store) EachAllocation(provider string, fn func(Allocation) error) error {
	var from []byte
	for {
		var batch []Allocation
		var next []byte
		err := s.view("each_allocation", func(tx *kv.Tx) error {
			c := tx.Bucket(bucketAllocations).Cursor()
			for k, v := seekFrom(c, from); k != nil; k, v = c.Next() {
				if len(batch) == eachAllocBatch {
					next = bytes.Clone(k)
					return nil
				}
				if len(k) != idLen {
					return fmt.Errorf("allocation key %x is no booking id", k)
				}
				a, err := decodeAlloc(ulid.ULID(k), v)
				if err != nil {
					return err
				}
				if a.holds() && (provider == "" || a.Provider == provider) {
					batch = append(batch, a)
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, a := range batch {
			if err := fn(a); err != nil {
				return err
			}
		}
		if next == nil {
			return nil
		}
		from = next
	}
}

// LicenceUse counts a provider's held licences: inUse at instant now, and
// the peak of simultaneous holds in [from, to). Holds of an unlimited
// pool (licence "") count too, one per meeting. It scans each licence's
// index entries that can overlap the window (the overlap bound again) and
// sweeps over their starts and ends.
func (s *Store) LicenceUse(provider string, now, from, to time.Time) (inUse, peak int, err error) {
	type hold struct{ from, to time.Time }
	var holds []hold
	lo, hi := from, to
	if now.Before(lo) {
		lo = now
	}
	if !now.Before(hi) {
		hi = now.Add(time.Nanosecond)
	}
	err = s.view("licence_use", func(tx *kv.Tx) error {
		pp := append([]byte(provider), 0)
		c := tx.Bucket(bucketAllocByLicence).Cursor()
		k, _ := c.Seek(pp)
		for k != nil && bytes.HasPrefix(k, pp) {
			end := bytes.IndexByte(k[len(pp):], 0)
			if end < 0 {
				return fmt.Errorf("licence index entry %x is malformed", k)
			}
			licence := string(k[len(pp) : len(pp)+end])
			lp := licencePrefix(provider, licence)
			start := appendTime(bytes.Clone(lp), clampTime(lo.Add(-allocSpan(tx, provider, licence))))
			stop := appendTime(bytes.Clone(lp), clampTime(hi))
			var v []byte
			for k, v = c.Seek(start); k != nil && bytes.Compare(k, stop) < 0; k, v = c.Next() {
				if len(k) != len(lp)+timeLen+idLen || len(v) != timeLen {
					return fmt.Errorf("licence index entry %x is malformed", k)
				}
				holds = append(holds, hold{decodeTime(k[len(lp) : len(lp)+timeLen]), decodeTime(v)})
			}
			// Next licence: past every key of this one (its prefix ends
			// in 0; 1 sorts after all of them).
			k, _ = c.Seek(append(append(bytes.Clone(pp), licence...), 1))
		}
		return nil
	})
	if err != nil {
		return 0, 0, err
	}
	type event struct {
		at    time.Time
		delta int
	}
	var events []event
	for _, h := range holds {
		if !h.from.After(now) && h.to.After(now) {
			inUse++
		}
		f, t := h.from, h.to
		if f.Before(from) {
			f = from
		}
		if t.After(to) {
			t = to
		}
		if f.Before(t) {
			events = append(events, event{f, 1}, event{t, -1})
		}
	}
	// Half-open holds: one ending when another starts never overlaps it,
	// so at equal instants ends come first.
	slices.SortFunc(events, func(a, b event) int {
		if c := a.at.Compare(b.at); c != 0 {
			return c
		}
		return a.delta - b.delta
	})
	n := 0
	for _, e := range events {
		n += e.delta
		peak = max(peak, n)
	}
	return inUse, peak, nil
}
