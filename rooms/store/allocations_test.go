package store

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kogge-project/kogge/rooms"
	"github.com/kogge-project/kogge/rooms/store/kv"
)

var errNoLicence = errors.New("no licence free")

// hybrid is a hybrid meeting in room from start for d.
func hybrid(room string, start time.Time, d time.Duration) rooms.Booking {
	b := at(room, start, d)
	b.Hybrid.Enabled = true
	return b
}

func pool(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("L%03d", i)
	}
	return out
}

// firstFree is the simple allocator of the tests: a hybrid booking keeps
// its licence while that stays free, or gets the first free one of the
// pool; a booking with more than 50 remote participants goes to "pexip"
// (unlimited). Non-hybrid bookings get none.
func firstFree(provider string, licences []string) Allocator {
	return func(b rooms.Booking, prev *Allocation, busy BusyFunc) (*Allocation, error) {
		if !b.Hybrid.Enabled {
			return nil, nil
		}
		from, to := b.OccupiedFrom(), b.OccupiedUntil()
		var a Allocation
		if prev != nil {
			a = *prev
		}
		if b.Hybrid.ExpectedRemote > 50 {
			a.Provider, a.Licence, a.From, a.To, a.State = "pexip", "", from, to, AllocReserved
			return &a, nil
		}
		if prev != nil && prev.State != AllocReleased && prev.Provider == provider {
			taken, err := busy(provider, prev.Licence, from, to)
			if err != nil {
				return nil, err
			}
			if !taken {
				if !a.From.Equal(from) || !a.To.Equal(to) {
					a.State = AllocReserved // provision again
				}
				a.From, a.To = from, to
				return &a, nil
			}
		}
		for _, l := range licences {
			taken, err := busy(provider, l, from, to)
			if err != nil {
				return nil, err
			}
			if !taken {
				a.Provider, a.Licence, a.From, a.To, a.State = provider, l, from, to, AllocReserved
				return &a, nil
			}
		}
		return nil, errNoLicence
	}
}

func mustAlloc(t *testing.T, s *Store, id string) Allocation {
	t.Helper()
	a, ok, err := s.Allocation(id)
	if err != nil || !ok {
		t.Fatalf("Allocation(%s): %v, ok %v", id, err, ok)
	}
	return a
}

