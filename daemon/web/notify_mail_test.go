package web

import (
	"bytes"
	"context"
	"mime"
	netmail "net/mail"
	"strings"
	"testing"

	"github.com/kogge-project/kogge/integrations/mail"
)

// mailTo sends the test daemon's mail through a test SMTP server; closing
// the mailer sends what is queued.
func (e *testEnv) mailTo(t *testing.T) (*mail.TestServer, *mail.Mailer) {
	t.Helper()
	smtp := mail.NewTestServer(t, mail.TestServerOptions{Username: "kogge", Password: "geheim"})
	cfg := smtp.Config()
	cfg.From = "Raumbuchung <raumbuchung@stadt.example>"
	mailer := mail.NewMailer(cfg, nil)
	e.server.mail = NewMailNotifier(mailer, cfg.From, e.catalog, e.store.GetSeries, e.server.log)
	e.server.mail.joinURL, e.server.mail.dialIn = e.server.joins.InviteJoinURL, e.server.joins.InviteDialIn
	return smtp, mailer
}

func TestContactsGetInvitationsByMail(t *testing.T) {
	e := newTestEnv(t)
	smtp, mailer := e.mailTo(t)
	anna := e.login("anna")
	b := anna.create(map[string]any{"contact": "anna.schmidt@stadt.example"})
	anna.do("DELETE", "/api/v1/bookings/"+b.ID, nil, "If-Match", `"1"`)
	anna.create(map[string]any{"title": "Ohne Kontakt", "start": "2026-12-02T16:00:00+01:00", "end": "2026-12-02T17:00:00+01:00"})
	anna.do("POST", "/api/v1/series", series(map[string]any{"contact": "bau@stadt.example"}))
	if err := mailer.Close(context.Background()); err != nil { // sends what is queued
		t.Fatal(err)
	}
	msgs := smtp.Messages()
	if len(msgs) != 3 {
		t.Fatalf("%d mails, want confirmation, cancellation and the series", len(msgs))
	}
	if s := msgs[2]; s.To[0] != "bau@stadt.example" || !strings.Contains(string(s.Data), "method=REQUEST") {
		t.Errorf("series mail to %v", s.To)
	}
	for i, want := range []string{"METHOD:REQUEST", "METHOD:CANCEL"} {
		data := string(msgs[i].Data)
		if !msgs[i].TLS || msgs[i].To[0] != "anna.schmidt@stadt.example" || !strings.Contains(data, "method="+strings.TrimPrefix(want, "METHOD:")) {
			t.Errorf("mail %d: tls=%v to=%v\n%.400s", i, msgs[i].TLS, msgs[i].To, data)
		}
	}
	m, err := netmail.ReadMessage(bytes.NewReader(msgs[0].Data))
	if err != nil {
		t.Fatal(err)
	}
	subject, _ := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	if subject != "Buchung bestätigt: Hauptausschuss" {
		t.Errorf("subject %q", subject)
	}
}

// A new contact gets the invitation; the old one gets the cancellation,
// so the meeting leaves the calendar it was in.
func TestContactChangeCancelsAtTheOldAddress(t *testing.T) {
	e := newTestEnv(t)
	smtp, mailer := e.mailTo(t)
	anna := e.login("anna")
	b := anna.create(map[string]any{"contact": "alt@stadt.example"})
	if r := anna.do("PATCH", "/api/v1/bookings/"+b.ID, map[string]any{"contact": "neu@stadt.example"}, "If-Match", `"1"`); r.status != 200 {
		t.Fatalf("patch: %d %s", r.status, r.body)
	}
	if err := mailer.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	msgs := smtp.Messages()
	if len(msgs) != 3 {
		t.Fatalf("%d mails, want invitation, cancellation to the old contact, invitation to the new", len(msgs))
	}
	for i, want := range []struct{ to, method string }{{"alt@stadt.example", "REQUEST"}, {"alt@stadt.example", "CANCEL"}, {"neu@stadt.example", "REQUEST"}} {
		if msgs[i].To[0] != want.to || !strings.Contains(string(msgs[i].Data), "method="+want.method) {
			t.Errorf("mail %d to %v, want %s %s", i, msgs[i].To, want.method, want.to)
		}
	}
}
