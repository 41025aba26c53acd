package store

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kogge-project/kogge/rooms"
)

func TestAuditTrail(t *testing.T) {
	now := t0
	s := MustOpen(t, Options{Now: func() time.Time { return now }})
	b := mustCreate(t, s, at("a", t0.Add(time.Hour), time.Hour))
	other := mustCreate(t, s, at("b", t0.Add(time.Hour), time.Hour))

	now = now.Add(time.Minute)
	if err := s.AppendAudit(AuditEntry{Actor: "alice", Action: "login", Detail: "password"}); err != nil {
		t.Fatal(err)
	}
	_, err := s.Update(b.ID, 1, "alice", func(x *rooms.Booking) error {
		x.Title = strings.Repeat("Ä", 200)
		x.Start = x.Start.Add(30 * time.Minute)
		x.Hybrid.Enabled = true
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	now = now.Add(time.Minute)
	if _, err := s.Cancel(b.ID, 2, "bob"); err != nil {
		t.Fatal(err)
	}

	log, err := s.Audit(b.ID)
	if err != nil {
		t.Fatal(err)
	}
	var actions, actors []string
	for _, e := range log {
		actions, actors = append(actions, e.Action), append(actors, e.Actor)
		if e.BookingID != b.ID || e.ID == "" || e.Time.IsZero() {
			t.Errorf("entry %+v", e)
		}
	}
	if !slices.Equal(actions, []string{"create", "update", "cancel"}) || !slices.Equal(actors, []string{"tester", "alice", "bob"}) {
		t.Fatalf("actions %v by %v", actions, actors)
	}

	created := log[0].Changes
	if created["room"] != (Change{"", "a"}) || created["start"].After != "2030-03-04T10:00:00Z" {
		t.Errorf("create changes %v", created)
	}
	upd := log[1].Changes
	if len(upd) != 3 {
		t.Errorf("update changes %v, want title, start, hybrid.enabled", upd)
	}
	if c := upd["start"]; c != (Change{"2030-03-04T10:00:00Z", "2030-03-04T10:30:00Z"}) {
		t.Errorf("start change %+v", c)
	}
	if c := upd["hybrid.enabled"]; c != (Change{"false", "true"}) {
		t.Errorf("hybrid change %+v", c)
	}
	if n := len([]rune(upd["title"].After)); n != maxChangeLen {
		t.Errorf("long title kept %d runes, want %d", n, maxChangeLen)
	}
	if c := log[2].Changes; len(c) != 1 || c["status"] != (Change{"confirmed", "cancelled"}) {
		t.Errorf("cancel changes %v", c)
	}
	if !log[2].Time.Equal(t0.Add(2 * time.Minute)) {
		t.Errorf("cancel time %s", log[2].Time)
	}

	if o, _ := s.Audit(other.ID); len(o) != 1 {
		t.Errorf("other booking has %d entries", len(o))
	}
	if o, _ := s.Audit(""); len(o) != 0 {
		t.Errorf("Audit(\"\") returned %d entries", len(o))
	}
}

func TestAuditKeepsNoMeetingContent(t *testing.T) {
	s := MustOpen(t)
	b := at("ratssaal", time.Date(2027, 2, 2, 9, 0, 0, 0, time.UTC), time.Hour)
	b.Title, b.Notes = "Bewerbung Meier", "Kandidat kommt mit Rollstuhl"
	b.Confidential = true
	b = mustCreate(t, s, b)
	if _, err := s.Update(b.ID, b.Version, "anna", func(x *rooms.Booking) error {
		x.Title, x.Notes = "Bewerbung Müller", "anderer Kandidat"
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	log, err := s.Audit(b.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range log {
		for field, c := range e.Changes {
			for _, v := range []string{c.Before, c.After} {
				if strings.Contains(v, "Meier") || strings.Contains(v, "Müller") || strings.Contains(v, "Kandidat") {
					t.Errorf("%s audit keeps %s = %q", e.Action, field, v)
				}
			}
		}
	}
	if c, ok := log[1].Changes["title"]; !ok || c.After != notRecorded {
		t.Errorf("the title change is not marked: %+v", log[1].Changes)
	}
}
