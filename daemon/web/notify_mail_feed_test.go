package web

import (
	"bytes"
	"context"
	"mime"
	netmail "net/mail"
	"strings"
	"testing"
	"time"

	"github.com/kogge-project/kogge/rooms"
	"github.com/kogge-project/kogge/rooms/bookings"
)

// The mail hears the change feed, not the HTTP handlers: a booking made,
// changed or released by any path — the booking service called directly,
// the store as an import writes to it, the timeline's no-show release —
// is mailed to its contact; a check-in is not.
func TestMailFollowsChangesFromEveryPath(t *testing.T) {
	e := newTestEnv(t)
	smtp, mailer := e.mailTo(t)
	berlin, _ := time.LoadLocation("Europe/Berlin")
	svc, anna := e.server.bookings, bookings.Actor{Name: "anna"}
	start := time.Date(2026, 12, 1, 16, 0, 0, 0, berlin)
	yes := true
	b, err := svc.Book(anna, bookings.Request{Room: "ratssaal", CheckinRequired: &yes, Fill: func(b *rooms.Booking) {
		b.Title, b.Contact, b.Start, b.End = "Jour fixe", "anna.schmidt@stadt.example", start, start.Add(time.Hour)
	}})
	if err != nil {
		t.Fatal(err)
	}
	if b, err = svc.Update(anna, b.ID, b.Version, func(b *rooms.Booking) { b.Title = "Jour fixe (verlegt)" }); err != nil {
		t.Fatal(err)
	}
	e.now = start.Add(time.Minute)
	if _, err := svc.CheckIn(anna, b.ID); err != nil {
		t.Fatal(err)
	}
	// As the council import writes: straight to the store.
	start = start.AddDate(0, 0, 1)
	imported, err := e.store.Create(rooms.Booking{Room: "ratssaal", Title: "Ratssitzung", Kind: rooms.KindCouncil, Organizer: "Rat",
		Start: start, End: start.Add(time.Hour), Status: rooms.StatusConfirmed, CheckinRequired: true, Contact: "rat@stadt.example"}, "oparl")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.Update(imported.ID, imported.Version, "oparl", func(b *rooms.Booking) error { b.Notes = "TOP 1–7"; return nil }); err != nil {
		t.Fatal(err)
	}
	e.now = start.Add(time.Hour - time.Minute) // long after the no-show check
	if _, released, err := svc.Release(bookings.TimelineActor, imported.ID); err != nil || !released {
		t.Fatalf("release: %v %v", released, err)
	}
	if err := mailer.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	want := []struct{ to, method, subject string }{
		{"anna.schmidt@stadt.example", "REQUEST", "Buchung bestätigt: Jour fixe"},
		{"anna.schmidt@stadt.example", "REQUEST", "Buchung geändert: Jour fixe (verlegt)"},
		{"rat@stadt.example", "REQUEST", "Buchung bestätigt: Ratssitzung"},
		{"rat@stadt.example", "REQUEST", "Buchung geändert: Ratssitzung"},
		{"rat@stadt.example", "CANCEL", "Raum freigegeben: Ratssitzung"},
	}
	msgs := smtp.Messages()
	if len(msgs) != len(want) {
		t.Fatalf("%d mails, want %d (no mail for the check-in)", len(msgs), len(want))
	}
	for i, w := range want {
		m, err := netmail.ReadMessage(bytes.NewReader(msgs[i].Data))
		if err != nil {
			t.Fatal(err)
		}
		subject, _ := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
		if msgs[i].To[0] != w.to || subject != w.subject || !strings.Contains(string(msgs[i].Data), "method="+w.method) {
			t.Errorf("mail %d: to %v %q, want %s %s %q", i, msgs[i].To, subject, w.to, w.method, w.subject)
		}
	}
}
