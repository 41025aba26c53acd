package store

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/kogge-project/kogge/rooms"
	"github.com/kogge-project/kogge/rooms/store/kv"
)

func TestCreateConflicts(t *testing.T) {
	// The stored booking: room a, 10:00–11:00 on t0's day.
	ten := t0.Add(time.Hour)
	tests := []struct {
		name     string
		setup    time.Duration // buffers of the stored booking
		teardown time.Duration
		b        rooms.Booking
		conflict bool
	}{
		{name: "same slot", b: at("a", ten, time.Hour), conflict: true},
		{name: "overlaps end", b: at("a", ten.Add(30*time.Minute), time.Hour), conflict: true},
		{name: "overlaps start", b: at("a", ten.Add(-30*time.Minute), time.Hour), conflict: true},
		{name: "inside", b: at("a", ten.Add(10*time.Minute), 10*time.Minute), conflict: true},
		{name: "encloses", b: at("a", ten.Add(-time.Hour), 3*time.Hour), conflict: true},
		{name: "touches after, no buffers", b: at("a", ten.Add(time.Hour), time.Hour)},
		{name: "touches before, no buffers", b: at("a", ten.Add(-time.Hour), time.Hour)},
		{name: "other room", b: at("b", ten, time.Hour)},
		{name: "stored teardown reaches into it", teardown: 15 * time.Minute, b: at("a", ten.Add(time.Hour), time.Hour), conflict: true},
		{name: "after stored teardown", teardown: 15 * time.Minute, b: at("a", ten.Add(75*time.Minute), time.Hour)},
		{name: "stored setup reaches into it", setup: 15 * time.Minute, b: at("a", ten.Add(-time.Hour), time.Hour), conflict: true},
		{name: "own setup reaches back", b: withBuffers(at("a", ten.Add(time.Hour), time.Hour), 15*time.Minute, 0), conflict: true},
		{name: "own teardown reaches forward", b: withBuffers(at("a", ten.Add(-time.Hour), time.Hour), 0, time.Minute), conflict: true},
		{name: "buffers touching", setup: 15 * time.Minute, teardown: 15 * time.Minute,
			b: withBuffers(at("a", ten.Add(90*time.Minute), time.Hour), 15*time.Minute, 0)},
		{name: "new one cancelled", b: withStatus(at("a", ten, time.Hour), rooms.StatusCancelled)},
		{name: "tentative blocks too", b: withStatus(at("a", ten, time.Hour), rooms.StatusTentative), conflict: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := MustOpen(t)
			stored := mustCreate(t, s, withBuffers(at("a", ten, time.Hour), tt.setup, tt.teardown))
			got, err := s.Create(tt.b, "tester")
			if !tt.conflict {
				if err != nil {
					t.Fatalf("Create: %v", err)
				}
				if got.ID == "" || got.Version != 1 || got.CreatedBy != "tester" || !got.Created.Equal(t0) {
					t.Errorf("Create returned %+v", got)
				}
				return
			}
			if c := conflictIDs(t, err); !slices.Equal(c, []string{stored.ID}) {
				t.Errorf("conflicts %v, want [%s]", c, stored.ID)
			}
			page, _ := s.List(Query{})
			if len(page.Bookings) != 1 {
				t.Errorf("a refused create stored something: %d bookings", len(page.Bookings))
			}
		})
	}
}

func TestConflictsSortedByStart(t *testing.T) {
	s := MustOpen(t)
	late := mustCreate(t, s, at("a", t0.Add(3*time.Hour), time.Hour))
	early := mustCreate(t, s, at("a", t0.Add(time.Hour), time.Hour))
	_, err := s.Create(at("a", t0, 5*time.Hour), "tester")
	if c := conflictIDs(t, err); !slices.Equal(c, []string{early.ID, late.ID}) {
		t.Errorf("conflicts %v, want [%s %s]", c, early.ID, late.ID)
	}
}

func withBuffers(b rooms.Booking, setup, teardown time.Duration) rooms.Booking {
	b.Setup, b.Teardown = setup, teardown
	return b
}

func withStatus(b rooms.Booking, st rooms.Status) rooms.Booking {
	b.Status = st
	return b
}

