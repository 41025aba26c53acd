package main

import (
	"bytes"
	"context"
	"mime"
	netmail "net/mail"
	"strings"
	"testing"

	"github.com/kogge-project/kogge/integrations/mail"
)

func TestContactsGetInvitationsByMail(t *testing.T) {
	e := newTestEnv(t)
	smtp := mail.NewTestServer(t, mail.TestServerOptions{Username: "kogge", Password: "geheim"})
	cfg := smtp.Config()
	cfg.From = "Raumbuchung <raumbuchung@stadt.example>"
	mailer := mail.NewMailer(cfg, nil)
	e.server.mail = newMailNotifier(mailer, cfg.From, e.catalog, e.store.GetSeries, e.server.log)
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
