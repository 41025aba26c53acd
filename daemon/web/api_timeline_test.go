package web

import (
	"net/http"
	"testing"
	"time"
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
