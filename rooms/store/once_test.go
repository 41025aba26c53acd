package store

import (
	"path/filepath"
	"testing"
	"time"
)

// TestOnce: the first record of an action wins, a repeat (also after a
// reopen) does not; another instant is another action; a week-old
// record is pruned when a later one is made.
func TestOnce(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kogge.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 12, 1, 15, 45, 0, 0, time.UTC)
	expect := func(key string, at time.Time, want bool) {
		t.Helper()
		if first, err := s.Once(key, at); err != nil || first != want {
			t.Fatalf("Once(%s, %s) = %v, %v; want %v", key, at, first, err, want)
		}
	}
	expect("scene/prep/B1", at, true)
	expect("scene/prep/B1", at, false)
	expect("scene/prep/B1", at.Add(time.Hour), true) // moved: a new instant
	s.Close()
	if s, err = Open(path, Options{}); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	expect("scene/prep/B1", at, false)
	expect("scene/prep/B2", at.Add(8*24*time.Hour), true) // prunes the week-old ones
	expect("scene/prep/B1", at, true)
}
