package main

import (
	"net/http"
	"testing"
	"time"

	"github.com/kogge-project/kogge/rooms"
)

func TestCheckinExtendAndEnd(t *testing.T) {
	e := newTestEnv(t)
	anna := e.login("anna")
	// Sitzungszimmer 2: 15 min setup, Mon–Fri 07:00–20:00; default prep lead 15 min, grace 15 min.
	b := anna.create(map[string]any{"room": "sitzungszimmer-2", "checkin_required": true,
		"start": "2026-12-01T10:00:00+01:00", "end": "2026-12-01T11:00:00+01:00"})
	if !b.CheckinRequired {
		t.Fatal("checkin_required not kept")
	}
	path := "/api/v1/bookings/" + b.ID
	at := func(clock string) {
		e.now, _ = time.Parse(time.RFC3339, "2026-12-01T"+clock+":00+01:00")
		anna = e.login("anna")
	}
	at("09:30")
	anna.do("POST", path+"/checkin", nil).problem(t, 409, "wrong-state") // opens 09:45
	at("09:50")
	var v bookingView
	r := anna.do("POST", path+"/checkin", nil)
	r.json(t, &v)
	if r.status != 200 || v.Status != "checked_in" || v.CheckedIn == nil {
		t.Fatalf("checkin: %d %s", r.status, r.body)
	}
	if r := anna.do("POST", path+"/checkin", nil); r.status != 200 {
		t.Fatalf("second checkin: %d", r.status)
	}

	// Another booking right after, so that extending runs into it.
	anna.create(map[string]any{"room": "sitzungszimmer-2", "title": "Danach",
		"start": "2026-12-01T12:00:00+01:00", "end": "2026-12-01T13:00:00+01:00"})
	at("10:30")
	anna.do("POST", path+"/extend", map[string]int{"minutes": 60}).problem(t, 409, "conflict")
	anna.do("POST", path+"/extend", map[string]int{"minutes": 0}).problem(t, 422, "invalid-field")
	r = anna.do("POST", path+"/extend", map[string]int{"minutes": 30})
	r.json(t, &v)
	if r.status != 200 || v.EndLocal != "2026-12-01T11:30:00+01:00" {
		t.Fatalf("extend: %d %s", r.status, r.body)
	}
	at("10:41")
	r = anna.do("POST", path+"/end", nil)
	r.json(t, &v)
	if r.status != 200 || v.Status != "ended" || v.EndLocal != "2026-12-01T10:42:00+01:00" {
		t.Fatalf("end: %d %s", r.status, r.body)
	}
	anna.do("POST", path+"/extend", map[string]int{"minutes": 10}).problem(t, 409, "wrong-state")
	// The room is free from 10:42 (+ 10 min teardown).
	anna.create(map[string]any{"room": "sitzungszimmer-2", "title": "Spontan",
		"start": "2026-12-01T11:10:00+01:00", "end": "2026-12-01T11:30:00+01:00"})
	if r := e.login("bernd").do("POST", path+"/end", nil); r.status != http.StatusOK {
		t.Fatalf("ending twice: %d", r.status)
	}
}

func TestCheckinTooLateAfterTheNoShowCheck(t *testing.T) {
	e := newTestEnv(t)
	b := e.login("anna").create(map[string]any{"room": "sitzungszimmer-2", "checkin_required": true,
		"start": "2026-12-01T10:00:00+01:00", "end": "2026-12-01T11:00:00+01:00"})
	e.now = time.Date(2026, 12, 1, 9, 20, 0, 0, time.UTC) // 10:20 local
	e.login("anna").do("POST", "/api/v1/bookings/"+b.ID+"/checkin", nil).problem(t, 409, "wrong-state")
}

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
