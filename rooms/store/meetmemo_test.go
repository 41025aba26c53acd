package store

import (
	"bytes"
	"testing"

	"github.com/kogge-project/kogge/rooms"
)

// A meeting's memo is stored, replaced and deleted by meeting; it goes
// with its booking when the booking is purged, and nothing else's does.
func TestMeetingMemos(t *testing.T) {
	s := MustOpen(t)
	old := mustCreate(t, s, kinded(rooms.KindInterview, "Bewerbung", "a", t0.Add(-200*day)))
	recent := mustCreate(t, s, kinded(rooms.KindInterview, "Bewerbung neu", "a", t0.Add(-10*day)))
	get := func(id string) []byte {
		t.Helper()
		v, err := s.MeetingMemo(id)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	if v := get(old.ID); v != nil {
		t.Fatalf("memo before any was saved: %q", v)
	}
	for _, id := range []string{old.ID, recent.ID} {
		if err := s.PutMeetingMemo(id, []byte(`{"locked":false}`)); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.PutMeetingMemo(recent.ID, []byte(`{"locked":true}`)); err != nil {
		t.Fatal(err)
	}
	if v := get(recent.ID); !bytes.Equal(v, []byte(`{"locked":true}`)) {
		t.Fatalf("replaced memo %q", v)
	}
	if s.PutMeetingMemo("", []byte(`{}`)) == nil || s.PutMeetingMemo(recent.ID, nil) == nil ||
		s.PutMeetingMemo(recent.ID, make([]byte, maxMeetMemo+1)) == nil {
		t.Fatal("an unusable memo was stored")
	}

	mustPurge(t, s, shortInterviews, t0.Add(-365*day), purgeBatch)
	if v := get(old.ID); v != nil {
		t.Fatalf("the purged booking's memo survived: %q", v)
	}
	if v := get(recent.ID); v == nil {
		t.Fatal("a kept booking's memo was purged")
	}
	if err := s.DeleteMeetingMemo(recent.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteMeetingMemo(recent.ID); err != nil {
		t.Fatalf("deleting again: %v", err)
	}
	if v := get(recent.ID); v != nil {
		t.Fatalf("deleted memo %q", v)
	}
}
