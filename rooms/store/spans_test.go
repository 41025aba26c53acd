package store

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/kogge-project/kogge/rooms"
	"github.com/kogge-project/kogge/rooms/store/kv"
)

// A mistaken long booking widens its room's scans only until it is fixed
// and the spans are recomputed; queries stay right throughout.
func TestRecomputeSpansLowersTheBound(t *testing.T) {
	st, err := Open(filepath.Join(t.TempDir(), "k.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	start := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	mk := func(end time.Time) rooms.Booking {
		b, err := st.Create(rooms.Booking{Room: "r", Title: "x", Kind: rooms.KindMeeting, Organizer: "a", Start: start, End: end, Status: rooms.StatusConfirmed}, "a")
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	long := mk(start.AddDate(0, 3, 0)) // a typo: three months
	span := func() time.Duration {
		var d time.Duration
		st.db.View(func(tx *kv.Tx) error { d = maxSpan(tx, "r"); return nil })
		return d
	}
	if span() < 24*time.Hour*80 {
		t.Fatalf("span %s after the long booking", span())
	}
	if _, err := st.Update(long.ID, long.Version, "a", func(b *rooms.Booking) error { b.End = start.Add(2 * time.Hour); return nil }); err != nil {
		t.Fatal(err)
	}
	if span() < 24*time.Hour*80 {
		t.Fatal("the bound fell without a recompute (it must never fall on its own)")
	}
	lowered, err := st.RecomputeSpans()
	if err != nil || lowered != 1 || span() != 2*time.Hour {
		t.Fatalf("lowered %d span %s: %v", lowered, span(), err)
	}
	got, err := st.Overlapping("r", start.Add(time.Hour), start.Add(90*time.Minute))
	if err != nil || len(got) != 1 {
		t.Fatalf("overlap after recompute: %d %v", len(got), err)
	}
}
