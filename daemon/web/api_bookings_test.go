package web

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestCreateBookingShowsUTCAndLocalTimes(t *testing.T) {
	e := newTestEnv(t)
	anna := e.login("anna")
	r := anna.do("POST", "/api/v1/bookings", booking(nil))
	if r.status != http.StatusCreated {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	var v bookingView
	r.json(t, &v)
	if v.Start != time.Date(2026, 12, 1, 15, 0, 0, 0, time.UTC) || v.StartLocal != "2026-12-01T16:00:00+01:00" {
		t.Errorf("start %v / %s", v.Start, v.StartLocal)
	}
	if v.SetupMinutes != 30 || v.TeardownMinutes != 15 {
		t.Errorf("buffers %d/%d, want the room's 30/15", v.SetupMinutes, v.TeardownMinutes)
	}
	if v.Status != "confirmed" || v.Organizer != "anna" || v.CreatedBy != "anna" || v.Version != 1 {
		t.Errorf("defaults: %+v", v)
	}
	if r.header.Get("ETag") != `"1"` || r.header.Get("Location") != "/api/v1/bookings/"+v.ID {
		t.Errorf("headers: %v", r.header)
	}
	got := anna.do("GET", "/api/v1/bookings/"+v.ID, nil)
	if got.status != http.StatusOK || got.header.Get("ETag") != `"1"` {
		t.Fatalf("get: %d %s", got.status, got.body)
	}
}

func TestConflictNamesTheBookingItCollidesWith(t *testing.T) {
	e := newTestEnv(t)
	anna, bernd := e.login("anna"), e.login("bernd")
	first := anna.create(nil)
	// 19:00 + 15 min teardown overlaps 19:00 − 30 min setup of a meeting at 19:10.
	r := bernd.do("POST", "/api/v1/bookings", booking(map[string]any{
		"title": "Bauausschuss", "start": "2026-12-01T19:10:00+01:00", "end": "2026-12-01T20:00:00+01:00",
	}))
	p := r.problem(t, http.StatusConflict, "conflict")
	if len(p.Conflicts) != 1 || p.Conflicts[0].ID != first.ID || p.Conflicts[0].Title != "Hauptausschuss" {
		t.Fatalf("conflicts %+v", p.Conflicts)
	}
	// 19:45 leaves room for both buffers: 19:15 teardown end, 19:45 − 30 min setup = 19:15.
	bernd.create(map[string]any{"start": "2026-12-01T19:45:00+01:00", "end": "2026-12-01T21:00:00+01:00"})
}

func TestConflictHidesConfidentialTitles(t *testing.T) {
	e := newTestEnv(t)
	anna, bernd, admin := e.login("anna"), e.login("bernd"), e.login("admin")
	anna.create(map[string]any{"title": "Bewerbung Müller", "kind": "interview", "confidential": true})
	for _, c := range []struct {
		who  *client
		want string
	}{{bernd, ""}, {admin, "Bewerbung Müller"}, {anna, "Bewerbung Müller"}} {
		p := c.who.do("POST", "/api/v1/bookings", booking(nil)).problem(t, http.StatusConflict, "conflict")
		if p.Conflicts[0].Title != c.want || p.Conflicts[0].Redacted != (c.want == "") || (c.want == "" && strings.Contains(p.Detail, "Müller")) {
			t.Errorf("title %q detail %q, want title %q", p.Conflicts[0].Title, p.Detail, c.want)
		}
	}
	var list bookingPage
	bernd.do("GET", "/api/v1/bookings?room=ratssaal", nil).json(t, &list)
	if len(list.Bookings) != 1 || list.Bookings[0].Title != confidentialTitle || !list.Bookings[0].Redacted || list.Bookings[0].Organizer != "" {
		t.Fatalf("bernd sees %+v", list.Bookings)
	}
	var av struct{ Slots []slotView }
	bernd.do("GET", "/api/v1/rooms/ratssaal/availability?from=2026-12-01T00:00:00Z&to=2026-12-02T00:00:00Z", nil).json(t, &av)
	for _, sl := range av.Slots {
		if sl.Booking != nil && (sl.Booking.Title != "" || !sl.Booking.Redacted) {
			t.Fatalf("bernd's availability shows %+v", sl.Booking)
		}
	}
}

func TestSemanticErrors(t *testing.T) {
	e := newTestEnv(t)
	anna := e.login("anna")
	cases := []struct {
		name      string
		overrides map[string]any
		typ       string
		detail    string
	}{
		{"end before start", map[string]any{"end": "2026-12-01T15:00:00+01:00"}, "end-not-after-start", "muss enden, nachdem sie beginnt"},
		{"end equals start", map[string]any{"end": "2026-12-01T16:00:00+01:00"}, "end-not-after-start", "muss enden, nachdem sie beginnt"},
		{"too long", map[string]any{"start": "2026-12-01T08:00:00+01:00", "end": "2026-12-01T20:00:00+01:00"}, "too-long", "höchstens 10 Stunden am Stück"},
		{"outside hours", map[string]any{"start": "2026-12-01T21:00:00+01:00", "end": "2026-12-01T23:00:00+01:00"}, "outside-bookable-hours", "von 07:00 bis 22:00 Uhr"},
		{"sunday", map[string]any{"start": "2026-12-06T10:00:00+01:00", "end": "2026-12-06T12:00:00+01:00"}, "outside-bookable-hours", "nur montags bis samstags"},
		{"unknown room", map[string]any{"room": "keller"}, "unknown-room", "Den Raum keller gibt es nicht"},
		{"no room", map[string]any{"room": nil}, "unknown-room", "wählen Sie einen Raum"},
		{"in the past", map[string]any{"start": "2026-11-25T16:00:00+01:00", "end": "2026-11-25T17:00:00+01:00"}, "in-the-past", "Der Beginn am 25. November 2026 um 16:00 Uhr liegt in der Vergangenheit"},
		{"no title", map[string]any{"title": "  "}, "invalid-field", "„Titel“"},
		{"bad kind", map[string]any{"kind": "party"}, "invalid-field", "Die Art muss"},
		{"not whole minutes", map[string]any{"start": "2026-12-01T16:00:30+01:00"}, "not-whole-minutes", "volle Minuten"},
		{"negative setup", map[string]any{"setup_minutes": -5}, "invalid-field", "zwischen 0 und 4 Stunden"},
		{"status set directly", map[string]any{"status": "released"}, "invalid-field", "nicht direkt setzen"},
		{"contact not an address", map[string]any{"contact": "Anna <anna@x.example>\r\nBcc: all@x.example"}, "invalid-field", "einfache E-Mail-Adresse"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := anna.do("POST", "/api/v1/bookings", booking(c.overrides)).problem(t, http.StatusUnprocessableEntity, c.typ)
			if !strings.Contains(p.Detail, c.detail) || len(p.Errors) == 0 {
				t.Errorf("detail %q lacks %q (errors %v)", p.Detail, c.detail, p.Errors)
			}
		})
	}
	var page bookingPage
	anna.do("GET", "/api/v1/bookings", nil).json(t, &page)
	if len(page.Bookings) != 0 {
		t.Fatalf("a refused booking was stored: %+v", page.Bookings)
	}
}

