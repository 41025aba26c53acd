package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestCalendarFeeds(t *testing.T) {
	e := newTestEnv(t)
	anna, bernd := e.login("anna"), e.login("bernd")
	anna.create(map[string]any{"title": "Hauptausschuss", "committee": "Hauptausschuss"})
	anna.create(map[string]any{"title": "Bewerbung Krause", "kind": "interview", "confidential": true,
		"start": "2026-12-02T10:00:00+01:00", "end": "2026-12-02T11:00:00+01:00"})
	anna.do("POST", "/api/v1/series", series(nil))

	feedURL := func(c *client, kind, id string) string {
		var out struct{ URL string }
		r := c.do("POST", "/api/v1/feeds", map[string]string{"kind": kind, "id": id})
		if r.status != http.StatusCreated {
			t.Fatalf("create feed: %d %s", r.status, r.body)
		}
		r.json(t, &out)
		u, _ := url.Parse(out.URL)
		return u.RequestURI()
	}
	annas, bernds := feedURL(anna, "room", "ratssaal"), feedURL(bernd, "room", "ratssaal")
	r := e.anonymous().do("GET", annas, nil)
	body := strings.ReplaceAll(string(r.body), "\r\n ", "") // unfold
	if r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), "text/calendar") {
		t.Fatalf("feed: %d %s", r.status, r.header)
	}
	for _, want := range []string{"BEGIN:VCALENDAR", "SUMMARY:Hauptausschuss", "SUMMARY:Belegt", "RRULE:FREQ=WEEKLY;BYDAY=TU;COUNT=4", "BEGIN:VTIMEZONE", "TZID:Europe/Berlin"} {
		if !strings.Contains(body, want) {
			t.Errorf("anna's feed lacks %q", want)
		}
	}
	if !strings.Contains(string(r.body), "\r\n") {
		t.Error("no CRLF line endings")
	}
	// Feed URLs are bearer links fetched by outside services: confidential
	// bookings are busy blocks even in their creator's own feed.
	if strings.Contains(body, "Krause") {
		t.Error("a feed shows a confidential interview's title")
	}
	other := string(e.anonymous().do("GET", bernds, nil).body)
	if strings.Contains(other, "Krause") || !strings.Contains(other, "SUMMARY:Belegt") {
		t.Error("bernd's feed shows anna's confidential interview")
	}
	if org := string(e.anonymous().do("GET", feedURL(bernd, "organizer", "anna"), nil).body); strings.Contains(org, "Belegt") {
		t.Error("an organizer feed reveals when anna has a confidential interview")
	}
	e.anonymous().do("GET", strings.Replace(annas, "ratssaal.ics", "interviewraum.ics", 1), nil).problem(t, 404, "no-such-feed")
	e.anonymous().do("GET", "/ical/room/ratssaal.ics?token=kgf_forged", nil).problem(t, 404, "no-such-feed")
	anna.do("POST", "/api/v1/feeds", map[string]string{"kind": "building", "id": "x"}).problem(t, 422, "invalid-field")
	anna.do("POST", "/api/v1/feeds", map[string]string{"kind": "room", "id": "keller"}).problem(t, 422, "unknown-room")

	var list struct {
		Feeds []struct{ ID string } `json:"feeds"`
	}
	anna.do("GET", "/api/v1/feeds", nil).json(t, &list)
	if len(list.Feeds) != 1 {
		t.Fatalf("anna's feeds: %+v", list.Feeds)
	}
	bernd.do("DELETE", "/api/v1/feeds/"+list.Feeds[0].ID, nil).problem(t, 404, "no-such-feed")
	if r := anna.do("DELETE", "/api/v1/feeds/"+list.Feeds[0].ID, nil); r.status != http.StatusNoContent {
		t.Fatalf("revoke: %d", r.status)
	}
	e.anonymous().do("GET", annas, nil).problem(t, 404, "no-such-feed")

	com := string(e.anonymous().do("GET", feedURL(bernd, "committee", "Hauptausschuss"), nil).body)
	if !strings.Contains(com, "SUMMARY:Hauptausschuss") || strings.Contains(com, "Bauausschuss") {
		t.Errorf("committee feed: %s", com)
	}
	// A name with spaces still makes a working link.
	anna.create(map[string]any{"title": "Ausschuss für Bau", "committee": "Ausschuss für Bau",
		"start": "2026-12-04T16:00:00+01:00", "end": "2026-12-04T17:00:00+01:00"})
	if r := e.anonymous().do("GET", feedURL(bernd, "committee", "Ausschuss für Bau"), nil); r.status != 200 || !strings.Contains(string(r.body), "SUMMARY:Ausschuss für Bau") {
		t.Errorf("committee with spaces: %d", r.status)
	}
	// A disabled owner's feeds stop at once.
	berndsRoom := feedURL(bernd, "room", "sitzungszimmer-2")
	e.accounts.SetDisabled("bernd", true)
	e.anonymous().do("GET", berndsRoom, nil).problem(t, 404, "no-such-feed")
}
