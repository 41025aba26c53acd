package web

import (
	"bufio"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kogge-project/kogge/daemon/config"
	"github.com/kogge-project/kogge/rooms"
)

// pairing is the panel side of pairing over HTTP.
type pairing struct {
	ID     string `json:"id"`
	Code   string `json:"code"`
	Secret string `json:"secret"`
}

func (e *testEnv) startPairing() pairing {
	e.t.Helper()
	r := e.anonymous().do("POST", "/api/v1/panels/pairings", nil)
	if r.status != http.StatusCreated {
		e.t.Fatalf("pairing: %d %s", r.status, r.body)
	}
	var p pairing
	r.json(e.t, &p)
	return p
}

func TestPanelPairingAndRevocation(t *testing.T) {
	e := newTestEnv(t)
	p := e.startPairing()
	if len(p.Code) != 6 || strings.Trim(p.Code, "0123456789") != "" || p.Secret == "" {
		t.Fatalf("pairing %+v", p)
	}
	anon := e.anonymous()
	poll := func() response {
		return anon.do("GET", "/api/v1/panels/pairings/"+p.ID, nil, pairingSecretHeader, p.Secret)
	}
	// Before approval: pending, and no cookie.
	r := poll()
	if r.status != 200 || !strings.Contains(string(r.body), `"pending"`) || r.header.Get("Set-Cookie") != "" {
		t.Fatalf("poll before approval: %d %s", r.status, r.body)
	}
	anon.do("GET", "/api/v1/panels/pairings/"+p.ID, nil, pairingSecretHeader, "guess").problem(t, 404, "no-such-pairing")

	// Admins see the code; only an admin's session approves it.
	var list struct {
		Pairings []struct{ Code string } `json:"pairings"`
	}
	e.login("admin").do("GET", "/api/v1/panels/pairings", nil).json(t, &list)
	if len(list.Pairings) != 1 || list.Pairings[0].Code != p.Code {
		t.Fatalf("pairings %+v", list)
	}
	approve := map[string]any{"code": p.Code, "room": "sitzungszimmer-2", "name": "Tür SZ2"}
	e.login("bernd").do("POST", "/api/v1/panels/pairings/approve", approve).problem(t, 403, "forbidden")
	e.token("admin").do("POST", "/api/v1/panels/pairings/approve", approve).problem(t, 403, "forbidden")
	admin := e.login("admin")
	admin.do("POST", "/api/v1/panels/pairings/approve", map[string]any{"code": p.Code, "room": "keller", "name": "x"}).problem(t, 422, "unknown-room")
	if r := admin.do("POST", "/api/v1/panels/pairings/approve", approve); r.status != http.StatusCreated {
		t.Fatalf("approve: %d %s", r.status, r.body)
	}

	// The next poll hands the token over once, as a strict HttpOnly cookie.
	r = poll()
	var paired struct{ Status, Location string }
	r.json(t, &paired)
	if r.status != 200 || paired.Status != "paired" || paired.Location != "/panel/sitzungszimmer-2" {
		t.Fatalf("poll after approval: %d %s", r.status, r.body)
	}
	resp := &http.Response{Header: r.header}
	cks := resp.Cookies()
	if len(cks) != 1 || cks[0].Name != panelCookie || !cks[0].HttpOnly || cks[0].SameSite != http.SameSiteStrictMode || cks[0].MaxAge < 300*24*3600 {
		t.Fatalf("cookie %+v", cks)
	}
	poll().problem(t, 404, "no-such-pairing")
	panel := &client{e: e, cookie: cks[0]}
	if r := panel.do("GET", "/api/v1/panel/sitzungszimmer-2/state", nil); r.status != 200 {
		t.Fatalf("state: %d %s", r.status, r.body)
	}
	panel.do("GET", "/api/v1/panel/ratssaal/state", nil).problem(t, 403, "forbidden")
	panel.do("GET", "/api/v1/bookings", nil).problem(t, 403, "forbidden")

	var panels struct {
		Panels []struct{ ID, Name, Room string } `json:"panels"`
	}
	admin.do("GET", "/api/v1/panels", nil).json(t, &panels)
	if len(panels.Panels) != 1 || panels.Panels[0].Room != "sitzungszimmer-2" {
		t.Fatalf("panels %+v", panels)
	}

	// An open event stream ends when the panel is revoked.
	req, _ := http.NewRequest("GET", e.srv.URL+"/api/v1/panel/sitzungszimmer-2/events", nil)
	req.AddCookie(cks[0])
	stream, err := e.srv.Client().Do(req)
	if err != nil || stream.StatusCode != 200 {
		t.Fatalf("events: %v %v", err, stream)
	}
	defer stream.Body.Close()
	rd := bufio.NewReader(stream.Body)
	if _, err := rd.ReadString('\n'); err != nil {
		t.Fatal(err)
	}
	ended := make(chan struct{})
	go func() {
		for {
			if _, err := rd.ReadString('\n'); err != nil {
				close(ended)
				return
			}
		}
	}()
	if r := admin.do("DELETE", "/api/v1/panels/"+panels.Panels[0].ID, nil); r.status != http.StatusNoContent {
		t.Fatalf("revoke: %d %s", r.status, r.body)
	}
	select {
	case <-ended:
	case <-time.After(5 * time.Second): // a failure bound, not a wait
		t.Fatal("the revoked panel's event stream is still open")
	}
	panel.do("GET", "/api/v1/panel/sitzungszimmer-2/state", nil).problem(t, 401, "unauthenticated")
	admin.do("DELETE", "/api/v1/panels/"+panels.Panels[0].ID, nil).problem(t, 404, "no-such-panel")
}

