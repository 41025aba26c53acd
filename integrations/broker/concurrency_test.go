package broker

import (
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/kogge-project/kogge/rooms"
	"github.com/kogge-project/kogge/rooms/store"
)

// TestNoPoolOverAllocatedUnderLoad: 2,000 bookings arrive at once, each in
// its own room at the same hour and each too big for our SFU, so each wants
// one of GoTo's 100 licences. Exactly 100 get one, the rest are refused
// with the reasons, and no organizer is ever held twice.
func TestNoPoolOverAllocatedUnderLoad(t *testing.T) {
	st, err := store.Open(filepath.Join(t.TempDir(), "kogge.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	orgs := make([]string, 100)
	for i := range orgs {
		orgs[i] = fmt.Sprintf("org%03d@stadt.example", i)
	}
	// The allocator only: no worker runs, nothing is provisioned.
	if _, err := New(Options{Providers: []Provider{builtinP(25), gotoP(orgs...)}, Backends: map[string]Backend{"builtin": NewBuiltin(), "gotomeeting": NewGoTo(nil)},
		Store: st, Now: func() time.Time { return time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC) }, Log: slog.New(slog.DiscardHandler)}); err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 12, 1, 15, 0, 0, 0, time.UTC)
	const n = 2000
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok, refused := 0, 0
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := st.Create(rooms.Booking{Room: fmt.Sprintf("room-%04d", i), Title: "Sitzung", Kind: rooms.KindCommittee,
				Organizer: "anna", Start: start, End: start.Add(2 * time.Hour), Status: rooms.StatusConfirmed,
				Hybrid: rooms.Hybrid{Enabled: true, ExpectedRemote: 60}}, "anna")
			var np *NoProviderError
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				ok++
			case errors.As(err, &np):
				refused++
			default:
				t.Errorf("create %d: %v", i, err)
			}
		}()
	}
	wg.Wait()
	if ok != len(orgs) || refused != n-len(orgs) {
		t.Fatalf("%d allocated, %d refused; want %d and %d", ok, refused, len(orgs), n-len(orgs))
	}
	held := map[string]string{}
	err = st.EachAllocation("gotomeeting", func(a store.Allocation) error {
		if other, dup := held[a.Licence]; dup {
			t.Errorf("organizer %s held by %s and %s", a.Licence, other, a.Booking)
		}
		held[a.Licence] = a.Booking
		return nil
	})
	if err != nil || len(held) != len(orgs) {
		t.Fatalf("%d organizers held (%v)", len(held), err)
	}
}
