package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kogge-project/kogge/rooms"
	"github.com/kogge-project/kogge/signaling"
	"github.com/kogge-project/kogge/signaling/admission"
)

// tokenOf is the token part of a join URL.
func tokenOf(t *testing.T, url string) string {
	t.Helper()
	i := strings.LastIndex(url, "/j/")
	if i < 0 {
		t.Fatalf("%q is no join link", url)
	}
	return url[i+3:]
}

func (e *testEnv) joinView(c *client, id string) joinView {
	e.t.Helper()
	r := c.do("GET", "/api/v1/bookings/"+id+"/join", nil)
	if r.status != http.StatusOK {
		e.t.Fatalf("join settings: %d %s", r.status, r.body)
	}
	var v joinView
	r.json(e.t, &v)
	return v
}

// authorize is what the hub asks when a browser says hello.
func (e *testEnv) authorize(token, pin string) (signaling.Ticket, string) {
	e.t.Helper()
	return e.authorizeFrom(token, pin, "192.0.2.9:4000")
}

func (e *testEnv) authorizeFrom(token, pin, remote string) (signaling.Ticket, string) {
	e.t.Helper()
	t, err := e.server.joins.Authorize(context.Background(), signaling.JoinRequest{Token: token, PIN: pin, RemoteAddr: remote})
	var ref *signaling.Refusal
	switch {
	case err == nil:
		return t, ""
	case errors.As(err, &ref):
		return t, ref.Reason
	}
	e.t.Fatalf("authorize: %v", err)
	return t, ""
}

