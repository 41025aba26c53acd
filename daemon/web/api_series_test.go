package web

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kogge-project/kogge/rooms"
)

func series(overrides map[string]any) map[string]any {
	s := map[string]any{
		"room": "ratssaal", "title": "Bauausschuss", "kind": "committee",
		"start": "2027-03-16T17:00:00+01:00", "end": "2027-03-16T19:00:00+01:00",
		"rule": "FREQ=WEEKLY;BYDAY=TU;COUNT=4",
	}
	for k, v := range overrides {
		s[k] = v
	}
	return s
}

func TestSeriesKeepsLocalTimeAcrossDSTAndSaysItsRule(t *testing.T) {
	e := newTestEnv(t)
	r := e.login("anna").do("POST", "/api/v1/series", series(nil))
	if r.status != http.StatusCreated {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	var v seriesView
	r.json(t, &v)
	if v.RuleDE != "wöchentlich dienstags, 17:00–19:00, 4 Termine" || v.RuleEN != "weekly on Tuesday, 17:00–19:00, 4 times" {
		t.Errorf("rule in words: %q / %q", v.RuleDE, v.RuleEN)
	}
	var got []string
	for _, o := range v.Occurrences {
		got = append(got, o.StartLocal+" "+o.Start.Format("15:04Z"))
		if o.SeriesID != v.ID {
			t.Errorf("occurrence %s not linked", o.ID)
		}
	}
	want := []string{
		"2027-03-16T17:00:00+01:00 16:00Z", "2027-03-23T17:00:00+01:00 16:00Z",
		"2027-03-30T17:00:00+02:00 15:00Z", "2027-04-06T17:00:00+02:00 15:00Z",
	}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("occurrences %v\nwant %v", got, want)
	}
	var again seriesView
	e.login("bernd").do("GET", "/api/v1/series/"+v.ID, nil).json(t, &again)
	if len(again.Occurrences) != 4 {
		t.Fatalf("GET shows %d occurrences", len(again.Occurrences))
	}
}

func TestSeriesConflictFailWritesNothingSkipWritesTheRest(t *testing.T) {
	e := newTestEnv(t)
	anna := e.login("anna")
	blocker := anna.create(map[string]any{"title": "Haushaltsklausur", "start": "2027-03-23T18:00:00+01:00", "end": "2027-03-23T20:00:00+01:00"})
	p := anna.do("POST", "/api/v1/series", series(nil)).problem(t, 409, "series-conflict")
	if len(p.Occurrences) != 1 || p.Occurrences[0].StartLocal != "2027-03-23T17:00:00+01:00" ||
		len(p.Occurrences[0].Conflicts) != 1 || p.Occurrences[0].Conflicts[0].ID != blocker.ID {
		t.Fatalf("conflicting occurrences %+v", p.Occurrences)
	}
	var page bookingPage
	anna.do("GET", "/api/v1/bookings?room=ratssaal", nil).json(t, &page)
	if len(page.Bookings) != 1 {
		t.Fatalf("a failed series wrote %d bookings", len(page.Bookings)-1)
	}
	r := anna.do("POST", "/api/v1/series", series(map[string]any{"on_conflict": "skip"}))
	var v seriesView
	r.json(t, &v)
	if r.status != 201 || len(v.Occurrences) != 3 || len(v.Skipped) != 1 || v.Skipped[0].Reason != "conflict" ||
		v.Skipped[0].Conflicts[0].Title != "Haushaltsklausur" {
		t.Fatalf("skip: %d %s", r.status, r.body)
	}
}

func TestSeriesSkipsClosuresAndCancelsFromADate(t *testing.T) {
	e := newTestEnv(t)
	closures := []rooms.Closure{{From: rooms.Date{Year: 2026, Month: 12, Day: 24}, To: rooms.Date{Year: 2026, Month: 12, Day: 26}, Reason: "Weihnachten"}}
	e.server.closures = func() []rooms.Closure { return closures }
	anna := e.login("anna")
	var v seriesView
	r := anna.do("POST", "/api/v1/series", series(map[string]any{
		"start": "2026-12-17T10:00:00+01:00", "end": "2026-12-17T12:00:00+01:00", "rule": "FREQ=WEEKLY;BYDAY=TH;COUNT=4",
	}))
	r.json(t, &v)
	if r.status != 201 || len(v.Occurrences) != 3 || len(v.Skipped) != 1 || v.Skipped[0].Reason != "closure: Weihnachten" {
		t.Fatalf("closure: %d %s", r.status, r.body)
	}
	// One occurrence edited on its own becomes an exception.
	var occ bookingView
	anna.do("PATCH", "/api/v1/bookings/"+v.Occurrences[0].ID, map[string]any{"notes": "Sondersitzung"}, "If-Match", `"1"`).json(t, &occ)
	if !occ.Exception {
		t.Fatal("an edited occurrence is no exception")
	}
	r = anna.do("DELETE", "/api/v1/series/"+v.ID+"?from=2026-12-30T00:00:00%2B01:00", nil)
	var cut seriesView
	r.json(t, &cut)
	if r.status != 200 || len(cut.Occurrences) != 2 || !strings.Contains(cut.Rule, "UNTIL=20261229T225959Z") || strings.Contains(cut.Rule, "COUNT") {
		t.Fatalf("cancel from: %d %s", r.status, r.body)
	}
	var after seriesView
	anna.do("GET", "/api/v1/series/"+v.ID, nil).json(t, &after)
	var states []string
	for _, o := range after.Occurrences {
		states = append(states, fmt.Sprintf("%s %s", o.StartLocal[:10], o.Status))
	}
	if strings.Join(states, ",") != "2026-12-17 confirmed,2026-12-31 cancelled,2027-01-07 cancelled" {
		t.Fatalf("after cancelling: %v", states)
	}
}

