package web

import (
	"net/http"
	"strings"
	"testing"

	"github.com/kogge-project/kogge/rooms"
)

// christmas is the closure the series tests run into.
var christmas = []rooms.Closure{{From: rooms.Date{Year: 2026, Month: 12, Day: 24}, To: rooms.Date{Year: 2026, Month: 12, Day: 26}, Reason: "Weihnachten"}}

// sixThursdays asks for six Thursdays from 10 December 2026: the third is
// Christmas Eve.
func sixThursdays(overrides map[string]any) map[string]any {
	return series(mergeMap(map[string]any{
		"start": "2026-12-10T10:00:00+01:00", "end": "2026-12-10T11:00:00+01:00", "rule": "FREQ=WEEKLY;BYDAY=TH;COUNT=6",
	}, overrides))
}

func mergeMap(a, b map[string]any) map[string]any {
	for k, v := range b {
		a[k] = v
	}
	return a
}

// skipLine says a skipped date the way the tests compare them.
func skipLine(v skippedView) string {
	s := v.StartLocal[:10] + " " + v.Kind + " " + v.Closure
	for _, c := range v.Conflicts {
		s += c.Title
	}
	return strings.TrimSpace(s)
}

func skipLines(vs []skippedView) string {
	var out []string
	for _, v := range vs {
		out = append(out, skipLine(v))
	}
	return strings.Join(out, "|")
}

func TestSeriesDryRunNamesTheDatesLeftOutAndBooksNothing(t *testing.T) {
	e := newTestEnv(t)
	e.server.closures = func() []rooms.Closure { return christmas }
	anna := e.login("anna")
	blocker := anna.create(map[string]any{"title": "Neujahrsempfang", "start": "2027-01-07T10:30:00+01:00", "end": "2027-01-07T12:00:00+01:00"})

	r := anna.do("POST", "/api/v1/series?dry_run=1", sixThursdays(nil))
	if r.status != http.StatusOK {
		t.Fatalf("dry run: %d %s", r.status, r.body)
	}
	var v seriesView
	r.json(t, &v)
	if v.ID != "" || v.Booked != 4 || len(v.Occurrences) != 4 || v.Occurrences[0].ID != "" {
		t.Errorf("dry run promises %d meetings (%d listed, first id %q, series id %q), want 4 without ids",
			v.Booked, len(v.Occurrences), v.Occurrences[0].ID, v.ID)
	}
	if got, want := skipLines(v.Skipped), "2026-12-24 closure Weihnachten|2027-01-07 conflict Neujahrsempfang"; got != want {
		t.Errorf("dry run leaves out %q, want %q", got, want)
	}
	var page bookingPage
	anna.do("GET", "/api/v1/bookings?room=ratssaal&from=2026-12-01T00:00:00Z&to=2027-02-01T00:00:00Z", nil).json(t, &page)
	if len(page.Bookings) != 1 || page.Bookings[0].ID != blocker.ID {
		t.Fatalf("the dry run booked: %+v", page.Bookings)
	}
	anna.do("POST", "/api/v1/series?dry_run=maybe", sixThursdays(nil)).problem(t, http.StatusBadRequest, "bad-query")

	// Booked for real, with the same outcome; the series then says what
	// it holds and why the rest is missing.
	r = anna.do("POST", "/api/v1/series", sixThursdays(map[string]any{"on_conflict": "skip"}))
	var created seriesView
	r.json(t, &created)
	if r.status != http.StatusCreated || created.Booked != 4 || skipLines(created.Skipped) != skipLines(v.Skipped) {
		t.Fatalf("booking: %d, %d booked, left out %q", r.status, created.Booked, skipLines(created.Skipped))
	}
	var got seriesView
	anna.do("GET", "/api/v1/series/"+created.ID, nil).json(t, &got)
	if got.Booked != 4 || skipLines(got.Skipped) != skipLines(v.Skipped) {
		t.Errorf("series shows %d booked, left out %q; want 4 and %q", got.Booked, skipLines(got.Skipped), skipLines(v.Skipped))
	}

	// A meeting cancelled on its own is no gap (the page lists it as
	// cancelled), and it no longer counts as booked.
	anna.do("DELETE", "/api/v1/bookings/"+created.Occurrences[0].ID, nil, "If-Match", `"1"`)
	anna.do("GET", "/api/v1/series/"+created.ID, nil).json(t, &got)
	if got.Booked != 3 || len(got.Skipped) != 2 {
		t.Errorf("after cancelling one: %d booked, left out %q", got.Booked, skipLines(got.Skipped))
	}
}

// A series whose times change from a date on keeps its earlier meetings
// at the old time: they still hold their dates.
func TestSeriesGapsSurviveATimeChange(t *testing.T) {
	e := newTestEnv(t)
	e.server.closures = func() []rooms.Closure { return christmas }
	anna := e.login("anna")
	var v seriesView
	anna.do("POST", "/api/v1/series", sixThursdays(nil)).json(t, &v)
	r := anna.do("PATCH", "/api/v1/series/"+v.ID+"?scope=following&from=2026-12-31T00:00:00%2B01:00",
		map[string]any{"start_time": "09:00", "end_time": "10:00"}, "If-Match", `"1"`)
	if r.status != http.StatusOK {
		t.Fatalf("retime: %d %s", r.status, r.body)
	}
	var got seriesView
	anna.do("GET", "/api/v1/series/"+v.ID, nil).json(t, &got)
	if got.Booked != 5 || skipLines(got.Skipped) != "2026-12-24 closure Weihnachten" {
		t.Errorf("after the time change: %d booked, left out %q", got.Booked, skipLines(got.Skipped))
	}
}
