package web

import (
	"bytes"
	"context"
	"encoding/base64"
	"io"
	"mime"
	"mime/multipart"
	netmail "net/mail"
	"net/url"
	"strings"
	"testing"

	"github.com/kogge-project/kogge/integrations/ical/icaljstest"
	"github.com/kogge-project/kogge/rooms"
	"github.com/kogge-project/kogge/rooms/store"
)

// A hybrid booking's join link (the guest link, which never changes) is
// in its feed entry, its downloaded invitation and its mailed invitation,
// in DESCRIPTION and as CONFERENCE; ical.js reads all three. A confidential
// booking's busy block carries none; a REQUEST always has an ATTENDEE.
func TestCalendarsCarryTheJoinLink(t *testing.T) {
	e := newTestEnv(t)
	smtp, mailer := e.mailTo(t)
	anna := e.login("anna")

	b := anna.create(map[string]any{"kind": "council", "title": "Ratssitzung", "contact": "rat@stadt.example",
		"hybrid": map[string]any{"enabled": true, "expected_remote": 3}})
	var links struct {
		GuestURL string `json:"guest_url"`
	}
	anna.do("GET", "/api/v1/bookings/"+b.ID+"/join", nil).json(t, &links)
	if links.GuestURL == "" {
		t.Fatal("no guest link")
	}
	anna.create(map[string]any{"title": "Bewerbung Krause", "kind": "interview", "confidential": true,
		"start": "2026-12-02T10:00:00+01:00", "end": "2026-12-02T11:00:00+01:00",
		"hybrid": map[string]any{"enabled": true, "expected_remote": 1}})
	plain := anna.create(map[string]any{"title": "Ohne Kontakt", "start": "2026-12-03T10:00:00+01:00", "end": "2026-12-03T11:00:00+01:00"})

	hasLink := func(where string, ev icaljstest.Event) {
		t.Helper()
		if !strings.Contains(ev.Description, links.GuestURL) {
			t.Errorf("%s: DESCRIPTION %q lacks the guest link", where, ev.Description)
		}
		if len(ev.Conference) != 1 || ev.Conference[0] != links.GuestURL {
			t.Errorf("%s: CONFERENCE %v, want the guest link", where, ev.Conference)
		}
	}

	// The feed.
	var feed struct{ URL string }
	anna.do("POST", "/api/v1/feeds", map[string]string{"kind": "room", "id": "ratssaal"}).json(t, &feed)
	u, _ := url.Parse(feed.URL)
	cal := icaljstest.Parse(t, string(e.anonymous().do("GET", u.RequestURI(), nil).body))
	var council, busy int
	for _, ev := range cal.Events {
		switch ev.Summary {
		case "Ratssitzung":
			council++
			hasLink("feed", ev)
		case "Belegt":
			busy++
			if len(ev.Conference) > 0 || strings.Contains(ev.Description, "/j/") {
				t.Errorf("a confidential busy block carries a join link: %+v", ev)
			}
		}
	}
	if council != 1 || busy != 1 {
		t.Fatalf("feed has %d council sessions and %d busy blocks, want 1 and 1", council, busy)
	}

	// The downloaded invitation.
	inv := icaljstest.Parse(t, string(anna.do("GET", "/api/v1/bookings/"+b.ID+"/invitation.ics", nil).body))
	if len(inv.Events) != 1 {
		t.Fatalf("invitation has %d events", len(inv.Events))
	}
	hasLink("downloaded invitation", inv.Events[0])
	lone := icaljstest.Parse(t, string(anna.do("GET", "/api/v1/bookings/"+plain.ID+"/invitation.ics", nil).body))
	if lone.Method == nil || *lone.Method != "REQUEST" || len(lone.Events) != 1 || len(lone.Events[0].Attendees) == 0 {
		t.Errorf("a REQUEST without a contact has no ATTENDEE: %+v", lone)
	}

	// The mailed invitation.
	if err := mailer.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	msgs := smtp.Messages()
	if len(msgs) != 1 {
		t.Fatalf("%d mails, want the council session's invitation", len(msgs))
	}
	ics, text := mailParts(t, msgs[0].Data)
	mailed := icaljstest.Parse(t, ics)
	if len(mailed.Events) != 1 || len(mailed.Events[0].Attendees) != 1 || mailed.Events[0].Attendees[0] != "mailto:rat@stadt.example" {
		t.Fatalf("mailed invitation %+v", mailed)
	}
	hasLink("mailed invitation", mailed.Events[0])
	if !strings.Contains(text, links.GuestURL) {
		t.Errorf("the mail's text lacks the join link:\n%s", text)
	}
}

// mailParts returns a mail's calendar part and its plain text.
func mailParts(t *testing.T, data []byte) (ics, text string) {
	t.Helper()
	m, err := netmail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	var walk func(ct, cte string, body io.Reader)
	walk = func(ct, cte string, body io.Reader) {
		mt, params, err := mime.ParseMediaType(ct)
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(mt, "multipart/") {
			r := multipart.NewReader(body, params["boundary"])
			for {
				p, err := r.NextPart() // decodes quoted-printable itself
				if err == io.EOF {
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				walk(p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"), p)
			}
		}
		if strings.EqualFold(cte, "base64") {
			body = base64.NewDecoder(base64.StdEncoding, body)
		}
		b, err := io.ReadAll(body)
		if err != nil {
			t.Fatal(err)
		}
		switch mt {
		case "text/calendar":
			ics = string(b)
		case "text/plain":
			text = string(b)
		}
	}
	walk(m.Header.Get("Content-Type"), m.Header.Get("Content-Transfer-Encoding"), m.Body)
	return ics, text
}

// A meeting moved to another provider (failover) mails the contact an
// updated invitation; its join link is the one they already have.
func TestProviderMoveMailsTheContact(t *testing.T) {
	e := newTestEnv(t)
	smtp, mailer := e.mailTo(t)
	anna := e.login("anna")
	b := anna.create(map[string]any{"kind": "committee", "title": "Bauausschuss", "contact": "bau@stadt.example",
		"hybrid": map[string]any{"enabled": true, "expected_remote": 3}})
	var links struct {
		GuestURL string `json:"guest_url"`
	}
	anna.do("GET", "/api/v1/bookings/"+b.ID+"/join", nil).json(t, &links)
	// The move is made here, as the broker's failover makes it; its worker
	// is stopped, so that it does not move the meeting on again (the test
	// daemon has no Pexip).
	e.stopBroker()
	if _, err := e.store.UpdateAllocation(b.ID, "broker", func(_ rooms.Booking, a *store.Allocation) error {
		a.Provider, a.Licence, a.State = "pexip", "", store.AllocReserved
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := mailer.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	msgs := smtp.Messages()
	if len(msgs) != 2 {
		t.Fatalf("%d mails, want the confirmation and the move", len(msgs))
	}
	ics, text := mailParts(t, msgs[1].Data)
	if !strings.Contains(text, "anderen Anbieter") || !strings.Contains(text, links.GuestURL) {
		t.Errorf("the move's mail says:\n%s", text)
	}
	inv := icaljstest.Parse(t, ics)
	if inv.Method == nil || *inv.Method != "REQUEST" || len(inv.Events) != 1 || inv.Events[0].Conference[0] != links.GuestURL {
		t.Errorf("the move's invitation: %+v", inv)
	}
}