type panelStateView struct {
	Current *struct {
		ID, Title      string
		Status         string
		End            time.Time
		Redacted       bool
		CheckinAllowed bool `json:"checkin_allowed"`
		CheckinDue     bool `json:"checkin_due"`
	}
	Next *struct {
		ID, Title, Kind string
		Redacted        bool
	}
	BookNow []int `json:"book_now"`
	Closed  *struct {
		Until        *time.Time
		UntilLocal   string `json:"until_local"`
		ReopensToday bool   `json:"reopens_today"`
		Reason       string
	}
	Scenes  []string `json:"scenes"`
	Devices []struct{ ID, Health string }
	Camera  *struct{ Presets []int }
	Mic     *struct{ Muted *bool }
}

// TestPanelStateSaysWhenTheRoomIsClosed: on a closure from the
// configuration and outside the room's bookable days and hours the state
// says the room is closed and until when, and offers no "book now".
func TestPanelStateSaysWhenTheRoomIsClosed(t *testing.T) {
	e := newTestEnv(t)
	closures := config.Demo(t.TempDir()).ClosureList() // Christmas: 24–26 December 2026
	e.server.closures = func() []rooms.Closure { return closures }
	panel := e.panel("sitzungszimmer-2", "Tür SZ2") // Monday to Friday, 07:00–20:00
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, now string
		until     string // local; "" if open
		today     bool
		reason    string
	}{
		{"open", "2026-11-26 09:00", "", false, ""},
		{"before hours", "2026-11-26 06:30", "2026-11-26T07:00:00+01:00", true, ""},
		{"after hours", "2026-11-26 20:30", "2026-11-27T07:00:00+01:00", false, ""},
		{"saturday", "2026-11-28 10:00", "2026-11-30T07:00:00+01:00", false, ""},
		// Christmas Eve is a Thursday; the 27th a Sunday.
		{"christmas", "2026-12-24 10:00", "2026-12-28T07:00:00+01:00", false, "Weihnachten"},
	} {
		now, err := time.ParseInLocation("2006-01-02 15:04", c.now, berlin)
		if err != nil {
			t.Fatal(err)
		}
		e.now = now
		var st panelStateView
		if r := panel.do("GET", "/api/v1/panel/sitzungszimmer-2/state", nil); r.status != 200 {
			t.Fatalf("%s: %d %s", c.name, r.status, r.body)
		} else {
			r.json(t, &st)
		}
		if c.until == "" {
			if st.Closed != nil || len(st.BookNow) == 0 {
				t.Errorf("%s: closed %+v, book now %v", c.name, st.Closed, st.BookNow)
			}
			continue
		}
		if st.Closed == nil {
			t.Errorf("%s: not closed", c.name)
			continue
		}
		want, _ := time.Parse(time.RFC3339, c.until)
		if st.Closed.UntilLocal != c.until || st.Closed.Until == nil || !st.Closed.Until.Equal(want) ||
			st.Closed.ReopensToday != c.today || st.Closed.Reason != c.reason || len(st.BookNow) != 0 {
			t.Errorf("%s: closed %+v (until %v), book now %v", c.name, st.Closed, st.Closed.Until, st.BookNow)
		}
		panel.do("POST", "/api/v1/panel/sitzungszimmer-2/book-now", map[string]int{"minutes": 15}).problem(t, 409, "closed")
	}
}