func TestCancelledDoesNotBlock(t *testing.T) {
	s := MustOpen(t)
	first := mustCreate(t, s, at("a", t0, time.Hour))
	cancelled, err := s.Cancel(first.ID, first.Version, "tester")
	if err != nil {
		t.Fatal(err)
	}
	if cancelled.Status != rooms.StatusCancelled || cancelled.Version != 2 {
		t.Fatalf("Cancel returned %+v", cancelled)
	}
	again, err := s.Cancel(first.ID, first.Version, "tester") // stale version: still a no-op
	if err != nil || again.Version != 2 {
		t.Fatalf("second Cancel: %+v, %v", again, err)
	}
	mustCreate(t, s, at("a", t0, time.Hour))
	if got, _ := s.Overlapping("a", t0, t0.Add(time.Hour)); len(got) != 1 || got[0].ID == first.ID {
		t.Errorf("Overlapping returned %v, want only the new booking", ids(got))
	}
	// Reviving the cancelled booking now collides with its replacement.
	_, err = s.Update(first.ID, 2, "tester", func(b *rooms.Booking) error {
		b.Status = rooms.StatusConfirmed
		return nil
	})
	conflictIDs(t, err)
}

func TestUpdateIntoConflictRefused(t *testing.T) {
	s := MustOpen(t)
	a := mustCreate(t, s, at("a", t0.Add(time.Hour), time.Hour))
	b := mustCreate(t, s, at("a", t0.Add(3*time.Hour), time.Hour))
	_, err := s.Update(b.ID, b.Version, "tester", func(x *rooms.Booking) error {
		x.Start, x.End = a.Start.Add(30*time.Minute), a.End.Add(30*time.Minute)
		x.Title = "moved"
		return nil
	})
	if c := conflictIDs(t, err); !slices.Equal(c, []string{a.ID}) {
		t.Fatalf("conflicts %v, want [%s]", c, a.ID)
	}
	got, err := s.Get(b.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got != b {
		t.Errorf("stored booking changed:\n got %+v\nwant %+v", got, b)
	}
	// The indexes still point at the old slot.
	if o, _ := s.Overlapping("a", b.Start, b.End); !slices.Equal(ids(o), []string{b.ID}) {
		t.Errorf("Overlapping at old slot: %v", ids(o))
	}
	if o, _ := s.Overlapping("a", a.Start, a.End); !slices.Equal(ids(o), []string{a.ID}) {
		t.Errorf("Overlapping at a's slot: %v", ids(o))
	}
	if log, _ := s.Audit(b.ID); len(log) != 1 {
		t.Errorf("refused update left %d audit entries, want 1", len(log))
	}
}

func TestUpdate(t *testing.T) {
	s := MustOpen(t)
	b := mustCreate(t, s, at("a", t0, time.Hour))

	errBoom := errors.New("boom")
	if _, err := s.Update(b.ID, 1, "x", func(*rooms.Booking) error { return errBoom }); err != errBoom {
		t.Fatalf("change error: got %v, want it unchanged", err)
	}

	moved, err := s.Update(b.ID, 1, "editor", func(x *rooms.Booking) error {
		x.Room = "b"
		x.Start, x.End = x.Start.Add(time.Hour), x.End.Add(2*time.Hour)
		x.ID, x.CreatedBy, x.Version, x.Created = "forged", "mallory", 42, time.Time{}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if moved.ID != b.ID || moved.CreatedBy != "tester" || !moved.Created.Equal(b.Created) || moved.Version != 2 {
		t.Errorf("Update let change alter identity: %+v", moved)
	}
	if o, _ := s.Overlapping("a", t0, t0.Add(4*time.Hour)); len(o) != 0 {
		t.Errorf("old room still shows %v", ids(o))
	}
	if o, _ := s.Overlapping("b", t0, t0.Add(4*time.Hour)); !slices.Equal(ids(o), []string{b.ID}) {
		t.Errorf("new room shows %v", ids(o))
	}
	if p, _ := s.List(Query{}); len(p.Bookings) != 1 {
		t.Errorf("global index holds %d entries, want 1", len(p.Bookings))
	}

	if _, err := s.Update(b.ID, 1, "x", func(x *rooms.Booking) error { x.Title = "late"; return nil }); !errors.Is(err, rooms.ErrVersionMismatch) {
		t.Errorf("stale version: got %v, want ErrVersionMismatch", err)
	}
	same, err := s.Update(b.ID, 2, "x", func(x *rooms.Booking) error { return nil })
	if err != nil || same.Version != 2 {
		t.Errorf("no-op update: %+v, %v; want version 2 unchanged", same, err)
	}
	forced, err := s.Update(b.ID, 0, "admin", func(x *rooms.Booking) error { x.Title = "forced"; return nil })
	if err != nil || forced.Version != 3 {
		t.Errorf("version 0 update: %+v, %v", forced, err)
	}
}

func TestNotFound(t *testing.T) {
	s := MustOpen(t)
	for _, id := range []string{"", "nope", "01ARZ3NDEKTSV4RRFFQ69G5FAV"} {
		if _, err := s.Get(id); !errors.Is(err, rooms.ErrNotFound) {
			t.Errorf("Get(%q): %v", id, err)
		}
		if _, err := s.Cancel(id, 0, "x"); !errors.Is(err, rooms.ErrNotFound) {
			t.Errorf("Cancel(%q): %v", id, err)
		}
	}
}

// TestConcurrentCreateSameSlot races 64 creates for one slot: exactly one
// may win, and every loser must be told about the winner.
func TestConcurrentCreateSameSlot(t *testing.T) {
	s := MustOpen(t)
	const n = 64
	var (
		wg      sync.WaitGroup
		start   = make(chan struct{})
		results = make([]rooms.Booking, n)
		errs    = make([]error, n)
	)
	for i := range n {
		wg.Go(func() {
			<-start
			b := at("a", t0, time.Hour)
			b.Title = fmt.Sprintf("racer %d", i)
			results[i], errs[i] = s.Create(b, "racer")
		})
	}
	close(start)
	wg.Wait()

	var winner string
	for i, err := range errs {
		if err == nil {
			if winner != "" {
				t.Fatalf("two winners: %s and %s", winner, results[i].ID)
			}
			winner = results[i].ID
		}
	}
	if winner == "" {
		t.Fatal("no winner")
	}
	for _, err := range errs {
		if err != nil {
			if c := conflictIDs(t, err); !slices.Equal(c, []string{winner}) {
				t.Errorf("loser told %v, want [%s]", c, winner)
			}
		}
	}
	counts, _ := s.CountByStatus()
	if counts[rooms.StatusConfirmed] != 1 {
		t.Errorf("counts %v", counts)
	}
}

// TestConcurrentCreateDistinctSlots checks that batched creates that don't
// collide all land, with their indexes.
func TestConcurrentCreateDistinctSlots(t *testing.T) {
	s := MustOpen(t)
	const n = 64
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			_, errs[i] = s.Create(at("a", t0.Add(time.Duration(i)*time.Hour), time.Hour), "racer")
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	o, _ := s.Overlapping("a", t0, t0.Add(n*time.Hour))
	if len(o) != n {
		t.Errorf("Overlapping found %d, want %d", len(o), n)
	}
}

func TestCountByStatus(t *testing.T) {
	s := MustOpen(t)
	a := mustCreate(t, s, at("a", t0, time.Hour))
	mustCreate(t, s, withStatus(at("a", t0.Add(time.Hour), time.Hour), rooms.StatusTentative))
	mustCreate(t, s, at("b", t0, time.Hour))
	if _, err := s.Cancel(a.ID, 1, "x"); err != nil {
		t.Fatal(err)
	}
	got, err := s.CountByStatus()
	if err != nil {
		t.Fatal(err)
	}
	want := map[rooms.Status]int{rooms.StatusConfirmed: 1, rooms.StatusTentative: 1, rooms.StatusCancelled: 1}
	for st, n := range want {
		if got[st] != n {
			t.Errorf("%s: %d, want %d (all %v)", st, got[st], n, got)
		}
	}
}

// A create that meets a conflict on its own rolls back: it must not cost
// a commit (two fsyncs) for writing nothing.
func TestLoneConflictCommitsNothing(t *testing.T) {
	s := MustOpen(t)
	start := time.Date(2027, 1, 5, 9, 0, 0, 0, time.UTC)
	if _, err := s.Create(at("ratssaal", start, time.Hour), "anna"); err != nil {
		t.Fatal(err)
	}
	txid := func() (id int) {
		s.DB().View(func(tx *kv.Tx) error { id = tx.ID(); return nil })
		return id
	}
	before := txid()
	_, err := s.Create(at("ratssaal", start.Add(30*time.Minute), time.Hour), "bernd")
	var ce *rooms.ConflictError
	if !errors.As(err, &ce) {
		t.Fatalf("want a conflict, got %v", err)
	}
	if after := txid(); after != before {
		t.Fatalf("a refused create committed (txid %d → %d)", before, after)
	}
}