func TestMalformedRequests(t *testing.T) {
	e := newTestEnv(t)
	anna := e.login("anna")
	cases := []struct {
		name, body string
		status     int
		typ        string
		detail     string
	}{
		{"not json", `{"room": "ratssaal",`, 400, "malformed-json", "abgeschnitten"},
		{"syntax", `{"room" "ratssaal"}`, 400, "malformed-json", "bei Byte 9"},
		{"unknown field", `{"room":"ratssaal","titel":"x"}`, 400, "malformed-json", `"titel"`},
		{"wrong type", `{"room":"ratssaal","setup_minutes":"ten"}`, 400, "malformed-json", "„setup_minutes“ muss eine Zahl sein"},
		{"text for an object", `{"room":"ratssaal","hybrid":"ja"}`, 400, "malformed-json", "„hybrid“ muss ein Objekt in geschweiften Klammern sein"},
		{"a list for the body", `[{"room":"ratssaal"}]`, 400, "malformed-json", "genau ein JSON-Objekt"},
		{"time without offset", `{"room":"ratssaal","start":"2026-12-01T16:00:00"}`, 400, "malformed-json", "mit Zeitzone"},
		{"two objects", `{"room":"ratssaal"}{"room":"ratssaal"}`, 400, "malformed-json", "genau ein JSON-Objekt"},
		{"empty", ``, 400, "malformed-json", "leer"},
		{"too large", `{"notes":"` + strings.Repeat("x", maxBodyBytes) + `"}`, 413, "too-large", "höchstens 1 MiB groß"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := anna.do("POST", "/api/v1/bookings", c.body).problem(t, c.status, c.typ)
			if !strings.Contains(p.Detail, c.detail) {
				t.Errorf("detail %q lacks %q", p.Detail, c.detail)
			}
		})
	}
	anna.do("POST", "/api/v1/bookings", `{}`, "Content-Type", "text/plain").problem(t, 415, "unsupported-media-type")
}

