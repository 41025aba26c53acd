package store

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kogge-project/kogge/rooms"
	"github.com/kogge-project/kogge/rooms/store/kv"
)

const meeting42 = "oparl:https://ris.example.org/oparl/v1/meeting/42"

func imported(ref string, b rooms.Booking) rooms.Booking {
	b.External = ref
	return b
}

func mustFind(t *testing.T, s *Store, ref string) rooms.Booking {
	t.Helper()
	b, found, err := s.FindByExternal(ref)
	if err != nil || !found {
		t.Fatalf("FindByExternal(%q): found %v, %v", ref, found, err)
	}
	return b
}

func mustNotFind(t *testing.T, s *Store, ref string) {
	t.Helper()
	if b, found, err := s.FindByExternal(ref); err != nil || found {
		t.Fatalf("FindByExternal(%q): %+v, found %v, %v", ref, b, found, err)
	}
}

func externalEntries(t *testing.T, s *Store) int {
	t.Helper()
	var n int
	s.db.View(func(tx *kv.Tx) error {
		n = tx.Bucket(bucketByExternal).Stats().KeyN
		return nil
	})
	return n
}

func TestCreateAndFindByExternal(t *testing.T) {
	s := MustOpen(t)
	created := mustCreate(t, s, imported(meeting42, at("ratssaal", t0, 2*time.Hour)))
	if created.External != meeting42 {
		t.Fatalf("Create returned External %q", created.External)
	}
	if got := mustFind(t, s, meeting42); !reflect.DeepEqual(got, created) {
		t.Fatalf("FindByExternal:\n got %+v\nwant %+v", got, created)
	}
	if got, err := s.Get(created.ID); err != nil || got.External != meeting42 {
		t.Fatalf("Get: %+v, %v", got, err)
	}
	// Bookings made in Kogge have no reference and are found by none.
	mustCreate(t, s, at("ratssaal", t0.Add(3*time.Hour), time.Hour))
	mustNotFind(t, s, "")
	mustNotFind(t, s, meeting42+"x")
	mustNotFind(t, s, strings.Repeat("x", MaxExternalLen+1))
	if n := externalEntries(t, s); n != 1 {
		t.Errorf("%d external index entries, want 1", n)
	}
	// The create's audit entry says what was imported.
	if log, _ := s.Audit(created.ID); len(log) != 1 || log[0].Changes["external"].After != short(meeting42) {
		t.Errorf("audit %+v", log)
	}
}

func TestExternalMustBeStorable(t *testing.T) {
	s := MustOpen(t)
	longest := "ical:" + strings.Repeat("u", MaxExternalLen-len("ical:"))
	b := mustCreate(t, s, imported(longest, at("a", t0, time.Hour)))
	if got := mustFind(t, s, longest); got.ID != b.ID {
		t.Errorf("found %s, want %s", got.ID, b.ID)
	}
	for name, ref := range map[string]string{
		"too long":     longest + "u",
		"invalid UTF8": "ical:\xff\xfe",
	} {
		if _, err := s.Create(imported(ref, at("b", t0, time.Hour)), "tester"); err == nil {
			t.Errorf("%s: reference accepted", name)
		}
	}
	if n := externalEntries(t, s); n != 1 {
		t.Errorf("%d external index entries, want 1", n)
	}
}

// A reference names one booking: a second create with it is refused
// whether its slot is free or taken, and whatever became of the first.
func TestDuplicateExternalRefused(t *testing.T) {
	s := MustOpen(t)
	first := mustCreate(t, s, imported(meeting42, at("ratssaal", t0, 2*time.Hour)))
	txid := func() (id int) {
		s.DB().View(func(tx *kv.Tx) error { id = tx.ID(); return nil })
		return id
	}
	for name, b := range map[string]rooms.Booking{
		"free slot":     at("ratssaal", t0.Add(24*time.Hour), time.Hour),
		"other room":    at("foyer", t0, time.Hour),
		"taken slot":    at("ratssaal", t0, time.Hour), // refused for its reference, not as a conflict
		"not blocking":  withStatus(at("foyer", t0, time.Hour), rooms.StatusCancelled),
		"same as first": first,
	} {
		before := txid()
		_, err := s.Create(imported(meeting42, b), "tester")
		if !errors.Is(err, ErrExternalExists) {
			t.Errorf("%s: got %v, want ErrExternalExists", name, err)
			continue
		}
		if !strings.Contains(err.Error(), first.ID) || !strings.Contains(err.Error(), meeting42) {
			t.Errorf("%s: %q names neither the booking nor the reference", name, err)
		}
		if after := txid(); after != before {
			t.Errorf("%s: a refused create committed (txid %d → %d)", name, before, after)
		}
	}
	// Cancelled, the booking keeps its reference: an import must not book
	// again what someone cancelled in Kogge.
	cancelled, err := s.Cancel(first.ID, first.Version, "anna")
	if err != nil {
		t.Fatal(err)
	}
	if got := mustFind(t, s, meeting42); !reflect.DeepEqual(got, cancelled) {
		t.Errorf("after cancel found %+v", got)
	}
	if _, err := s.Create(imported(meeting42, at("ratssaal", t0, 2*time.Hour)), "tester"); !errors.Is(err, ErrExternalExists) {
		t.Errorf("create over a cancelled import: %v", err)
	}
	// Other references are free.
	mustCreate(t, s, imported(meeting42+"3", at("ratssaal", t0, 2*time.Hour)))
	counts, _ := s.CountByStatus()
	if counts[rooms.StatusConfirmed] != 1 || counts[rooms.StatusCancelled] != 1 {
		t.Errorf("counts %v", counts)
	}
	checkConsistent(t, s)
}

