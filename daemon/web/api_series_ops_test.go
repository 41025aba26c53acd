package web

import (
	"context"
	"net/http"
	"strings"
	"testing"
)

// A series' meetings obey the same rule as single bookings: a secretary
// who may not touch a confidential meeting on its own (DELETE
// /bookings/{id} is 403) may not cancel or change it through its series
// either. The whole operation is refused in words, and nothing changes.
func TestSeriesOperationsRespectConfidentialMeetings(t *testing.T) {
	e := newTestEnv(t)
	anna, bernd := e.login("anna"), e.login("bernd")
	r := anna.do("POST", "/api/v1/series", series(nil))
	if r.status != http.StatusCreated {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	var sv seriesView
	r.json(t, &sv)
	// Two of anna's four meetings become confidential: job interviews
	// held in the committee's slot.
	for _, o := range sv.Occurrences[1:3] {
		if r := anna.do("PATCH", "/api/v1/bookings/"+o.ID, map[string]any{"confidential": true}, "If-Match", `"1"`); r.status != http.StatusOK {
			t.Fatalf("make %s confidential: %d %s", o.ID, r.status, r.body)
		}
	}
	bernd.do("DELETE", "/api/v1/bookings/"+sv.Occurrences[1].ID, nil, "If-Match", `"2"`).problem(t, http.StatusForbidden, "forbidden")

	p := bernd.do("DELETE", "/api/v1/series/"+sv.ID, nil, "Accept-Language", "de").problem(t, http.StatusForbidden, "forbidden")
	if !strings.Contains(p.Detail, "2 Termine dieser Serie sind vertraulich") || !strings.Contains(p.Detail, "23. März 2027") {
		t.Errorf("refusal says %q", p.Detail)
	}
	p = bernd.do("DELETE", "/api/v1/series/"+sv.ID+"?from=2027-03-29T00:00:00%2B02:00", nil, "Accept-Language", "en").problem(t, http.StatusForbidden, "forbidden")
	if !strings.Contains(p.Detail, "One meeting of this series") || !strings.Contains(p.Detail, "30 March 2027") {
		t.Errorf("refusal from a date says %q", p.Detail)
	}
	var after seriesView
	anna.do("GET", "/api/v1/series/"+sv.ID, nil).json(t, &after)
	if after.Booked != 4 || after.Version != sv.Version || after.Rule != sv.Rule {
		t.Fatalf("a refused cancellation changed the series: %d booked, version %d, rule %q", after.Booked, after.Version, after.Rule)
	}

	// What bernd may touch he still may: from the last meeting on.
	if r := bernd.do("DELETE", "/api/v1/series/"+sv.ID+"?from=2027-04-06T00:00:00%2B02:00", nil); r.status != http.StatusOK {
		t.Fatalf("cancel the last meeting: %d %s", r.status, r.body)
	}
	// And anna, whose meetings they are, may cancel the rest.
	if r := anna.do("DELETE", "/api/v1/series/"+sv.ID, nil); r.status != http.StatusOK {
		t.Fatalf("anna cancels her series: %d %s", r.status, r.body)
	}
}

// The contact hears of each series operation once, from the series feed:
// the new series, its change, its end from a date (a changed rule), its
// cancellation — not once per meeting.
func TestSeriesMailsOncePerOperation(t *testing.T) {
	e := newTestEnv(t)
	smtp, mailer := e.mailTo(t)
	anna := e.login("anna")
	r := anna.do("POST", "/api/v1/series", series(map[string]any{"contact": "bau@stadt.example"}))
	var sv seriesView
	r.json(t, &sv)
	if r := anna.do("PATCH", "/api/v1/series/"+sv.ID, map[string]any{"title": "Bau- und Umweltausschuss"}, "If-Match", `"1"`); r.status != http.StatusOK {
		t.Fatalf("edit: %d %s", r.status, r.body)
	}
	if r := anna.do("DELETE", "/api/v1/series/"+sv.ID+"?from=2027-04-01T00:00:00%2B02:00", nil); r.status != http.StatusOK {
		t.Fatalf("cancel from April: %d %s", r.status, r.body)
	}
	if r := anna.do("DELETE", "/api/v1/series/"+sv.ID, nil); r.status != http.StatusOK {
		t.Fatalf("cancel: %d %s", r.status, r.body)
	}
	if err := mailer.Close(context.Background()); err != nil { // sends what is queued
		t.Fatal(err)
	}
	msgs := smtp.Messages()
	want := []string{"method=REQUEST", "method=REQUEST", "method=REQUEST", "method=CANCEL"}
	if len(msgs) != len(want) {
		t.Fatalf("%d mails, want one per operation (%d)", len(msgs), len(want))
	}
	for i, w := range want {
		if data := string(msgs[i].Data); msgs[i].To[0] != "bau@stadt.example" || !strings.Contains(data, w) {
			t.Errorf("mail %d to %v, want %s:\n%.300s", i, msgs[i].To, w, data)
		}
	}
}