func TestPatchAndDeleteNeedTheCurrentVersion(t *testing.T) {
	e := newTestEnv(t)
	anna, bernd := e.login("anna"), e.login("bernd")
	b := anna.create(nil)
	path := "/api/v1/bookings/" + b.ID
	anna.do("PATCH", path, map[string]any{"title": "x"}).problem(t, 428, "precondition-required")
	anna.do("DELETE", path, nil).problem(t, 428, "precondition-required")

	r := bernd.do("PATCH", path, map[string]any{"title": "Hauptausschuss (verlegt)"}, "If-Match", `"1"`)
	if r.status != 200 || r.header.Get("ETag") != `"2"` {
		t.Fatalf("patch: %d %s", r.status, r.body)
	}
	// Anna still holds version 1: her edit must not overwrite Bernd's.
	anna.do("PATCH", path, map[string]any{"notes": "Beamer"}, "If-Match", `"1"`).problem(t, 412, "stale")
	anna.do("DELETE", path, nil, "If-Match", `"1"`).problem(t, 412, "stale")
	anna.do("PATCH", path, map[string]any{"end": "2026-12-01T15:00:00+01:00"}, "If-Match", `"2"`).problem(t, 422, "end-not-after-start")
	anna.do("PATCH", path, map[string]any{"room": "keller"}, "If-Match", `"2"`).problem(t, 422, "unknown-room")
	anna.do("PATCH", path, map[string]any{"version": 7}, "If-Match", `"2"`).problem(t, 400, "malformed-json")

	var got bookingView
	anna.do("GET", path, nil).json(t, &got)
	if got.Title != "Hauptausschuss (verlegt)" || got.Version != 2 || got.End != b.End {
		t.Fatalf("after refused edits: %+v", got)
	}
	r = anna.do("DELETE", path, nil, "If-Match", `"2"`)
	if r.status != 200 {
		t.Fatalf("delete: %d %s", r.status, r.body)
	}
	r.json(t, &got)
	if got.Status != "cancelled" {
		t.Fatalf("status %s", got.Status)
	}
	// The slot is free again.
	bernd.create(nil)
	e.anonymous().do("GET", "/api/v1/bookings/01ARZ3NDEKTSV4RRFFQ69G5FAV", nil).problem(t, 401, "unauthenticated")
	anna.do("GET", "/api/v1/bookings/01ARZ3NDEKTSV4RRFFQ69G5FAV", nil).problem(t, 404, "not-found")
	anna.do("GET", "/api/v1/bookings/not-an-id", nil).problem(t, 404, "not-found")
}

func TestPatchIntoAConflictChangesNothing(t *testing.T) {
	e := newTestEnv(t)
	anna := e.login("anna")
	a := anna.create(nil)
	b := anna.create(map[string]any{"title": "Jugendhilfeausschuss", "start": "2026-12-02T16:00:00+01:00", "end": "2026-12-02T18:00:00+01:00"})
	p := anna.do("PATCH", "/api/v1/bookings/"+b.ID, map[string]any{
		"start": "2026-12-01T17:00:00+01:00", "end": "2026-12-01T18:00:00+01:00",
	}, "If-Match", `"1"`).problem(t, 409, "conflict")
	if p.Conflicts[0].ID != a.ID {
		t.Fatalf("conflicts %+v", p.Conflicts)
	}
	var got bookingView
	anna.do("GET", "/api/v1/bookings/"+b.ID, nil).json(t, &got)
	if got.Version != 1 || got.StartLocal != "2026-12-02T16:00:00+01:00" {
		t.Fatalf("moved anyway: %+v", got)
	}
}

