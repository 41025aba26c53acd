package web

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestInvitationDownload(t *testing.T) {
	e := newTestEnv(t)
	anna := e.login("anna")
	b := anna.create(nil)
	r := anna.do("GET", "/api/v1/bookings/"+b.ID+"/invitation.ics", nil)
	body := string(r.body)
	if r.status != 200 || !strings.Contains(r.header.Get("Content-Type"), "method=REQUEST") ||
		!strings.Contains(body, "METHOD:REQUEST") || !strings.Contains(body, "SUMMARY:Hauptausschuss") {
		t.Fatalf("invitation: %d %s", r.status, body)
	}
	anna.do("DELETE", "/api/v1/bookings/"+b.ID, nil, "If-Match", `"1"`)
	if body := string(anna.do("GET", "/api/v1/bookings/"+b.ID+"/invitation.ics", nil).body); !strings.Contains(body, "METHOD:CANCEL") {
		t.Fatalf("cancellation: %s", body)
	}
	c := anna.create(map[string]any{"title": "Bewerbung", "confidential": true, "kind": "interview"})
	e.login("bernd").do("GET", "/api/v1/bookings/"+c.ID+"/invitation.ics", nil).problem(t, 403, "forbidden")
}

const committeePlan = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Ratsinfo//DE\r\n" +
	"BEGIN:VEVENT\r\nUID:sitzung-1@ratsinfo\r\nSUMMARY:Bauausschuss\r\nDTSTART;TZID=Europe/Berlin:20261201T170000\r\nDTEND;TZID=Europe/Berlin:20261201T190000\r\nEND:VEVENT\r\n" +
	"BEGIN:VEVENT\r\nUID:reihe@ratsinfo\r\nSUMMARY:Sozialausschuss\r\nDTSTART;TZID=Europe/Berlin:20261203T100000\r\nDTEND;TZID=Europe/Berlin:20261203T120000\r\nRRULE:FREQ=WEEKLY;COUNT=3\r\nEND:VEVENT\r\n" +
	"END:VCALENDAR\r\n"

func TestImportPreviewShowsConflictsAndBooksNothing(t *testing.T) {
	e := newTestEnv(t)
	anna := e.login("anna")
	blocker := anna.create(nil) // Hauptausschuss, 1 Dec 16:00–19:00
	req, _ := http.NewRequest("POST", e.srv.URL+"/api/v1/import/ics?room=ratssaal", bytes.NewReader([]byte(committeePlan)))
	req.Header.Set("Content-Type", "text/calendar")
	req.AddCookie(anna.cookie)
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		Events []importPreview `json:"events"`
	}
	r := response{status: resp.StatusCode, header: resp.Header}
	r.body, _ = readAll(resp)
	r.json(t, &out)
	if r.status != 200 || len(out.Events) != 2 {
		t.Fatalf("preview: %d %s", r.status, r.body)
	}
	bau, sozial := out.Events[0], out.Events[1]
	if len(bau.Meetings) != 1 || len(bau.Meetings[0].Conflicts) != 1 || bau.Meetings[0].Conflicts[0].ID != blocker.ID {
		t.Errorf("Bauausschuss: %+v", bau)
	}
	if len(sozial.Meetings) != 3 || sozial.Meetings[2].StartLocal != "2026-12-17T10:00:00+01:00" || len(sozial.Meetings[0].Conflicts) != 0 {
		t.Errorf("Sozialausschuss: %+v", sozial)
	}
	var page bookingPage
	anna.do("GET", "/api/v1/bookings", nil).json(t, &page)
	if len(page.Bookings) != 1 {
		t.Fatalf("the preview booked %d meetings", len(page.Bookings)-1)
	}
	anna.do("POST", "/api/v1/import/ics?room=keller", "x").problem(t, 422, "unknown-room")
	anna.do("POST", "/api/v1/import/ics?room=ratssaal", "BEGIN:VEVENT\r\nDTSTART:yesterday\r\n").problem(t, 422, "invalid-ics")
}

// upload posts an .ics to the import preview, in lang.
func (c *client) upload(body, lang string) response {
	c.e.t.Helper()
	return c.do("POST", "/api/v1/import/ics?room=ratssaal", body, "Content-Type", "text/calendar", "Accept-Language", lang)
}

// TestImportPreviewLimits: an upload beyond the import's limits is refused
// at once, saying in words which limit it went beyond (docs/security.md,
// "Limits").
func TestImportPreviewLimits(t *testing.T) {
	e := newTestEnv(t)
	anna := e.login("anna")
	big := "BEGIN:VCALENDAR\r\n" + strings.Repeat("X-PAD:"+strings.Repeat("x", 1000)+"\r\n", 2200) + "END:VCALENDAR\r\n"
	for lang, want := range map[string]string{"de": "größer als 2 MiB", "en": "larger than 2 MiB"} {
		if p := anna.upload(big, lang).problem(t, 413, "too-large"); !strings.Contains(p.Detail, want) {
			t.Errorf("%s: %q, want it to say %q", lang, p.Detail, want)
		}
	}
	// Time zones given as many date values as the file has room for: what
	// took minutes of CPU time before there were limits.
	var dates strings.Builder
	dates.WriteString("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART:20261201T160000Z\r\n")
	for range 1000 {
		dates.WriteString("EXDATE:" + strings.Repeat("20261202T160000Z,", 59) + "20261203T160000Z\r\n")
	}
	dates.WriteString("END:VEVENT\r\nEND:VCALENDAR\r\n")
	// Series that ended long ago show nothing, but would be expanded from
	// their first date on.
	var old strings.Builder
	old.WriteString("BEGIN:VCALENDAR\r\n")
	for i := range 150 {
		fmt.Fprintf(&old, "BEGIN:VEVENT\r\nUID:%d\r\nDTSTART:20000103T170000Z\r\nRRULE:FREQ=DAILY;UNTIL=20000201T000000Z\r\nEND:VEVENT\r\n", i)
	}
	old.WriteString("END:VCALENDAR\r\n")
	long := strings.Replace(committeePlan, "SUMMARY:Bauausschuss", "DESCRIPTION:"+strings.Repeat("Tagesordnung", 6000), 1)
	tests := []struct {
		name, body, de, en string
	}{
		{"dates", dates.String(), "mehr als 50000 Datums- und Zeitangaben", "more than 50000 dates and times"},
		{"series reaching back", old.String(), "mehr als 1000000 Tage durchgehen", "go through more than 1000000 days"},
		{"line", long, "Zeile 6 ist (mit ihren Fortsetzungszeilen) länger als 64 KiB", "Line 6 is, with its continuation lines, longer than 64 KiB"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for lang, want := range map[string]string{"de": tt.de, "en": tt.en} {
				if p := anna.upload(tt.body, lang).problem(t, 422, "ics-limit"); !strings.Contains(p.Detail, want) {
					t.Errorf("%s: %q, want it to say %q", lang, p.Detail, want)
				}
			}
		})
	}
}

// TestImportPreviewStopsWhenTheClientHasGone: a preview whose request has
// ended (the client gave up) is not worked out.
func TestImportPreviewStopsWhenTheClientHasGone(t *testing.T) {
	e := newTestEnv(t)
	anna := e.login("anna")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	req := httptest.NewRequestWithContext(ctx, "POST", "/api/v1/import/ics?room=ratssaal", strings.NewReader(committeePlan))
	req.Header.Set("Content-Type", "text/calendar")
	req.AddCookie(anna.cookie)
	rec := httptest.NewRecorder()
	e.srv.Config.Handler.ServeHTTP(rec, req)
	r := response{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
	r.problem(t, 499, "cancelled")
}