func allAllocations(t *testing.T, s *Store) []Allocation {
	t.Helper()
	var out []Allocation
	err := s.db.View(func(tx *kv.Tx) error {
		return tx.Bucket(bucketAllocations).ForEach(func(k, v []byte) error {
			a, err := decodeAlloc([16]byte(k), v)
			out = append(out, a)
			return err
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// indexSize counts the entries of bucket name.
func indexSize(t *testing.T, s *Store, name []byte) int {
	t.Helper()
	n := 0
	s.db.View(func(tx *kv.Tx) error { n = tx.Bucket(name).Stats().KeyN; return nil })
	return n
}

// provision marks a booking's allocation provisioned with an external id.
func provision(t *testing.T, s *Store, id, ext string) Allocation {
	t.Helper()
	a, err := s.UpdateAllocation(id, "worker", func(_ rooms.Booking, a *Allocation) error {
		a.State, a.ExternalID, a.JoinURL = AllocProvisioned, ext, "https://example.org/"+ext
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestAllocatorCalledInCreate(t *testing.T) {
	s := MustOpen(t)
	var calls atomic.Int64
	ff := firstFree("gotomeeting", pool(2))
	s.SetAllocator(func(b rooms.Booking, prev *Allocation, busy BusyFunc) (*Allocation, error) {
		calls.Add(1)
		if prev != nil {
			t.Errorf("prev %+v for a new booking", prev)
		}
		if b.ID == "" || b.Version != 1 {
			t.Errorf("allocator sees %+v, want the booking as stored", b)
		}
		return ff(b, prev, busy)
	})
	b := mustCreate(t, s, hybrid("a", t0, time.Hour))
	a := mustAlloc(t, s, b.ID)
	want := Allocation{Booking: b.ID, Provider: "gotomeeting", Licence: "L000", From: t0, To: t0.Add(time.Hour),
		State: AllocReserved, Version: 1, Updated: t0}
	if !sameAlloc(&a, &want) || a.Version != 1 || !a.Updated.Equal(t0) {
		t.Errorf("stored %+v, want %+v", a, want)
	}
	// Another booking at the same time gets the next licence.
	if a2 := mustAlloc(t, s, mustCreate(t, s, hybrid("b", t0, time.Hour)).ID); a2.Licence != "L001" {
		t.Errorf("second booking got %q", a2.Licence)
	}
	// Not hybrid: asked, no allocation.
	plain := mustCreate(t, s, at("c", t0, time.Hour))
	if _, ok, _ := s.Allocation(plain.ID); ok {
		t.Error("a plain booking has an allocation")
	}
	if calls.Load() != 3 {
		t.Errorf("%d allocator calls, want 3", calls.Load())
	}
}

func TestAllocatorErrorAbortsCreate(t *testing.T) {
	s := MustOpen(t)
	s.SetAllocator(firstFree("gotomeeting", pool(1)))
	first := mustCreate(t, s, hybrid("a", t0, time.Hour))
	_, err := s.Create(hybrid("b", t0.Add(30*time.Minute), time.Hour), "tester")
	if !errors.Is(err, errNoLicence) {
		t.Fatalf("Create: %v, want the allocator's error", err)
	}
	if c, _ := s.CountByStatus(); c[rooms.StatusConfirmed] != 1 {
		t.Errorf("counts %v, want one booking", c)
	}
	if got := allAllocations(t, s); len(got) != 1 || got[0].Booking != first.ID {
		t.Errorf("allocations %+v", got)
	}
	if n := indexSize(t, s, bucketAllocByLicence); n != 1 {
		t.Errorf("%d licence index entries", n)
	}
	if bs, _ := s.Overlapping("b", t0, t0.Add(2*time.Hour)); len(bs) != 0 {
		t.Errorf("refused booking stored: %+v", bs)
	}

	// The store refuses a taken licence whatever the allocator says.
	s.SetAllocator(func(b rooms.Booking, prev *Allocation, _ BusyFunc) (*Allocation, error) {
		return &Allocation{Provider: "gotomeeting", Licence: "L000", From: b.Start, To: b.End, State: AllocReserved}, nil
	})
	if _, err := s.Create(hybrid("c", t0, time.Hour), "tester"); !errors.Is(err, ErrLicenceTaken) {
		t.Fatalf("Create with a taken licence: %v, want ErrLicenceTaken", err)
	}
	// Update refused by the allocator: nothing changes.
	s.SetAllocator(func(rooms.Booking, *Allocation, BusyFunc) (*Allocation, error) { return nil, errNoLicence })
	if _, err := s.Update(first.ID, first.Version, "tester", func(b *rooms.Booking) error {
		b.Start, b.End = b.Start.Add(time.Hour), b.End.Add(time.Hour)
		return nil
	}); !errors.Is(err, errNoLicence) {
		t.Fatalf("Update: %v", err)
	}
	if got, _ := s.Get(first.ID); got != first {
		t.Errorf("booking changed to %+v", got)
	}
	if a := mustAlloc(t, s, first.ID); a.Version != 1 {
		t.Errorf("allocation changed: %+v", a)
	}
}

func TestBusy(t *testing.T) {
	s := MustOpen(t)
	s.SetAllocator(firstFree("goto", pool(1)))
	b := mustCreate(t, s, hybrid("a", t0, time.Hour)) // holds L000 over [t0, t0+1h)
	self, _ := parseID(b.ID)
	other, _ := parseID(mustCreate(t, s, at("x", t0, time.Hour)).ID)
	check := func(who [16]byte, provider, licence string, from, to time.Time, want bool) {
		t.Helper()
		err := s.db.View(func(tx *kv.Tx) error {
			got, err := busyFunc(tx, who)(provider, licence, from, to)
			if err == nil && got != want {
				t.Errorf("busy(%s, %s, %s–%s) = %v, want %v", provider, licence, from.Format(time.TimeOnly), to.Format(time.TimeOnly), got, want)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	h, ns := time.Hour, time.Nanosecond
	check(other, "goto", "L000", t0, t0.Add(h), true)
	check(other, "goto", "L000", t0.Add(h), t0.Add(2*h), false)   // starts at its end
	check(other, "goto", "L000", t0.Add(-h), t0, false)           // ends at its start
	check(other, "goto", "L000", t0.Add(-h), t0.Add(ns), true)    // one instant
	check(other, "goto", "L000", t0.Add(h-ns), t0.Add(2*h), true) // its last instant
	check(other, "goto", "L000", t0.Add(10*time.Minute), t0.Add(20*time.Minute), true)
	check(other, "goto", "L000", t0.Add(-h), t0.Add(3*h), true) // around it
	check(other, "goto", "L001", t0, t0.Add(h), false)          // another licence
	check(other, "other", "L000", t0, t0.Add(h), false)         // another provider
	check(other, "goto", "", t0, t0.Add(h), false)              // unlimited pool
	check(self, "goto", "L000", t0, t0.Add(h), false)           // itself
	// Long holds are found from far away (the span bound).
	long := mustCreate(t, s, hybrid("b", t0.Add(24*h), 72*h))
	check(other, "goto", "L000", t0.Add(90*h), t0.Add(91*h), true)
	check(other, "goto", "L000", t0.Add(96*h), t0.Add(97*h), false)
	// Released: free.
	if _, err := s.Cancel(b.ID, b.Version, "tester"); err != nil {
		t.Fatal(err)
	}
	check(other, "goto", "L000", t0, t0.Add(h), false)
	if a := mustAlloc(t, s, b.ID); a.State != AllocReleased || a.Version != 2 {
		t.Errorf("after cancel %+v", a)
	}
	_ = long
}

// 2,000 concurrent creates in distinct rooms compete for a pool of 100
// licences: the first thousand all overlap one another, so exactly 100 of
// them get a licence; the second thousand are spread over 20 hours, 50 an
// hour, so all of them do. No licence is ever held twice.
func TestConcurrentAllocations(t *testing.T) {
	s := MustOpen(t)
	s.SetAllocator(firstFree("goto", pool(100)))
	const n = 2000
	var ok, refused atomic.Int64
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			var b rooms.Booking
			if i < n/2 {
				// Starts within 1000 s, lasts 2 h: all share [t0+1000s, t0+2h).
				b = hybrid(fmt.Sprintf("r%d", i), t0.Add(time.Duration(i)*time.Second), 2*time.Hour)
			} else {
				j := i - n/2
				b = hybrid(fmt.Sprintf("r%d", i), t0.Add(24*time.Hour+time.Duration(j%20)*time.Hour), time.Hour)
			}
			_, err := s.Create(b, "tester")
			switch {
			case err == nil:
				ok.Add(1)
			case errors.Is(err, errNoLicence):
				refused.Add(1)
			default:
				t.Errorf("Create: %v", err)
			}
		})
	}
	wg.Wait()
	if ok.Load() != 100+n/2 || refused.Load() != n/2-100 {
		t.Fatalf("%d created, %d refused; want %d and %d", ok.Load(), refused.Load(), 100+n/2, n/2-100)
	}
	all := allAllocations(t, s)
	if len(all) != int(ok.Load()) {
		t.Fatalf("%d allocations for %d bookings", len(all), ok.Load())
	}
	byLicence := map[string][]Allocation{}
	for _, a := range all {
		if _, err := s.Get(a.Booking); err != nil {
			t.Errorf("allocation of a booking not stored: %v", err)
		}
		byLicence[a.Licence] = append(byLicence[a.Licence], a)
	}
	for l, as := range byLicence {
		for i := range as {
			for j := i + 1; j < len(as); j++ {
				if as[i].From.Before(as[j].To) && as[j].From.Before(as[i].To) {
					t.Errorf("licence %s held twice: %s and %s", l, as[i].Booking, as[j].Booking)
				}
			}
		}
	}
	if len(byLicence) != 100 {
		t.Errorf("%d licences in use, want 100", len(byLicence))
	}
	if c, _ := s.CountByStatus(); c[rooms.StatusConfirmed] != int(ok.Load()) {
		t.Errorf("counts %v", c)
	}
	if n := indexSize(t, s, bucketAllocByLicence); n != len(all) {
		t.Errorf("%d index entries for %d allocations", n, len(all))
	}
}

func TestCancelReleases(t *testing.T) {
	s := MustOpen(t)
	s.SetAllocator(firstFree("goto", pool(1)))
	b := mustCreate(t, s, hybrid("a", t0, time.Hour))
	provision(t, s, b.ID, "meeting-1")
	if _, err := s.Create(hybrid("b", t0, time.Hour), "tester"); !errors.Is(err, errNoLicence) {
		t.Fatalf("second booking: %v", err)
	}
	var calls atomic.Int64
	inner := firstFree("goto", pool(1))
	s.SetAllocator(func(b rooms.Booking, prev *Allocation, busy BusyFunc) (*Allocation, error) {
		calls.Add(1)
		return inner(b, prev, busy)
	})
	if _, err := s.Cancel(b.ID, b.Version, "tester"); err != nil {
		t.Fatal(err)
	}
	if calls.Load() != 0 {
		t.Error("the allocator was asked about a cancelled booking")
	}
	a := mustAlloc(t, s, b.ID)
	want := []ExternalRef{{"goto", "L000", "meeting-1"}}
	if a.State != AllocReleased || a.ExternalID != "" || a.JoinURL != "" || fmt.Sprint(a.Cleanup) != fmt.Sprint(want) {
		t.Errorf("released allocation %+v", a)
	}
	due, err := s.DueAllocations(t0)
	if err != nil || len(due) != 1 || due[0].Booking != b.ID {
		t.Errorf("due %+v, %v", due, err)
	}
	if n := indexSize(t, s, bucketAllocByLicence); n != 0 {
		t.Errorf("%d licence index entries after release", n)
	}
	// The licence is free again.
	if a := mustAlloc(t, s, mustCreate(t, s, hybrid("b", t0, time.Hour)).ID); a.Licence != "L000" {
		t.Errorf("freed licence not given out: %+v", a)
	}
	// Transition to released frees too (the no-show check).
	c := mustCreate(t, s, hybrid("c", t0.Add(5*time.Hour), time.Hour))
	if _, err := s.Transition(c.ID, "release", "noshow", func(b *rooms.Booking) (bool, error) {
		b.Status = rooms.StatusReleased
		return true, nil
	}); err != nil {
		t.Fatal(err)
	}
	if a := mustAlloc(t, s, c.ID); a.State != AllocReleased || len(a.Cleanup) != 0 {
		t.Errorf("released by transition: %+v", a)
	}
}

func TestUpdateReallocates(t *testing.T) {
	s := MustOpen(t)
	s.SetAllocator(firstFree("goto", pool(2)))
	a1 := mustCreate(t, s, hybrid("a", t0, time.Hour))
	b1 := mustCreate(t, s, hybrid("b", t0.Add(2*time.Hour), time.Hour)) // L000 too: no overlap
	if l := mustAlloc(t, s, b1.ID).Licence; l != "L000" {
		t.Fatalf("b holds %s", l)
	}
	// a moves onto b's time: keeps nothing, gets L001.
	moved, err := s.Update(a1.ID, a1.Version, "tester", func(b *rooms.Booking) error {
		b.Start, b.End = t0.Add(2*time.Hour), t0.Add(3*time.Hour)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	a := mustAlloc(t, s, moved.ID)
	if a.Licence != "L001" || !a.From.Equal(t0.Add(2*time.Hour)) || a.Version != 2 {
		t.Errorf("after the move %+v", a)
	}
	// A change that does not touch the allocation does not rewrite it.
	if _, err := s.Update(moved.ID, moved.Version, "tester", func(b *rooms.Booking) error { b.Title = "Neu"; return nil }); err != nil {
		t.Fatal(err)
	}
	if got := mustAlloc(t, s, moved.ID); got.Version != 2 {
		t.Errorf("unchanged allocation rewritten: %+v", got)
	}
	// Hybrid off: the allocator returns nil, the allocation is released.
	if _, err := s.Update(b1.ID, b1.Version, "tester", func(b *rooms.Booking) error { b.Hybrid.Enabled = false; return nil }); err != nil {
		t.Fatal(err)
	}
	if got := mustAlloc(t, s, b1.ID); got.State != AllocReleased {
		t.Errorf("hybrid off: %+v", got)
	}
}

func TestProviderChangeMovesExternal(t *testing.T) {
	s := MustOpen(t)
	s.SetAllocator(firstFree("goto", pool(2)))
	b := mustCreate(t, s, hybrid("a", t0, time.Hour))
	provision(t, s, b.ID, "goto-1")
	b, err := s.Update(b.ID, b.Version, "tester", func(b *rooms.Booking) error { b.Hybrid.ExpectedRemote = 80; return nil })
	if err != nil {
		t.Fatal(err)
	}
	a := mustAlloc(t, s, b.ID)
	if a.Provider != "pexip" || a.State != AllocReserved || a.ExternalID != "" || a.JoinURL != "" ||
		len(a.Cleanup) != 1 || a.Cleanup[0] != (ExternalRef{"goto", "L000", "goto-1"}) {
		t.Errorf("after the move %+v", a)
	}
	// The worker deletes the old meeting, provisions the new one: the
	// cleanup stays until the worker removes it, through any later write.
	provision(t, s, b.ID, "pexip-1")
	if a := mustAlloc(t, s, b.ID); len(a.Cleanup) != 1 {
		t.Errorf("cleanup lost: %+v", a)
	}
	a, err = s.UpdateAllocation(b.ID, "worker", func(_ rooms.Booking, a *Allocation) error {
		a.DropCleanup(ExternalRef{"goto", "L000", "goto-1"})
		return nil
	})
	if err != nil || len(a.Cleanup) != 0 {
		t.Fatalf("clear cleanup: %+v, %v", a, err)
	}
	// A failover through UpdateAllocation is audited.
	a, err = s.UpdateAllocation(b.ID, "worker", func(_ rooms.Booking, a *Allocation) error {
		a.Provider, a.Licence, a.State, a.LastError = "goto", "L001", AllocReserved, "pexip: 503"
		a.Excluded = append(a.Excluded, "pexip")
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if a.ExternalID != "" || len(a.Cleanup) != 1 || a.Cleanup[0] != (ExternalRef{"pexip", "", "pexip-1"}) {
		t.Errorf("after failover %+v", a)
	}
	log, _ := s.Audit(b.ID)
	last := log[len(log)-1]
	if last.Action != ActionProviderMove || last.Detail != "from pexip to goto: pexip: 503" || last.Actor != "worker" {
		t.Errorf("audit %+v", last)
	}
	// Progress without a provider change is not audited.
	n := len(log)
	provision(t, s, b.ID, "goto-2")
	if log, _ := s.Audit(b.ID); len(log) != n {
		t.Errorf("%d audit entries after progress, want %d", len(log), n)
	}
}

func TestUpdateAllocationLicenceTaken(t *testing.T) {
	s := MustOpen(t)
	s.SetAllocator(firstFree("goto", pool(2)))
	a := mustCreate(t, s, hybrid("a", t0, time.Hour))
	b := mustCreate(t, s, hybrid("b", t0.Add(30*time.Minute), time.Hour))
	_, err := s.UpdateAllocation(b.ID, "worker", func(_ rooms.Booking, al *Allocation) error { al.Licence = "L000"; return nil })
	if !errors.Is(err, ErrLicenceTaken) {
		t.Fatalf("UpdateAllocation onto a's licence: %v", err)
	}
	// Moving the interval into a's: taken too; beside it: fine.
	if _, err := s.UpdateAllocation(b.ID, "worker", func(_ rooms.Booking, al *Allocation) error {
		al.Licence, al.From, al.To = "L000", t0.Add(time.Hour), t0.Add(2*time.Hour)
		return nil
	}); err != nil {
		t.Fatalf("adjacent interval: %v", err)
	}
	if _, err := s.UpdateAllocation(a.ID, "worker", func(_ rooms.Booking, al *Allocation) error {
		al.To = al.To.Add(time.Nanosecond)
		return nil
	}); !errors.Is(err, ErrLicenceTaken) {
		t.Fatalf("stretching into b: %v", err)
	}
	// Errors of fn come back as is; no allocation is an ErrNotFound.
	myErr := errors.New("mine")
	if _, err := s.UpdateAllocation(a.ID, "w", func(rooms.Booking, *Allocation) error { return myErr }); err != myErr {
		t.Errorf("fn error: %v", err)
	}
	plain := mustCreate(t, s, at("c", t0, time.Hour))
	if _, err := s.UpdateAllocation(plain.ID, "w", func(rooms.Booking, *Allocation) error { return nil }); !errors.Is(err, rooms.ErrNotFound) {
		t.Errorf("no allocation: %v", err)
	}
}

func TestDueAllocations(t *testing.T) {
	s := MustOpen(t)
	s.SetAllocator(firstFree("goto", pool(10)))
	var bs []rooms.Booking
	for i := range 4 {
		bs = append(bs, mustCreate(t, s, hybrid(fmt.Sprint("r", i), t0.Add(time.Duration(i)*time.Hour), time.Hour)))
	}
	set := func(i int, fn func(a *Allocation)) {
		t.Helper()
		if _, err := s.UpdateAllocation(bs[i].ID, "w", func(_ rooms.Booking, a *Allocation) error { fn(a); return nil }); err != nil {
			t.Fatal(err)
		}
	}
	set(0, func(a *Allocation) { a.NextAttempt = t0.Add(-time.Minute) })
	set(1, func(a *Allocation) { a.NextAttempt = t0.Add(time.Hour) })
	set(2, func(a *Allocation) { a.State, a.ExternalID = AllocProvisioned, "x" })
	set(3, func(a *Allocation) {
		a.State, a.ExternalID = AllocProvisioned, "y"
		a.Cleanup = []ExternalRef{{"goto", "L009", "old"}}
		a.NextAttempt = t0.Add(48 * time.Hour)
	})
	dueIDs := func(now time.Time) string {
		due, err := s.DueAllocations(now)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, a := range due {
			for i, b := range bs {
				if b.ID == a.Booking {
					ids = append(ids, fmt.Sprint(i))
				}
			}
		}
		return strings.Join(ids, ",")
	}
	if got := dueIDs(t0); got != "3,0" {
		t.Errorf("due at t0: %s, want 3,0", got)
	}
	if got := dueIDs(t0.Add(time.Hour)); got != "3,0,1" {
		t.Errorf("due an hour later: %s, want 3,0,1", got)
	}
	set(3, func(a *Allocation) { a.Cleanup = nil })
	set(0, func(a *Allocation) { a.State = AllocProvisioned })
	if got := dueIDs(t0.Add(time.Hour)); got != "1" {
		t.Errorf("after the work: %s, want 1", got)
	}
	// Index and records agree.
	if n := indexSize(t, s, bucketAllocDue); n != 1 {
		t.Errorf("%d due entries", n)
	}
}

func TestLicenceUseAndEach(t *testing.T) {
	s := MustOpen(t)
	s.SetAllocator(firstFree("goto", pool(10)))
	h := time.Hour
	// Holds: [0,2) [1,3) [2,4) [1,5) and a 3-day one from day 2.
	for i, iv := range [][2]time.Duration{{0, 2 * h}, {h, 3 * h}, {2 * h, 4 * h}, {h, 5 * h}, {48 * h, 120 * h}} {
		mustCreate(t, s, hybrid(fmt.Sprint("r", i), t0.Add(iv[0]), iv[1]-iv[0]))
	}
	big := hybrid("big", t0, h)
	big.Hybrid.ExpectedRemote = 99 // pexip
	mustCreate(t, s, big)
	for _, c := range []struct {
		now, from, to time.Duration
		inUse, peak   int
	}{
		{0, 0, 24 * h, 1, 3}, // at 1h..2h: three
		{90 * time.Minute, 0, h, 3, 1},
		{2 * h, 2 * h, 3 * h, 3, 3}, // [0,2) ended, [2,4) started
		{6 * h, 5 * h, 48 * h, 0, 0},
		{100 * h, 0, 7 * 24 * h, 1, 3},
		{72 * h, 70 * h, 71 * h, 1, 1}, // the long one, from far after its start
	} {
		inUse, peak, err := s.LicenceUse("goto", t0.Add(c.now), t0.Add(c.from), t0.Add(c.to))
		if err != nil || inUse != c.inUse || peak != c.peak {
			t.Errorf("LicenceUse(now %s, %s–%s) = %d, %d, %v; want %d, %d", c.now, c.from, c.to, inUse, peak, err, c.inUse, c.peak)
		}
	}
	if inUse, peak, _ := s.LicenceUse("pexip", t0, t0, t0.Add(h)); inUse != 1 || peak != 1 {
		t.Errorf("pexip: %d, %d", inUse, peak)
	}
	count := func(provider string) int {
		n := 0
		if err := s.EachAllocation(provider, func(Allocation) error { n++; return nil }); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if count("") != 6 || count("goto") != 5 || count("pexip") != 1 || count("none") != 0 {
		t.Errorf("EachAllocation: %d %d %d", count(""), count("goto"), count("pexip"))
	}
}

func TestEachAllocationBatches(t *testing.T) {
	s := MustOpen(t)
	s.SetAllocator(firstFree("goto", nil))
	s.SetAllocator(func(b rooms.Booking, _ *Allocation, _ BusyFunc) (*Allocation, error) {
		return &Allocation{Provider: "builtin", From: b.Start, To: b.End, State: AllocReserved}, nil
	})
	var bs []rooms.Booking
	for i := range eachAllocBatch*2 + 3 {
		bs = append(bs, hybrid("a", t0.Add(time.Duration(i)*time.Hour), time.Hour))
	}
	_, stored, _, err := s.CreateSeries(rooms.Series{Template: bs[0], Rule: "FREQ=HOURLY"}, bs, false, "t")
	if err != nil || len(stored) != len(bs) {
		t.Fatal(err)
	}
	var seen []string
	err = s.EachAllocation("", func(a Allocation) error {
		seen = append(seen, a.Booking)
		// fn may write: it runs outside the read transaction.
		_, err := s.UpdateAllocation(a.Booking, "w", func(_ rooms.Booking, a *Allocation) error { a.Attempts++; return nil })
		return err
	})
	if err != nil || len(seen) != len(bs) {
		t.Fatalf("%d seen, %v", len(seen), err)
	}
	for i := 1; i < len(seen); i++ {
		if seen[i-1] >= seen[i] {
			t.Fatal("not in booking order")
		}
	}
}

func TestSeriesAllocations(t *testing.T) {
	s := MustOpen(t)
	s.SetAllocator(firstFree("goto", pool(1)))
	// Another room holds the only licence on the third week.
	blocker := mustCreate(t, s, hybrid("x", t0.Add(14*24*time.Hour), time.Hour))
	occ := make([]rooms.Booking, 4)
	for i := range occ {
		occ[i] = hybrid("a", t0.Add(time.Duration(i)*7*24*time.Hour), time.Hour)
	}
	sr := rooms.Series{Template: occ[0], Rule: "FREQ=WEEKLY;COUNT=4"}
	_, _, _, err := s.CreateSeries(sr, occ, false, "t")
	var sce *SeriesConflictError
	if !errors.As(err, &sce) || len(sce.Occurrences) != 1 || !errors.Is(sce.Occurrences[0].Err, errNoLicence) ||
		!strings.HasPrefix(sce.Occurrences[0].Reason, ReasonAllocationPrefix) || !strings.Contains(err.Error(), "no licence free") {
		t.Fatalf("fail mode: %v", err)
	}
	if n := len(allAllocations(t, s)); n != 1 {
		t.Fatalf("%d allocations after a failed series", n)
	}
	created, stored, skipped, err := s.CreateSeries(sr, occ, true, "t")
	if err != nil || len(stored) != 3 || len(skipped) != 1 || !skipped[0].Start.Equal(occ[2].Start) {
		t.Fatalf("skip mode: %d stored, %+v, %v", len(stored), skipped, err)
	}
	for _, b := range stored {
		mustAlloc(t, s, b.ID)
	}
	// The horizon job: the new week conflicts on the licence, is skipped.
	mustCreate(t, s, hybrid("y", t0.Add(35*24*time.Hour), time.Hour))
	more := []rooms.Booking{hybrid("a", t0.Add(28*24*time.Hour), time.Hour), hybrid("a", t0.Add(35*24*time.Hour), time.Hour)}
	st, sk, err := s.AppendOccurrences(created.ID, 0, more, t0.Add(36*24*time.Hour), "horizon")
	if err != nil || len(st) != 1 || len(sk) != 1 || sk[0].Err == nil {
		t.Fatalf("append: %d stored, %+v, %v", len(st), sk, err)
	}
	// EditSeries moving every meeting onto blocker2's hour... refused and rolled back.
	_, _, err = s.EditSeries(created.ID, 0, time.Time{}, "t", func(*rooms.Series) error { return nil }, func(b *rooms.Booking) (bool, error) {
		if b.Start.Equal(occ[0].Start) {
			b.Start, b.End = blocker.Start, blocker.End // same hour as the blocker, other week: own week is taken
		}
		return true, nil
	})
	if !errors.As(err, &sce) || len(sce.Occurrences) != 1 || sce.Occurrences[0].Err == nil {
		t.Fatalf("EditSeries: %v", err)
	}
	if a := mustAlloc(t, s, stored[0].ID); !a.From.Equal(occ[0].Start) || a.Version != 1 {
		t.Errorf("allocation changed by a refused edit: %+v", a)
	}
	// CancelSeries releases every occurrence's licence.
	if _, err := s.CancelSeries(created.ID, time.Time{}, "t", nil); err != nil {
		t.Fatal(err)
	}
	for _, b := range append(stored, st...) {
		if a := mustAlloc(t, s, b.ID); a.State != AllocReleased {
			t.Errorf("after CancelSeries %+v", a)
		}
	}
	if n := indexSize(t, s, bucketAllocByLicence); n != 2 { // the two blockers
		t.Errorf("%d licence entries after CancelSeries", n)
	}
}

func TestPurgeDeletesAllocation(t *testing.T) {
	s := MustOpen(t)
	s.SetAllocator(firstFree("goto", pool(1)))
	old := mustCreate(t, s, hybrid("a", t0.Add(-400*day), time.Hour))
	provision(t, s, old.ID, "ext")
	keep := mustCreate(t, s, hybrid("a", t0.Add(day), time.Hour))
	mustPurge(t, s, shortInterviews, time.Time{}, 10)
	if _, ok, _ := s.Allocation(old.ID); ok {
		t.Error("purged booking's allocation left")
	}
	mustAlloc(t, s, keep.ID)
	if n := indexSize(t, s, bucketAllocByLicence); n != 1 {
		t.Errorf("%d licence index entries", n)
	}
	if n := indexSize(t, s, bucketAllocDue); n != 1 { // keep's reservation
		t.Errorf("%d due entries", n)
	}
}

func TestAllocationsPersistAndBackup(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kogge.db")
	opts := Options{Now: func() time.Time { return t0 }}
	s, err := Open(path, opts)
	if err != nil {
		t.Fatal(err)
	}
	s.SetAllocator(firstFree("goto", pool(1)))
	b := mustCreate(t, s, hybrid("a", t0, time.Hour))
	want := provision(t, s, b.ID, "ext-1")
	if err := s.PutSecret("goto/organizer/L000", []byte{1, 2, 3}); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := s.WriteBackup(&buf); err != nil {
		t.Fatal(err)
	}
	s.Close()
	backup := filepath.Join(t.TempDir(), "backup.db")
	if err := os.WriteFile(backup, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{path, backup} {
		s, err := Open(p, opts)
		if err != nil {
			t.Fatal(err)
		}
		got := mustAlloc(t, s, b.ID)
		if fmt.Sprintf("%+v", got) != fmt.Sprintf("%+v", want) {
			t.Errorf("%s: %+v, want %+v", p, got, want)
		}
		if v, _ := s.Secret("goto/organizer/L000"); !bytes.Equal(v, []byte{1, 2, 3}) {
			t.Errorf("%s: secret %v", p, v)
		}
		// The licence index came along: the licence is still taken.
		s.SetAllocator(firstFree("goto", pool(1)))
		if _, err := s.Create(hybrid("b", t0, time.Hour), "t"); !errors.Is(err, errNoLicence) {
			t.Errorf("%s: licence not held after reopening: %v", p, err)
		}
		s.Close()
	}
}

func TestSecrets(t *testing.T) {
	s := MustOpen(t)
	if v, err := s.Secret("none"); v != nil || err != nil {
		t.Errorf("missing secret: %v, %v", v, err)
	}
	val := []byte("token")
	s.PutSecret("a", val)
	val[0] = 'X' // the store keeps its own copy
	if v, _ := s.Secret("a"); string(v) != "token" {
		t.Errorf("secret %q", v)
	}
	s.PutSecret("a", nil)
	if v, _ := s.Secret("a"); v != nil {
		t.Errorf("deleted secret %q", v)
	}
	if err := s.PutSecret("", val); err == nil {
		t.Error("empty name accepted")
	}
}

// A schema 6 file (no allocation buckets) is migrated to 7.
func TestMigrationV6toV7(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kogge.db")
	opts := Options{Now: func() time.Time { return t0 }}
	s, err := Open(path, opts)
	if err != nil {
		t.Fatal(err)
	}
	b := mustCreate(t, s, hybrid("a", t0, time.Hour))
	err = s.db.Update(func(tx *kv.Tx) error {
		for _, name := range [][]byte{bucketAllocations, bucketAllocByLicence, bucketAllocDue, bucketSecrets} {
			if err := tx.DeleteBucket(name); err != nil {
				return err
			}
		}
		if err := tx.Bucket(bucketMeta).DeleteBucket(bucketAllocSpans); err != nil {
			return err
		}
		return setSchema(tx, 6)
	})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, err = Open(path, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.db.View(func(tx *kv.Tx) error {
		if v := schemaOf(tx); v != SchemaVersion {
			t.Errorf("schema %d after migration, want %d", v, SchemaVersion)
		}
		return nil
	})
	// Existing bookings get an allocation at their next write.
	s.SetAllocator(firstFree("goto", pool(1)))
	if _, err := s.Update(b.ID, b.Version, "t", func(b *rooms.Booking) error { b.Title = "x"; return nil }); err != nil {
		t.Fatal(err)
	}
	mustAlloc(t, s, b.ID)
}