func TestConfidentialBookingsAreOnlyEditableByCreatorAndAdmin(t *testing.T) {
	e := newTestEnv(t)
	anna, bernd, admin := e.login("anna"), e.login("bernd"), e.login("admin")
	b := anna.create(map[string]any{"kind": "interview", "confidential": true, "room": "interviewraum",
		"start": "2026-12-01T10:00:00+01:00", "end": "2026-12-01T11:00:00+01:00"})
	path := "/api/v1/bookings/" + b.ID
	bernd.do("PATCH", path, map[string]any{"notes": "x"}, "If-Match", `"1"`).problem(t, 403, "forbidden")
	bernd.do("DELETE", path, nil, "If-Match", `"1"`).problem(t, 403, "forbidden")
	bernd.do("GET", path+"/history", nil).problem(t, 403, "forbidden")
	if r := admin.do("PATCH", path, map[string]any{"notes": "Raum lüften"}, "If-Match", `"1"`); r.status != 200 {
		t.Fatalf("admin patch: %d %s", r.status, r.body)
	}
}

func TestListBookingsFiltersAndPages(t *testing.T) {
	e := newTestEnv(t)
	anna := e.login("anna")
	var ids []string
	for _, day := range []int{1, 2, 3, 4, 7} { // 5 and 6 December are a weekend
		for _, room := range []string{"ratssaal", "sitzungszimmer-2"} {
			v := anna.create(map[string]any{"room": room,
				"start": fmt.Sprintf("2026-12-%02dT09:00:00+01:00", day), "end": fmt.Sprintf("2026-12-%02dT10:00:00+01:00", day)})
			if room == "ratssaal" {
				ids = append(ids, v.ID)
			}
		}
	}
	var seen []string
	next := "/api/v1/bookings?room=ratssaal&limit=2"
	for pages := 0; next != ""; pages++ {
		if pages > 5 {
			t.Fatal("pagination does not end")
		}
		r := anna.do("GET", next, nil)
		var p bookingPage
		r.json(t, &p)
		for _, b := range p.Bookings {
			seen = append(seen, b.ID)
		}
		next = ""
		if link := r.header.Get("Link"); link != "" {
			next = strings.TrimPrefix(strings.SplitN(link, ">", 2)[0], "<")
		}
	}
	if strings.Join(seen, ",") != strings.Join(ids, ",") {
		t.Fatalf("pages gave %v, want %v", seen, ids)
	}
	var window bookingPage
	anna.do("GET", "/api/v1/bookings?from=2026-12-02T00:00:00%2B01:00&to=2026-12-04T00:00:00%2B01:00&kind=committee", nil).json(t, &window)
	if len(window.Bookings) != 4 {
		t.Fatalf("window: %d bookings, want 4", len(window.Bookings))
	}
	anna.do("GET", "/api/v1/bookings?room=keller", nil).problem(t, 422, "unknown-room")
	anna.do("GET", "/api/v1/bookings?kind=party", nil).problem(t, 400, "bad-query")
	anna.do("GET", "/api/v1/bookings?from=yesterday", nil).problem(t, 400, "bad-query")
	anna.do("GET", "/api/v1/bookings?limit=100000", nil).problem(t, 400, "bad-query")
	anna.do("GET", "/api/v1/bookings?cursor=%21%21", nil).problem(t, 400, "bad-cursor")
}

func TestAvailabilityHonoursBuffersAndHours(t *testing.T) {
	e := newTestEnv(t)
	anna := e.login("anna")
	b := anna.create(nil)
	var out struct {
		Slots []slotView `json:"slots"`
	}
	r := anna.do("GET", "/api/v1/rooms/ratssaal/availability?from=2026-12-01T00:00:00%2B01:00&to=2026-12-02T00:00:00%2B01:00", nil)
	r.json(t, &out)
	var got []string
	for _, s := range out.Slots {
		got = append(got, fmt.Sprintf("%s %s-%s", s.State, s.StartLocal[11:16], s.EndLocal[11:16]))
	}
	want := []string{"closed 00:00-07:00", "free 07:00-15:30", "busy 15:30-19:15", "free 19:15-22:00", "closed 22:00-00:00"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("slots %v, want %v", got, want)
	}
	if out.Slots[2].Booking == nil || out.Slots[2].Booking.ID != b.ID {
		t.Fatalf("busy slot names %+v", out.Slots[2].Booking)
	}
	anna.do("GET", "/api/v1/rooms/keller/availability", nil).problem(t, 404, "unknown-room")
	anna.do("GET", "/api/v1/rooms/ratssaal/availability?from=2026-12-01T00:00:00Z&to=2027-06-01T00:00:00Z", nil).problem(t, 400, "bad-query")
}

