package store

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kogge-project/kogge/rooms"
	"github.com/kogge-project/kogge/rooms/store/kv"
)

// commits is the id of the last committed write transaction: it grows by
// one per commit (two fsyncs), whatever path the commit took.
func commits(t *testing.T, s *Store) int {
	t.Helper()
	var id int
	if err := s.DB().View(func(tx *kv.Tx) error { id = tx.ID(); return nil }); err != nil {
		t.Fatal(err)
	}
	return id
}

// Refused creates write nothing, alone or 32 at once (where the commit
// would otherwise be shared in a group commit): a room conflict, a taken
// external reference and the allocator's refusal are all answered from
// the read phase.
func TestRefusedCreatesCommitNothing(t *testing.T) {
	s := MustOpen(t)
	s.SetAllocator(firstFree("goto", pool(1)))
	held := mustCreate(t, s, hybrid("ratssaal", t0, time.Hour)) // holds L000
	ext := at("saal-2", t0.Add(48*time.Hour), time.Hour)
	ext.External = "oparl:meeting/1"
	mustCreate(t, s, ext)

	refusals := []struct {
		name string
		b    func(i int) rooms.Booking
		want func(error) bool
	}{
		{"room conflict", func(i int) rooms.Booking {
			return at("ratssaal", t0.Add(time.Duration(i%50)*time.Minute), time.Hour)
		}, func(err error) bool { _, ok := errors.AsType[*rooms.ConflictError](err); return ok }},
		{"reference taken", func(i int) rooms.Booking {
			b := at(fmt.Sprintf("r%d", i), t0.Add(96*time.Hour), time.Hour)
			b.External = ext.External
			return b
		}, func(err error) bool { return errors.Is(err, ErrExternalExists) }},
		{"no licence", func(i int) rooms.Booking {
			return hybrid(fmt.Sprintf("r%d", i), t0.Add(time.Duration(i%50)*time.Minute), time.Hour)
		}, func(err error) bool { return errors.Is(err, errNoLicence) }},
	}
	for _, r := range refusals {
		for _, n := range []int{1, 64} {
			before := commits(t, s)
			var wg sync.WaitGroup
			errs := make([]error, n)
			ready, start := sync.WaitGroup{}, make(chan struct{})
			ready.Add(n)
			for i := range n {
				wg.Go(func() {
					ready.Done()
					<-start // all at once, so that they overlap
					_, errs[i] = s.Create(r.b(i), "tester")
				})
			}
			ready.Wait()
			close(start)
			wg.Wait()
			for i, err := range errs {
				if !r.want(err) {
					t.Errorf("%s, %d at once: create %d: %v", r.name, n, i, err)
				}
			}
			if after := commits(t, s); after != before {
				t.Errorf("%s, %d at once: %d commits for refusals, want 0", r.name, n, after-before)
			}
		}
	}
	if a := mustAlloc(t, s, held.ID); a.Licence != "L000" || a.Version != 1 {
		t.Errorf("holder's allocation %+v", a)
	}
}

// A booking that looked free in the read phase but collides in the write
// transaction (a rival committed in between) is still refused: the write
// transaction repeats the room check. The allocator's choice is re-checked
// the same way: a licence taken in between is chosen again there.
func TestWriteRepeatsReadChecks(t *testing.T) {
	for _, rivalRoom := range []string{"saal-2", "ratssaal"} {
		s := MustOpen(t)
		s.SetAllocator(firstFree("goto", pool(2)))
		// The rival holds L000 later that day; in between the read phase
		// and the write transaction it moves onto the new booking's hour
		// (an update: it keeps its licence and knows nothing of claims).
		rival := mustCreate(t, s, hybrid(rivalRoom, t0.Add(5*time.Hour), time.Hour))
		var once atomic.Bool
		s.afterCheck = func() {
			if once.CompareAndSwap(false, true) {
				if _, err := s.Update(rival.ID, rival.Version, "rival", func(b *rooms.Booking) error {
					b.Start, b.End = t0, t0.Add(time.Hour)
					return nil
				}); err != nil {
					t.Errorf("moving the rival: %v", err)
				}
			}
		}
		got, err := s.Create(hybrid("ratssaal", t0, time.Hour), "tester")
		if rivalRoom == "ratssaal" {
			if _, ok := errors.AsType[*rooms.ConflictError](err); !ok {
				t.Fatalf("same room: %v, want a conflict", err)
			}
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		ga, ra := mustAlloc(t, s, got.ID), mustAlloc(t, s, rival.ID)
		if ga.Licence == ra.Licence || ra.Licence != "L000" {
			t.Fatalf("licences %q and %q, want L001 and L000", ga.Licence, ra.Licence)
		}
	}
}

// A burst of creates shares a commit although each first runs its read
// phase: the group waits for every create in flight (group.go) instead of
// committing whoever arrived within a fixed delay.
func TestBurstSharesCommits(t *testing.T) {
	// The delay only bounds the wait for creates that never join; with a
	// long one the count below does not depend on the machine's speed.
	saved := maxBatchDelay
	maxBatchDelay = time.Minute
	t.Cleanup(func() { maxBatchDelay = saved })
	s := MustOpen(t)
	s.SetAllocator(firstFree("goto", pool(100)))
	const n = 32
	before := commits(t, s)
	var wg sync.WaitGroup
	ready, start := sync.WaitGroup{}, make(chan struct{})
	ready.Add(n)
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			ready.Done()
			<-start
			_, errs[i] = s.Create(hybrid(fmt.Sprintf("r%d", i), t0, time.Hour), "tester")
		})
	}
	ready.Wait()
	close(start)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	// One or two in practice (a create that found no company commits
	// alone); 32 commits of one would be db.Batch's fixed delay cutting
	// the burst apart.
	if c := commits(t, s) - before; c > 4 {
		t.Errorf("%d creates took %d commits", n, c)
	}
	if got := len(allAllocations(t, s)); got != n {
		t.Errorf("%d allocations for %d bookings", got, n)
	}
}
