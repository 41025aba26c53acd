package web

import (
	"net/http"
	"net/url"
	"testing"
)

// TestKindFilterHidesConfidential: secretary B filtering by the kind of
// A's confidential booking learns nothing of it: no item, no next link, and
// paging through B's own bookings of that kind never stops at it.
func TestKindFilterHidesConfidential(t *testing.T) {
	e := newTestEnv(t)
	anna, bernd := e.login("anna"), e.login("bernd")
	anna.create(map[string]any{"title": "Bewerbung Müller", "kind": "interview", "confidential": true,
		"room": "interviewraum", "start": "2026-12-01T10:00:00+01:00", "end": "2026-12-01T11:00:00+01:00"})
	anna.create(map[string]any{"title": "Bewerbung Schmidt", "kind": "interview", "confidential": true,
		"room": "interviewraum", "start": "2026-12-01T11:30:00+01:00", "end": "2026-12-01T12:30:00+01:00"})

	for _, q := range []string{"kind=interview", "kind=interview&limit=1", "kind=interview&room=interviewraum&limit=1"} {
		r := bernd.do("GET", "/api/v1/bookings?"+q, nil)
		var page bookingPage
		r.json(t, &page)
		if len(page.Bookings) != 0 || page.Next != "" || r.header.Get("Link") != "" {
			t.Errorf("%s: bernd sees %+v, next %q, Link %q", q, page.Bookings, page.Next, r.header.Get("Link"))
		}
	}
	// The owner still finds it by its kind.
	var own bookingPage
	anna.do("GET", "/api/v1/bookings?kind=interview", nil).json(t, &own)
	if len(own.Bookings) != 2 || own.Bookings[0].Kind != "interview" {
		t.Errorf("anna sees %+v", own.Bookings)
	}

	// Bernd's own interviews before and after Anna's: no page empty, one per page, and
	// the last page has no next link.
	first := bernd.create(map[string]any{"title": "Gespräch 1", "kind": "interview",
		"room": "interviewraum", "start": "2026-12-01T08:00:00+01:00", "end": "2026-12-01T09:00:00+01:00"})
	second := bernd.create(map[string]any{"title": "Gespräch 2", "kind": "interview",
		"room": "interviewraum", "start": "2026-12-01T13:00:00+01:00", "end": "2026-12-01T14:00:00+01:00"})
	var got []string
	path := "/api/v1/bookings?kind=interview&limit=1"
	for i := 0; path != ""; i++ {
		if i > 3 {
			t.Fatalf("still paging after %v", got)
		}
		r := bernd.do("GET", path, nil)
		if r.status != http.StatusOK {
			t.Fatalf("%s: %d %s", path, r.status, r.body)
		}
		var page bookingPage
		r.json(t, &page)
		if len(page.Bookings) == 0 {
			t.Errorf("%s: an empty page (next %q) tells of bookings bernd may not see", path, page.Next)
		}
		for _, b := range page.Bookings {
			got = append(got, b.ID)
		}
		path = ""
		if page.Next != "" {
			path = "/api/v1/bookings?kind=interview&limit=1&cursor=" + url.QueryEscape(page.Next)
		}
	}
	if len(got) != 2 || got[0] != first.ID || got[1] != second.ID {
		t.Errorf("pages %v, want %s then %s", got, first.ID, second.ID)
	}
}