// TestConcurrentCreateSameExternal races 16 imports of one record into
// free slots, among 16 creates without a reference: exactly one import may
// win, every other is told which booking has the reference, and the
// refusals (values, not errors, in a shared batch) cost the plain creates
// nothing.
func TestConcurrentCreateSameExternal(t *testing.T) {
	s := MustOpen(t)
	const n = 16
	var (
		wg      sync.WaitGroup
		start   = make(chan struct{})
		results = make([]rooms.Booking, n)
		errs    = make([]error, n)
		plain   = make([]error, n)
	)
	for i := range n {
		wg.Go(func() {
			<-start
			b := imported(meeting42, at(fmt.Sprintf("room %d", i), t0, time.Hour))
			results[i], errs[i] = s.Create(b, "oparl-import")
		})
		wg.Go(func() {
			<-start
			_, plain[i] = s.Create(at("foyer", t0.Add(time.Duration(i)*time.Hour), time.Hour), "anna")
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
	for i, err := range errs {
		if err != nil && (!errors.Is(err, ErrExternalExists) || !strings.Contains(err.Error(), winner)) {
			t.Errorf("loser %d told %v, want ErrExternalExists naming %s", i, err, winner)
		}
	}
	for i, err := range plain {
		if err != nil {
			t.Errorf("plain create %d: %v", i, err)
		}
	}
	if got := mustFind(t, s, meeting42); got.ID != winner {
		t.Errorf("found %s, want the winner %s", got.ID, winner)
	}
	counts, _ := s.CountByStatus()
	if counts[rooms.StatusConfirmed] != n+1 {
		t.Errorf("counts %v, want %d confirmed", counts, n+1)
	}
	checkConsistent(t, s)
}

// The reference is fixed at creation: no change func moves or drops it,
// and an edit that touches nothing else writes nothing.
func TestExternalSurvivesModify(t *testing.T) {
	s := MustOpen(t)
	b := mustCreate(t, s, imported(meeting42, at("ratssaal", t0, 2*time.Hour)))

	same, err := s.Update(b.ID, b.Version, "anna", func(b *rooms.Booking) error {
		b.External = "oparl:other"
		return nil
	})
	if err != nil || !reflect.DeepEqual(same, b) {
		t.Fatalf("Update of External alone: %+v, %v\nwant the stored %+v", same, err, b)
	}
	moved, err := s.Update(b.ID, b.Version, "anna", func(b *rooms.Booking) error {
		b.Start, b.End, b.External = b.Start.Add(time.Hour), b.End.Add(time.Hour), ""
		return nil
	})
	if err != nil || moved.External != meeting42 || moved.Version != b.Version+1 {
		t.Fatalf("Update: %+v, %v", moved, err)
	}
	if got := mustFind(t, s, meeting42); !reflect.DeepEqual(got, moved) {
		t.Errorf("after Update found %+v\nwant %+v", got, moved)
	}
	checkedIn, err := s.Transition(b.ID, "checkin", "panel", func(b *rooms.Booking) (bool, error) {
		b.Status, b.CheckedIn, b.External = rooms.StatusCheckedIn, t0, "oparl:other"
		return true, nil
	})
	if err != nil || checkedIn.External != meeting42 || checkedIn.Status != rooms.StatusCheckedIn {
		t.Fatalf("Transition: %+v, %v", checkedIn, err)
	}
	cancelled, err := s.Cancel(b.ID, checkedIn.Version, "anna")
	if err != nil || cancelled.External != meeting42 {
		t.Fatalf("Cancel: %+v, %v", cancelled, err)
	}
	if got := mustFind(t, s, meeting42); !reflect.DeepEqual(got, cancelled) {
		t.Errorf("after Cancel found %+v\nwant %+v", got, cancelled)
	}
	mustNotFind(t, s, "oparl:other")
	if log, _ := s.Audit(b.ID); len(log) != 4 {
		t.Errorf("audit: %d entries, want create, update, checkin, cancel", len(log))
	} else {
		for _, e := range log[1:] {
			if _, ok := e.Changes["external"]; ok {
				t.Errorf("%s audited a reference change: %+v", e.Action, e.Changes)
			}
		}
	}
	checkConsistent(t, s)
}

// Occurrences share a template; none of them takes its reference.
func TestSeriesOccurrencesHaveNoExternal(t *testing.T) {
	s := MustOpen(t)
	sr := newSeries("a", t0)
	sr.Template.External = meeting42
	occ := weekly("a", t0, 3, week, time.Hour)
	for i := range occ {
		occ[i].External = meeting42
	}
	sr, stored, _, err := s.CreateSeries(sr, occ, false, "anna")
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range stored {
		if b.External != "" {
			t.Errorf("occurrence %s has reference %q", b.ID, b.External)
		}
	}
	mustNotFind(t, s, meeting42)
	_, edited, err := s.EditSeries(sr.ID, sr.Version, t0, "anna",
		func(*rooms.Series) error { return nil },
		func(b *rooms.Booking) (bool, error) { b.External, b.Title = meeting42, "neu"; return true, nil })
	if err != nil || len(edited) != len(occ) {
		t.Fatalf("EditSeries: %d edited, %v", len(edited), err)
	}
	for _, b := range edited {
		if b.External != "" {
			t.Errorf("edited occurrence %s has reference %q", b.ID, b.External)
		}
	}
	mustNotFind(t, s, meeting42)
	checkConsistent(t, s)
}

// Purging a booking frees its reference; a kept one keeps it.
func TestPurgeRemovesExternal(t *testing.T) {
	s := MustOpen(t)
	old := t0.Add(-400 * day)
	gone := mustCreate(t, s, imported("ical:interview@example.org", kinded(rooms.KindInterview, "Bewerbung", "a", old)))
	kept := mustCreate(t, s, imported(meeting42, kinded(rooms.KindCouncil, "Rat", "a", old.Add(2*time.Hour))))

	if st := mustPurge(t, s, shortInterviews, time.Time{}, purgeBatch); st.Bookings != 1 {
		t.Fatalf("purged %+v, want the interview", st)
	}
	mustNotFind(t, s, gone.External)
	if got := mustFind(t, s, meeting42); got.ID != kept.ID {
		t.Errorf("found %s, want %s", got.ID, kept.ID)
	}
	if n := externalEntries(t, s); n != 1 {
		t.Errorf("%d external index entries after purge, want 1", n)
	}
	// The reference is free again.
	again := mustCreate(t, s, imported(gone.External, at("a", t0, time.Hour)))
	if got := mustFind(t, s, gone.External); got.ID != again.ID {
		t.Errorf("found %s, want %s", got.ID, again.ID)
	}
	checkConsistent(t, s)
	checkFile(t, s)
}

// A schema 4 file (no external index) is migrated to 5; its bookings stay
// as they were, and imports work at once.
func TestMigrationV4toV5(t *testing.T) {
	path := t.TempDir() + "/kogge.db"
	s, err := Open(path, Options{Now: func() time.Time { return t0 }})
	if err != nil {
		t.Fatal(err)
	}
	old := mustCreate(t, s, at("ratssaal", t0, time.Hour))
	err = s.db.Update(func(tx *kv.Tx) error {
		if err := tx.DeleteBucket(bucketByExternal); err != nil {
			return err
		}
		// Stored as a schema 4 kogge stored it.
		id, _ := parseID(old.ID)
		if err := tx.Bucket(bucketBookings).Put(id[:], encodeBookingV2(&old)); err != nil {
			return err
		}
		return setSchema(tx, 4)
	})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()

	s, err = Open(path, Options{Now: func() time.Time { return t0 }})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.db.View(func(tx *kv.Tx) error {
		if v := schemaOf(tx); v != SchemaVersion {
			t.Errorf("schema %d after migration, want %d", v, SchemaVersion)
		}
		if tx.Bucket(bucketByExternal) == nil {
			t.Error("no external index after migration")
		}
		return nil
	})
	if got, err := s.Get(old.ID); err != nil || !reflect.DeepEqual(got, old) {
		t.Errorf("Get after migration: %+v, %v\nwant %+v", got, err, old)
	}
	b := mustCreate(t, s, imported(meeting42, at("ratssaal", t0.Add(2*time.Hour), time.Hour)))
	if got := mustFind(t, s, meeting42); got.ID != b.ID {
		t.Errorf("found %s, want %s", got.ID, b.ID)
	}
	if _, err := s.Create(imported(meeting42, at("foyer", t0, time.Hour)), "tester"); !errors.Is(err, ErrExternalExists) {
		t.Errorf("duplicate after migration: %v", err)
	}
}