func TestPanelActions(t *testing.T) {
	e := newTestEnv(t)
	e.withDemoDevices()
	bernd := e.login("bernd")
	// Now is 09:00: a meeting runs until 10:00; a confidential interview follows.
	b := bernd.create(map[string]any{"room": "sitzungszimmer-2", "title": "Teamrunde", "kind": "meeting",
		"start": "2026-11-26T09:00:00+01:00", "end": "2026-11-26T10:00:00+01:00"})
	bernd.create(map[string]any{"room": "sitzungszimmer-2", "title": "Bewerbung Müller", "kind": "interview", "confidential": true,
		"start": "2026-11-26T11:00:00+01:00", "end": "2026-11-26T12:00:00+01:00"})
	panel := e.panel("sitzungszimmer-2", "Tür SZ2")
	state := func(r response, status int) panelStateView {
		t.Helper()
		if r.status != status {
			t.Fatalf("%d, want %d: %s", r.status, status, r.body)
		}
		var v panelStateView
		r.json(t, &v)
		return v
	}
	base := "/api/v1/panel/sitzungszimmer-2/"
	st := state(panel.do("GET", base+"state", nil), 200)
	if st.Current == nil || st.Current.ID != b.ID || !st.Current.CheckinDue || st.Next == nil || !st.Next.Redacted || st.Next.Title != "" || st.Next.Kind != "" {
		t.Fatalf("state %+v", st)
	}
	if len(st.Scenes) != 2 || len(st.Devices) != 1 || st.Camera != nil || st.Mic != nil || len(st.BookNow) != 0 {
		t.Fatalf("av %+v", st)
	}
	st = state(panel.do("POST", base+"checkin", nil), 200)
	if st.Current.Status != "checked_in" {
		t.Fatalf("checkin %+v", st.Current)
	}
	st = state(panel.do("POST", base+"extend", map[string]int{"minutes": 15}), 200)
	if !st.Current.End.Equal(time.Date(2026, 11, 26, 9, 15, 0, 0, time.UTC)) {
		t.Fatalf("extend: end %v", st.Current.End)
	}
	st = state(panel.do("POST", base+"end", nil), 200)
	if st.Current != nil {
		t.Fatalf("end: %+v", st.Current)
	}
	panel.do("POST", base+"end", nil).problem(t, 409, "wrong-state")
	// The ended meeting's teardown (10 min) keeps the room until 09:11.
	pr := panel.do("POST", base+"book-now", map[string]int{"minutes": 15}).problem(t, 409, "conflict")
	if !strings.Contains(pr.Detail, "bis 09:11 Uhr") {
		t.Fatalf("conflict detail %q", pr.Detail)
	}
	e.now = e.now.Add(15 * time.Minute)
	// At 09:15, 60 minutes do not fit before a meeting at 09:50 (setup from 09:35).
	bernd.create(map[string]any{"room": "sitzungszimmer-2", "title": "Kurz", "start": "2026-11-26T09:50:00+01:00", "end": "2026-11-26T10:20:00+01:00"})
	pr = panel.do("POST", base+"book-now", map[string]int{"minutes": 60}).problem(t, 409, "conflict")
	if !strings.Contains(pr.Detail, "nicht für 60 Minuten frei: Ab 09:35 Uhr") {
		t.Fatalf("conflict detail %q", pr.Detail)
	}
	panel.do("POST", base+"book-now", map[string]int{"minutes": 45}).problem(t, 422, "invalid-field")
	st = state(panel.do("POST", base+"book-now", map[string]int{"minutes": 15}), 201)
	if st.Current == nil || st.Current.Status != "checked_in" {
		t.Fatalf("book now: %+v", st.Current)
	}
	var hist struct {
		Entries []struct{ Actor string } `json:"history"`
	}
	bernd.do("GET", "/api/v1/bookings/"+b.ID+"/history", nil).json(t, &hist)
	if len(hist.Entries) == 0 || !strings.HasPrefix(hist.Entries[len(hist.Entries)-1].Actor, "panel:Tür SZ2 (") {
		t.Fatalf("history %+v", hist)
	}

	// The Ratssaal's panel has scenes, camera presets and the mic mute.
	rp := e.panel("ratssaal", "Tür Ratssaal")
	st = state(rp.do("GET", "/api/v1/panel/ratssaal/state", nil), 200)
	// The mute button shows what the DSP reports: unmuted.
	// Presets: the seats' (the camera follows the discussion system) and
	// the default.
	if st.Camera == nil || len(st.Camera.Presets) != 7 || st.Mic == nil || st.Mic.Muted == nil || *st.Mic.Muted {
		t.Fatalf("ratssaal av %+v %+v", st.Camera, st.Mic)
	}
	if r := rp.do("POST", "/api/v1/panel/ratssaal/scenes/hybrid", nil); r.status != 202 {
		t.Fatalf("scene: %d %s", r.status, r.body)
	}
	if r := rp.do("POST", "/api/v1/panel/ratssaal/camera/preset", map[string]int{"preset": 2}); r.status != 200 {
		t.Fatalf("preset: %d %s", r.status, r.body)
	}
	rp.do("POST", "/api/v1/panel/ratssaal/camera/preset", map[string]int{"preset": 9}).problem(t, 422, "invalid-command")
	if r := rp.do("POST", "/api/v1/panel/ratssaal/mute", map[string]bool{"mute": true}); r.status != 200 {
		t.Fatalf("mute: %d %s", r.status, r.body)
	}
	st = state(rp.do("GET", "/api/v1/panel/ratssaal/state", nil), 200)
	if st.Mic.Muted == nil || !*st.Mic.Muted {
		t.Fatalf("mic %+v", st.Mic)
	}
	// Staff may use any room's panel API; the room's panel only its own.
	if r := bernd.do("GET", "/api/v1/panel/ratssaal/state", nil); r.status != 200 {
		t.Fatalf("staff state: %d", r.status)
	}
	rp.do("POST", base+"checkin", nil).problem(t, 403, "forbidden")
}
