package web

import (
	"bytes"
	"net/http"
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
