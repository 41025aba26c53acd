package main

import (
	"testing"
	"time"

	"github.com/kogge-project/kogge/rooms"
)

// The timeline may fire an instant the store has already moved on from:
// the adapter must then change nothing.
func TestTimelineAdapterIgnoresOutdatedInstants(t *testing.T) {
	e := newTestEnv(t)
	b := e.login("anna").create(map[string]any{"room": "sitzungszimmer-2", "checkin_required": true,
		"start": "2026-12-01T10:00:00+01:00", "end": "2026-12-01T11:00:00+01:00"})
	clock := time.Date(2026, 12, 1, 9, 10, 0, 0, time.UTC) // 10:10 local: grace runs to 10:15, end at 11:00
	var releasedMail []string
	a := newTimelineStore(e.store, e.catalog.Get, func() time.Time { return clock },
		func(b rooms.Booking) { releasedMail = append(releasedMail, b.ID) })
	if got, err := a.Release(b.ID, "test"); err != nil || got.Status != "confirmed" {
		t.Fatalf("release before the grace ended: %v %v", got.Status, err)
	}
	if got, err := a.Finish(b.ID); err != nil || got.Status != "confirmed" {
		t.Fatalf("finish before the end: %v %v", got.Status, err)
	}
	clock = clock.Add(10 * time.Minute)
	if got, err := a.Release(b.ID, "no check-in by 10:15"); err != nil || got.Status != "released" {
		t.Fatalf("release after the grace: %v %v", got.Status, err)
	}
	if len(releasedMail) != 1 || releasedMail[0] != b.ID {
		t.Fatalf("release not announced for mail: %v", releasedMail)
	}
	hist, _ := e.store.Audit(b.ID)
	if last := hist[len(hist)-1]; last.Action != "release.reason" || last.Detail != "no check-in by 10:15" {
		t.Fatalf("reason not audited: %+v", last)
	}
}

func TestSweepEndsBookingsMissedLongAgo(t *testing.T) {
	e := newTestEnv(t)
	now := time.Now().UTC().Truncate(time.Minute)
	mk := func(daysAgo int, status rooms.Status) rooms.Booking {
		start := now.AddDate(0, 0, -daysAgo)
		b, err := e.store.Create(rooms.Booking{Room: "ratssaal", Title: "alt", Kind: rooms.KindMeeting, Organizer: "anna",
			Start: start, End: start.Add(time.Hour), Status: status}, "anna")
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	old, cancelled, recent := mk(3, rooms.StatusConfirmed), mk(4, rooms.StatusCancelled), mk(0, rooms.StatusConfirmed)
	a := newTimelineStore(e.store, e.catalog.Get, time.Now, nil)
	n, err := a.sweep(now, 24*time.Hour)
	if err != nil || n != 1 {
		t.Fatalf("swept %d, %v", n, err)
	}
	for b, want := range map[string]rooms.Status{old.ID: rooms.StatusEnded, cancelled.ID: rooms.StatusCancelled, recent.ID: rooms.StatusConfirmed} {
		if got, _ := e.store.Get(b); got.Status != want {
			t.Errorf("%s: %s, want %s", b, got.Status, want)
		}
	}
}