func TestSeriesRefusesBadRules(t *testing.T) {
	e := newTestEnv(t)
	anna := e.login("anna")
	anna.do("POST", "/api/v1/series", series(map[string]any{"rule": "FREQ=HOURLY"})).problem(t, 422, "invalid-rule")
	anna.do("POST", "/api/v1/series", series(map[string]any{"rule": "FREQ=WEEKLY;BYDAY=WE"})).problem(t, 422, "invalid-rule")
	anna.do("POST", "/api/v1/series", series(map[string]any{"on_conflict": "maybe"})).problem(t, 422, "invalid-field")
	anna.do("POST", "/api/v1/series", series(map[string]any{"start": "2026-11-24T17:00:00+01:00", "end": "2026-11-24T19:00:00+01:00"})).problem(t, 422, "in-the-past")
}

func TestSeriesEditWithScopeFollowing(t *testing.T) {
	e := newTestEnv(t)
	anna := e.login("anna")
	var v seriesView
	anna.do("POST", "/api/v1/series", series(nil)).json(t, &v) // Tuesdays 16, 23, 30 Mar, 6 Apr 2027, 17:00–19:00
	// The last meeting was moved on its own: the series edit must leave it alone.
	anna.do("PATCH", "/api/v1/bookings/"+v.Occurrences[3].ID, map[string]any{"notes": "im Foyer"}, "If-Match", `"1"`)
	blocker := anna.create(map[string]any{"title": "Empfang", "start": "2027-03-30T19:45:00+02:00", "end": "2027-03-30T21:00:00+02:00"})

	from := "2027-03-23T00:00:00%2B01:00"
	p := anna.do("PATCH", "/api/v1/series/"+v.ID+"?scope=following&from="+from,
		map[string]any{"start_time": "18:00", "end_time": "20:00"}, "If-Match", `"1"`).problem(t, 409, "series-conflict")
	if len(p.Occurrences) != 1 || p.Occurrences[0].Conflicts[0].ID != blocker.ID {
		t.Fatalf("collisions %+v", p.Occurrences)
	}
	r := anna.do("PATCH", "/api/v1/series/"+v.ID+"?scope=following&from="+from,
		map[string]any{"title": "Bauausschuss (neu)", "start_time": "17:30", "end_time": "19:00"}, "If-Match", `"1"`)
	if r.status != 200 {
		t.Fatalf("edit: %d %s", r.status, r.body)
	}
	var after seriesView
	anna.do("GET", "/api/v1/series/"+v.ID, nil).json(t, &after)
	var got []string
	for _, o := range after.Occurrences {
		got = append(got, fmt.Sprintf("%s %s", o.StartLocal[5:16], o.Title))
	}
	want := []string{"03-16T17:00 Bauausschuss", "03-23T17:30 Bauausschuss (neu)", "03-30T17:30 Bauausschuss (neu)", "04-06T17:00 Bauausschuss"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("after editing the following meetings:\n%v\nwant %v", got, want)
	}
	if after.Version != 2 || !strings.Contains(after.RuleEN, "17:30–19:00") {
		t.Fatalf("series record: v%d %q", after.Version, after.RuleEN)
	}
	anna.do("PATCH", "/api/v1/series/"+v.ID, map[string]any{"room": "interviewraum"}, "If-Match", `"2"`).problem(t, 422, "invalid-field")
	anna.do("PATCH", "/api/v1/series/"+v.ID, map[string]any{"status": "cancelled"}, "If-Match", `"2"`).problem(t, 422, "invalid-field")
	anna.do("PATCH", "/api/v1/series/"+v.ID+"?scope=some", map[string]any{"title": "x"}, "If-Match", `"2"`).problem(t, 400, "bad-query")
	anna.do("PATCH", "/api/v1/series/"+v.ID, map[string]any{"title": "x"}, "If-Match", `"1"`).problem(t, 412, "stale")
}

func TestSeriesExdatesFollowANewTimeAndBoundedSeriesEnd(t *testing.T) {
	e := newTestEnv(t)
	anna := e.login("anna")
	var v seriesView
	anna.do("POST", "/api/v1/series", series(map[string]any{
		"rule": "FREQ=WEEKLY;BYDAY=TU;COUNT=5", "exdates": []string{"2027-03-23T17:00:00+01:00"},
	})).json(t, &v)
	if len(v.Occurrences) != 4 { // 16 Mar, (23 Mar excluded), 30 Mar, 6 Apr, 13 Apr: COUNT counts the excluded date
		t.Fatalf("%d occurrences", len(v.Occurrences))
	}
	// Stored in full: the record ends after its last meeting, not at the horizon.
	if want := time.Date(2027, 4, 13, 15, 1, 0, 0, time.UTC); !v.MaterialisedUntil.Equal(want) {
		t.Errorf("materialised until %s, want %s", v.MaterialisedUntil, want)
	}
	r := anna.do("PATCH", "/api/v1/series/"+v.ID, map[string]any{"start_time": "18:00", "end_time": "20:00"}, "If-Match", `"1"`)
	var after seriesView
	r.json(t, &after)
	if len(after.ExDates) != 1 || !after.ExDates[0].Equal(time.Date(2027, 3, 23, 17, 0, 0, 0, time.UTC)) {
		t.Fatalf("exdate after moving to 18:00: %v", after.ExDates)
	}
}
