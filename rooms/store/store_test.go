package store

import (
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/kogge-project/kogge/rooms"
	"github.com/kogge-project/kogge/rooms/store/kv"
)

// t0 is a Monday morning in UTC; the tests' clock starts here.
var t0 = time.Date(2030, 3, 4, 9, 0, 0, 0, time.UTC)

// MustOpen opens a store in a fresh temp dir and closes it when t ends.
func MustOpen(t testing.TB, opts ...Options) *Store {
	t.Helper()
	var o Options
	if len(opts) > 0 {
		o = opts[0]
	}
	if o.Now == nil {
		o.Now = func() time.Time { return t0 }
	}
	s, err := Open(filepath.Join(t.TempDir(), "kogge.db"), o)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

// at returns a confirmed meeting in room from start for d.
func at(room string, start time.Time, d time.Duration) rooms.Booking {
	return rooms.Booking{
		Room: room, Title: "Sitzung", Kind: rooms.KindMeeting, Organizer: "Amt 10",
		Start: start, End: start.Add(d), Status: rooms.StatusConfirmed,
	}
}

func mustCreate(t testing.TB, s *Store, b rooms.Booking) rooms.Booking {
	t.Helper()
	got, err := s.Create(b, "tester")
	if err != nil {
		t.Fatalf("Create %s %s: %v", b.Room, b.Start, err)
	}
	return got
}

// bulkInsert stores bookings without conflict checks in one transaction:
// the fast path for preloading tests and benchmarks. It assigns IDs.
func bulkInsert(tb testing.TB, s *Store, bs []rooms.Booking) {
	tb.Helper()
	err := s.db.Update(func(tx *kv.Tx) error {
		for i := range bs {
			b := &bs[i]
			id, err := s.ids.next(t0)
			if err != nil {
				return err
			}
			b.ID, b.Version, b.Created, b.Updated = id.String(), 1, t0, t0
			b.Start, b.End = b.Start.UTC(), b.End.UTC()
			if err := putBooking(tx, b, id); err != nil {
				return err
			}
			if err := putIndexes(tx, b, id); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		tb.Fatalf("bulk insert: %v", err)
	}
}

func ids(bs []rooms.Booking) []string {
	out := make([]string, len(bs))
	for i, b := range bs {
		out[i] = b.ID
	}
	return out
}

func conflictIDs(t *testing.T, err error) []string {
	t.Helper()
	var ce *rooms.ConflictError
	if !errors.As(err, &ce) {
		t.Fatalf("want *rooms.ConflictError, got %v", err)
	}
	return ids(ce.Conflicts)
}

func TestOpenRecordsSchema(t *testing.T) {
	s := MustOpen(t)
	err := s.db.View(func(tx *kv.Tx) error {
		if v := schemaOf(tx); v != SchemaVersion {
			return fmt.Errorf("schema %d, want %d", v, SchemaVersion)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestSchemaTooNew(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kogge.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.db.Update(func(tx *kv.Tx) error { return setSchema(tx, 99) }); err != nil {
		t.Fatal(err)
	}
	s.Close()

	_, err = Open(path, Options{})
	if !errors.Is(err, ErrSchemaTooNew) {
		t.Fatalf("Open of a schema 99 file: got %v, want ErrSchemaTooNew", err)
	}
	t.Logf("message: %v", err)
}

func TestOpenLocked(t *testing.T) {
	s := MustOpen(t)
	_, err := Open(s.Path(), Options{OpenTimeout: 100 * time.Millisecond})
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("second Open: got %v, want ErrLocked", err)
	}
	if err := CheckFile(s.Path(), 100*time.Millisecond); !errors.Is(err, ErrLocked) {
		t.Fatalf("CheckFile of an open store: got %v, want ErrLocked", err)
	}
}

func TestObserveTx(t *testing.T) {
	seen := map[string]int{}
	s := MustOpen(t, Options{ObserveTx: func(op string, d time.Duration) { seen[op]++ }})
	b := mustCreate(t, s, at("a", t0, time.Hour))
	if _, err := s.Get(b.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.List(Query{}); err != nil {
		t.Fatal(err)
	}
	for _, op := range []string{"migrate", "create", "get", "list"} {
		if seen[op] != 1 {
			t.Errorf("ObserveTx saw %q %d times, want 1 (all: %v)", op, seen[op], seen)
		}
	}
}