func at(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestJoinLinksOpenCloseRotateAndPIN(t *testing.T) {
	e := newTestEnv(t)
	anna, anon := e.token("anna"), e.anonymous()
	plain := anna.create(nil)
	anna.do("GET", "/api/v1/bookings/"+plain.ID+"/join", nil).problem(t, 409, "not-hybrid")

	b := anna.create(map[string]any{"hybrid": map[string]any{"enabled": true, "expected_remote": 6}, "start": "2026-12-02T16:00:00+01:00", "end": "2026-12-02T19:00:00+01:00"})
	v := e.joinView(anna, b.ID)
	if v.Lobby || v.LobbySetting != "default" || v.GuestPIN != "" || len(v.Candidates) != 0 {
		t.Fatalf("a committee meeting's defaults: %+v", v)
	}
	if !strings.HasPrefix(v.HostURL, e.publicURL+"/j/") || v.HostURL == v.GuestURL {
		t.Fatalf("links %q %q", v.HostURL, v.GuestURL)
	}
	if want := at(t, "2026-12-02T14:45:00Z"); !v.Opens.Equal(want) {
		t.Fatalf("opens %s, want the prep instant %s", v.Opens, want)
	}
	guest, host := tokenOf(t, v.GuestURL), tokenOf(t, v.HostURL)

	// Before the prep instant: the page says when; the hub refuses.
	r := anon.do("GET", "/j/"+guest, nil)
	if r.status != 200 || !strings.Contains(string(r.body), `data-state="not_open"`) || !strings.Contains(string(r.body), `data-opens="2026-12-02T14:45:00Z"`) {
		t.Fatalf("early page: %d %s", r.status, r.body)
	}
	// The server's clock beside it: the page opens itself by that one.
	if want := `data-now="` + e.now.UTC().Format(time.RFC3339) + `"`; !strings.Contains(string(r.body), want) {
		t.Fatalf("early page lacks %s", want)
	}
	if r.header.Get("Cache-Control") != "no-store" || r.header.Get("Referrer-Policy") != "no-referrer" {
		t.Fatalf("headers %v", r.header)
	}
	if _, why := e.authorize(guest, ""); why != signaling.ReasonNotOpen {
		t.Fatalf("early join: %q", why)
	}

	e.now = at(t, "2026-12-02T15:05:00Z")
	r = anon.do("GET", "/j/"+guest, nil)
	if r.status != 200 || !strings.Contains(string(r.body), `data-state="open"`) || !strings.Contains(string(r.body), "Hauptausschuss") {
		t.Fatalf("open page: %d %s", r.status, r.body)
	}
	tk, why := e.authorize(guest, "")
	if why != "" || tk.Role != signaling.RoleGuest || tk.Meeting.ID != b.ID || tk.Meeting.Lobby || tk.Meeting.Limit != 25 ||
		!tk.Meeting.Closes.Equal(at(t, "2026-12-02T18:15:00Z")) {
		t.Fatalf("guest ticket %+v %q", tk, why)
	}
	if tk, _ := e.authorize(host, ""); tk.Role != signaling.RoleHost {
		t.Fatalf("host ticket %+v", tk)
	}
	for _, forged := range []string{guest[:len(guest)-1] + "A", guest + "x", "", strings.ToUpper(guest)} {
		if forged == guest {
			continue
		}
		if _, why := e.authorize(forged, ""); why != signaling.ReasonInvalidToken {
			t.Errorf("forged %q: %q", forged, why)
		}
	}

	// Rotation: the old guest link stops at once, the host link stays.
	r = anna.do("POST", "/api/v1/bookings/"+b.ID+"/join/rotate", map[string]any{"link": "guest"})
	var rotated joinView
	r.json(t, &rotated)
	if r.status != 200 || rotated.GuestURL == v.GuestURL || rotated.HostURL != v.HostURL {
		t.Fatalf("rotate: %d %s", r.status, r.body)
	}
	if _, why := e.authorize(guest, ""); why != signaling.ReasonInvalidToken {
		t.Fatalf("rotated-out link: %q", why)
	}
	if r := anon.do("GET", "/j/"+guest, nil); r.status != 404 || !strings.Contains(string(r.body), `data-state="invalid_token"`) {
		t.Fatalf("rotated-out page: %d", r.status)
	}
	guest = tokenOf(t, rotated.GuestURL)
	anna.do("POST", "/api/v1/bookings/"+b.ID+"/join/rotate", map[string]any{"link": "everyone"}).problem(t, 422, "invalid-join-settings")

	// A guest PIN: required, compared, limited per booking, audited
	// without its digits.
	anna.do("PATCH", "/api/v1/bookings/"+b.ID+"/join", map[string]any{"guest_pin": "12ab"}).problem(t, 422, "invalid-join-settings")
	if r := anna.do("PATCH", "/api/v1/bookings/"+b.ID+"/join", map[string]any{"guest_pin": "24682468"}); r.status != 200 {
		t.Fatalf("set pin: %d %s", r.status, r.body)
	}
	if r := anon.do("GET", "/j/"+guest, nil); !strings.Contains(string(r.body), `data-pin="true"`) {
		t.Fatal("the page does not ask for the PIN")
	}
	if _, why := e.authorize(guest, ""); why != signaling.ReasonPINRequired {
		t.Fatalf("no pin: %q", why)
	}
	if _, why := e.authorize(guest, "24682468"); why != "" {
		t.Fatalf("right pin: %q", why)
	}
	if _, why := e.authorize(host, ""); why != "" {
		t.Fatalf("hosts need no PIN: %q", why)
	}
	for i := range admission.PINBurst {
		if _, why := e.authorize(guest, "11111111"); why != signaling.ReasonPINWrong {
			t.Fatalf("wrong pin %d: %q", i, why)
		}
	}
	if _, why := e.authorize(guest, "24682468"); why != signaling.ReasonRateLimited {
		t.Fatalf("after %d wrong PINs the guesser's network waits, even with the right one: %q", admission.PINBurst, why)
	}
	if _, why := e.authorizeFrom(guest, "24682468", "192.0.2.200:5000"); why != signaling.ReasonRateLimited {
		t.Fatalf("the same /24: %q", why)
	}
	if _, why := e.authorizeFrom(guest, "24682468", "198.51.100.7:5000"); why != "" {
		t.Fatalf("a guest elsewhere is not locked out by the guesser: %q", why)
	}
	e.now = e.now.Add(admission.PINEvery)
	if _, why := e.authorize(guest, "24682468"); why != "" {
		t.Fatalf("a minute later: %q", why)
	}
	hist := anna.do("GET", "/api/v1/bookings/"+b.ID+"/history", nil)
	if strings.Count(string(hist.body), "join.pin_wrong") != admission.PINBurst || strings.Contains(string(hist.body), "24682468") || strings.Contains(string(hist.body), "11111111") {
		t.Fatalf("history: %s", hist.body)
	}

	// The lobby setting; past the end plus grace it is over.
	r = anna.do("PATCH", "/api/v1/bookings/"+b.ID+"/join", map[string]any{"lobby": "on"})
	if r.json(t, &v); !v.Lobby || v.LobbySetting != "on" {
		t.Fatalf("lobby on: %s", r.body)
	}
	if tk, _ := e.authorize(host, ""); !tk.Meeting.Lobby {
		t.Fatal("the ticket ignores the lobby setting")
	}
	e.now = at(t, "2026-12-02T18:15:00Z")
	if _, why := e.authorize(host, ""); why != signaling.ReasonEnded {
		t.Fatalf("after end and grace: %q", why)
	}
	if r := anon.do("GET", "/j/"+tokenOf(t, v.HostURL), nil); r.status != 410 || !strings.Contains(string(r.body), `data-state="ended"`) {
		t.Fatalf("ended page: %d", r.status)
	}
}

// TestPINGuessersCannotLockTheMeeting is the PIN lockout attack: wrong PINs
// from 10 networks (five each, all they may) meet the booking's ceiling;
// the right PIN from an 11th network still gets in, at most a few seconds
// later. Before: rate_limited for everyone.
func TestPINGuessersCannotLockTheMeeting(t *testing.T) {
	e := newTestEnv(t)
	anna := e.token("anna")
	b := anna.create(map[string]any{"hybrid": map[string]any{"enabled": true, "expected_remote": 6}, "start": "2026-12-02T16:00:00+01:00", "end": "2026-12-02T19:00:00+01:00"})
	if r := anna.do("PATCH", "/api/v1/bookings/"+b.ID+"/join", map[string]any{"guest_pin": "4"}); r.status != 422 {
		t.Fatalf("a one-digit PIN: %d", r.status)
	}
	if r := anna.do("PATCH", "/api/v1/bookings/"+b.ID+"/join", map[string]any{"guest_pin": "2468"}); r.status != 422 {
		t.Fatalf("a new four-digit PIN: %d", r.status)
	}
	if r := anna.do("PATCH", "/api/v1/bookings/"+b.ID+"/join", map[string]any{"guest_pin": "24680135"}); r.status != 200 {
		t.Fatalf("set pin: %d %s", r.status, r.body)
	}
	guest := tokenOf(t, e.joinView(anna, b.ID).GuestURL)
	e.now = at(t, "2026-12-02T15:05:00Z")
	wrong := 0
	for n := range 10 {
		for range 2 * admission.PINBurst {
			switch _, why := e.authorizeFrom(guest, "11111111", fmt.Sprintf("203.0.%d.9:4000", 100+n)); why {
			case signaling.ReasonPINWrong:
				wrong++
			case signaling.ReasonRateLimited:
			default:
				t.Fatalf("a wrong PIN: %q", why)
			}
		}
	}
	if wrong != 10*admission.PINBurst {
		t.Fatalf("%d wrong PINs checked, want %d", wrong, 10*admission.PINBurst)
	}
	if _, why := e.authorizeFrom(guest, "24680135", "198.51.100.7:5000"); why != "" {
		t.Fatalf("the right PIN from an 11th network: %q", why)
	}
	if len(e.pinWaits) != 1 || e.pinWaits[0] <= 0 {
		t.Fatalf("the booking's ceiling should delay the right PIN once, briefly: %v", e.pinWaits)
	}
	// An IPv6 guesser counts by its /56: rotating through its /64s
	// gives it no more tries.
	for i := range 2 * admission.PINBurst {
		e.authorizeFrom(guest, "11111111", fmt.Sprintf("[2001:db8:1:%x::1]:443", i))
	}
	if _, why := e.authorizeFrom(guest, "24680135", "[2001:db8:1:ff::2]:443"); why != signaling.ReasonRateLimited {
		t.Fatalf("the guesser's /56: %q", why)
	}
	if _, why := e.authorizeFrom(guest, "24680135", "[2001:db8:2::2]:443"); why != "" {
		t.Fatalf("another /56: %q", why)
	}
	for _, d := range e.pinWaits {
		if d > admission.PINMaxWait {
			t.Fatalf("a check waited %v, more than %v", d, admission.PINMaxWait)
		}
	}
}

func TestJoinLinksOfCancelledAndConfidentialBookings(t *testing.T) {
	e := newTestEnv(t)
	anna, bernd := e.token("anna"), e.token("bernd")
	hybrid := map[string]any{"enabled": true, "expected_remote": 2}
	b := anna.create(map[string]any{"hybrid": hybrid})
	v := e.joinView(anna, b.ID)
	e.now = at(t, "2026-12-01T15:00:00Z")
	if _, why := e.authorize(tokenOf(t, v.GuestURL), ""); why != "" {
		t.Fatalf("open: %q", why)
	}
	if r := anna.do("DELETE", "/api/v1/bookings/"+b.ID, nil, "If-Match", `"1"`); r.status != 200 && r.status != 204 {
		t.Fatalf("cancel: %d %s", r.status, r.body)
	}
	if _, why := e.authorize(tokenOf(t, v.GuestURL), ""); why != signaling.ReasonEnded {
		t.Fatalf("cancelled: %q", why)
	}

	secret := bernd.create(map[string]any{"hybrid": hybrid, "confidential": true, "title": "Personalsache Müller", "start": "2026-12-04T10:00:00+01:00", "end": "2026-12-04T11:00:00+01:00"})
	anna.do("GET", "/api/v1/bookings/"+secret.ID+"/join", nil).problem(t, 403, "forbidden")
	anna.do("POST", "/api/v1/bookings/"+secret.ID+"/join/rotate", map[string]any{"link": "guest"}).problem(t, 403, "forbidden")
	sv := e.joinView(bernd, secret.ID)
	bernd.do("PATCH", "/api/v1/bookings/"+secret.ID+"/join", map[string]any{"lobby": "off"}).problem(t, 422, "invalid-join-settings")
	e.now = at(t, "2026-12-04T09:00:00Z")
	page := e.anonymous().do("GET", "/j/"+tokenOf(t, sv.GuestURL), nil)
	if strings.Contains(string(page.body), "Müller") {
		t.Fatal("the join page shows a confidential title")
	}
	if tk, _ := e.authorize(tokenOf(t, sv.GuestURL), ""); tk.Meeting.Title != "" || !tk.Meeting.Lobby {
		t.Fatalf("confidential ticket %+v", tk.Meeting)
	}
}

func TestInterviewCandidatesHaveTheirOwnSlots(t *testing.T) {
	e := newTestEnv(t)
	anna := e.token("anna")
	hybrid := map[string]any{"enabled": true, "expected_remote": 1}
	committee := anna.create(map[string]any{"hybrid": hybrid})
	anna.do("POST", "/api/v1/bookings/"+committee.ID+"/candidates", map[string]any{"label": "A", "start": "2026-12-01T15:00:00Z", "end": "2026-12-01T15:30:00Z"}).problem(t, 422, "invalid-join-settings")

	iv := anna.create(map[string]any{"hybrid": hybrid, "kind": "interview", "room": "interviewraum", "title": "Stelle 2026-17",
		"start": "2026-12-03T10:00:00+01:00", "end": "2026-12-03T12:00:00+01:00"})
	add := func(label, start, end string) response {
		return anna.do("POST", "/api/v1/bookings/"+iv.ID+"/candidates", map[string]any{"label": label, "start": start, "end": end})
	}
	if r := add("Bewerbung 1", "2026-12-03T09:00:00Z", "2026-12-03T09:45:00Z"); r.status != 201 {
		t.Fatalf("first candidate: %d %s", r.status, r.body)
	}
	r := add("Bewerbung 2", "2026-12-03T09:45:00Z", "2026-12-03T10:30:00Z")
	var v joinView
	r.json(t, &v)
	if r.status != 201 || len(v.Candidates) != 2 || v.Candidates[1].ID != 2 || !v.Lobby {
		t.Fatalf("second candidate: %d %s", r.status, r.body)
	}
	add("Überlappt", "2026-12-03T09:30:00Z", "2026-12-03T10:00:00Z").problem(t, 422, "invalid-join-settings")
	add("Zu spät", "2026-12-03T10:30:00Z", "2026-12-03T11:30:00Z").problem(t, 422, "invalid-join-settings")
	add("", "2026-12-03T10:30:00Z", "2026-12-03T10:45:00Z").problem(t, 422, "invalid-join-settings")

	first, second := tokenOf(t, v.Candidates[0].URL), tokenOf(t, v.Candidates[1].URL)
	e.now = at(t, "2026-12-03T09:10:00Z")
	if _, why := e.authorize(second, ""); why != signaling.ReasonNotOpen {
		t.Fatalf("second candidate during the first slot: %q", why)
	}
	tk, why := e.authorize(first, "")
	if why != "" || tk.Candidate != "Bewerbung 1" || !tk.Meeting.Lobby || tk.Meeting.Title != "" {
		t.Fatalf("first candidate: %+v %q", tk, why)
	}
	e.now = at(t, "2026-12-03T09:50:00Z")
	if _, why := e.authorize(first, ""); why != signaling.ReasonEnded {
		t.Fatalf("first candidate after the slot: %q", why)
	}
	if _, why := e.authorize(second, ""); why != "" {
		t.Fatalf("second candidate in the slot: %q", why)
	}
	if r := anna.do("DELETE", "/api/v1/bookings/"+iv.ID+"/candidates/2", nil); r.status != 200 {
		t.Fatalf("delete candidate: %d %s", r.status, r.body)
	}
	if _, why := e.authorize(second, ""); why != signaling.ReasonInvalidToken {
		t.Fatalf("deleted candidate: %q", why)
	}
	anna.do("DELETE", "/api/v1/bookings/"+iv.ID+"/candidates/2", nil).problem(t, 404, "no-such-candidate")
}

func TestJoinPageShowsHostileTitlesAsText(t *testing.T) {
	e := newTestEnv(t)
	anna := e.token("anna")
	hostile := `<img src=x onerror="alert(1)"><script>alert(2)</script>`
	b := anna.create(map[string]any{"title": hostile, "hybrid": map[string]any{"enabled": true, "expected_remote": 1}})
	v := e.joinView(anna, b.ID)
	e.now = at(t, "2026-12-01T15:00:00Z")
	body := string(e.anonymous().do("GET", "/j/"+tokenOf(t, v.GuestURL), nil).body)
	if strings.Contains(body, "<img src=x") || strings.Contains(body, "<script>alert") || !strings.Contains(body, "&lt;img src=x") {
		t.Fatalf("title not escaped:\n%s", body)
	}
}

// A meeting handed to an outside provider: the link sent out stays the
// same and leads there (the page redirects, the WebSocket says where).
func TestJoinLinkRedirectsToAnExternalProvider(t *testing.T) {
	e := newTestEnv(t)
	anna := e.token("anna")
	b := anna.create(map[string]any{"hybrid": map[string]any{"enabled": true, "expected_remote": 4}})
	v := e.joinView(anna, b.ID)
	e.server.joins.SetExternal(func(x rooms.Booking, host bool) (string, bool) {
		if x.ID != b.ID {
			return "", false
		}
		if host {
			return "https://pexip.example/webapp/m/host", false
		}
		return "https://pexip.example/webapp/m/guest", false
	})
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := noFollow.Get(v.GuestURL)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "https://pexip.example/webapp/m/guest" {
		t.Fatalf("guest link: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	if _, why := e.authorize(tokenOf(t, v.HostURL), ""); why != signaling.ReasonExternal {
		t.Fatalf("hello with a handed-off meeting: %q", why)
	}
}