func TestAvailabilityOnDSTDays(t *testing.T) {
	e := newTestEnv(t)
	e.now = time.Date(2027, 3, 1, 8, 0, 0, 0, time.UTC)
	anna := e.login("anna")
	// Saturday 27 March 2027 is an ordinary day; Sunday 28 March springs
	// forward, but the Ratssaal is closed on Sundays. Book the Saturday
	// evening and check a 23-hour window across the change.
	anna.create(map[string]any{"start": "2027-03-27T18:00:00+01:00", "end": "2027-03-27T21:00:00+01:00"})
	var out struct {
		Slots []slotView `json:"slots"`
	}
	anna.do("GET", "/api/v1/rooms/ratssaal/availability?from=2027-03-27T00:00:00%2B01:00&to=2027-03-29T00:00:00%2B02:00", nil).json(t, &out)
	var got []string
	for _, s := range out.Slots {
		got = append(got, fmt.Sprintf("%s %s-%s", s.State, s.StartLocal[8:16], s.EndLocal[8:16]))
	}
	want := []string{"closed 27T00:00-27T07:00", "free 27T07:00-27T17:30", "busy 27T17:30-27T21:15", "free 27T21:15-27T22:00", "closed 27T22:00-29T00:00"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("slots %v\nwant  %v", got, want)
	}
}

func TestConfidentialBookingMadeWithATokenStaysReadableByItsCreator(t *testing.T) {
	e := newTestEnv(t)
	bot, anna, bernd := e.token("anna"), e.login("anna"), e.login("bernd")
	v := bot.create(map[string]any{"kind": "interview", "confidential": true, "title": "Bewerbung Schulz"})
	if v.Redacted || v.Title != "Bewerbung Schulz" || v.CreatedBy != "anna" {
		t.Fatalf("creator's own view: %+v", v)
	}
	for _, c := range []*client{bot, anna} {
		var got bookingView
		c.do("GET", "/api/v1/bookings/"+v.ID, nil).json(t, &got)
		if got.Redacted {
			t.Fatal("the creator cannot read her booking")
		}
	}
	var other bookingView
	bernd.do("GET", "/api/v1/bookings/"+v.ID, nil).json(t, &other)
	if !other.Redacted {
		t.Fatal("another secretary reads a confidential booking")
	}
	var hist struct {
		History []struct{ Actor string } `json:"history"`
	}
	anna.do("GET", "/api/v1/bookings/"+v.ID+"/history", nil).json(t, &hist)
	if len(hist.History) == 0 || hist.History[0].Actor != "anna (token)" {
		t.Fatalf("audit actor: %+v", hist)
	}
}

func TestARunningMeetingCanBeExtendedButNotMovedIntoThePast(t *testing.T) {
	e := newTestEnv(t)
	b := e.login("anna").create(nil) // 1 Dec 16:00–19:00
	e.now = time.Date(2026, 12, 1, 16, 30, 0, 0, time.FixedZone("CET", 3600))
	anna := e.login("anna")
	r := anna.do("PATCH", "/api/v1/bookings/"+b.ID, map[string]any{"end": "2026-12-01T20:00:00+01:00"}, "If-Match", `"1"`)
	if r.status != 200 {
		t.Fatalf("extending a running meeting: %d %s", r.status, r.body)
	}
	anna.do("PATCH", "/api/v1/bookings/"+b.ID, map[string]any{"start": "2026-12-01T15:00:00+01:00"}, "If-Match", `"2"`).
		problem(t, 422, "in-the-past")
}

func TestKindFilterDoesNotRevealConfidentialBookings(t *testing.T) {
	e := newTestEnv(t)
	e.login("anna").create(map[string]any{"kind": "interview", "confidential": true, "room": "interviewraum",
		"start": "2026-12-01T10:00:00+01:00", "end": "2026-12-01T11:00:00+01:00"})
	var page bookingPage
	e.login("bernd").do("GET", "/api/v1/bookings?kind=interview", nil).json(t, &page)
	if len(page.Bookings) != 0 {
		t.Fatalf("kind=interview shows bernd %d confidential bookings", len(page.Bookings))
	}
	e.login("anna").do("GET", "/api/v1/bookings?kind=interview", nil).json(t, &page)
	if len(page.Bookings) != 1 {
		t.Fatalf("anna sees %d of her interviews", len(page.Bookings))
	}
}
