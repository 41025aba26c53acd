package web

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kogge-project/kogge/daemon/backends"
	"github.com/kogge-project/kogge/daemon/config"
	"github.com/kogge-project/kogge/daemon/demo"
	"github.com/kogge-project/kogge/rooms"
	"github.com/kogge-project/kogge/rooms/accounts"
	"github.com/kogge-project/kogge/rooms/council"
	"github.com/kogge-project/kogge/rooms/store"
	"github.com/kogge-project/kogge/rooms/timeline"
	"github.com/kogge-project/kogge/signaling/admission"
	"github.com/kogge-project/kogge/signaling/meetings"
)

// testNow is the fixed clock of API tests: Thursday 26 November 2026, 09:00 in Berlin.
var testNow = time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)

var tinyArgon2 = accounts.Argon2Params{Time: 1, Memory: 64, Threads: 1, KeyLen: 32}

const testPassword = "correct horse battery"

// testEnv is one in-process Kogge: real store, accounts and HTTP stack
// behind httptest, the demo rooms, and an admin and a secretary.
type testEnv struct {
	t        *testing.T
	srv      *httptest.Server
	store    *store.Store
	accounts *accounts.Service
	catalog  *rooms.Catalog
	now      time.Time
	server   *server
	web      *Server
	meetings *meetings.Meetings
	// publicURL is where the test server listens (join links point there).
	publicURL string
	// wrtc is the [webrtc] configuration the meetings were built with.
	wrtc config.WebRTC
	// stopBroker stops the provider broker's worker (useProviders).
	stopBroker func()
	// devices are a second node's own emulators (secondNode).
	devices *demo.Devices
	// pinWaits are the turns guest PIN checks waited for (none really
	// waits: the clock is frozen).
	pinWaits []time.Duration
}

// newTestEnv builds the environment; tweak adjusts the accounts options
// (tests other than the rate-limit ones log in far more often than people).
func newTestEnv(t *testing.T, tweak ...func(*accounts.Options)) *testEnv {
	t.Helper()
	dir := t.TempDir()
	var st *store.Store
	st, err := store.Open(filepath.Join(dir, "kogge.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	e := &testEnv{t: t, store: st, now: testNow}
	// Sleep: the frozen clock never refills an account's slow-down, and no
	// test waits it out.
	opts := accounts.Options{Argon2: tinyArgon2, Now: func() time.Time { return e.now }, AccountBurst: 1000, AddressBurst: 1000,
		Sleep: func(time.Duration) {}}
	for _, f := range tweak {
		f(&opts)
	}
	e.accounts, err = accounts.Open(st.DB(), opts)
	if err != nil {
		t.Fatal(err)
	}
	rs, err := config.Demo(dir).RoomList()
	if err != nil {
		t.Fatal(err)
	}
	e.catalog = rooms.NewCatalog(rs)
	w, err := New(Options{
		Log: slog.New(slog.DiscardHandler), Store: st, Accounts: e.accounts, Catalog: e.catalog,
		Metrics: testMetrics{}, Now: func() time.Time { return e.now },
		Ready: func() error { return nil },
		// The API tests run on a frozen clock, the timeline on the real
		// one: it is tested on its own (rooms/timeline) and end to end
		// with a real daemon (TestEventsStream).
		Subscribe: func(string, int) (<-chan timeline.Event, func()) { return make(chan timeline.Event), func() {} },
	})
	if err != nil {
		t.Fatal(err)
	}
	s := w.s
	e.server, e.web = s, w
	// The listener comes first: join links and the WebSocket origin check
	// need the address pages are served from.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	e.publicURL = "http://" + ln.Addr().String()
	wrtc := config.Demo(dir).WebRTC
	wrtc.UDPPort, wrtc.ListenIP = 0, "127.0.0.1"
	e.wrtc = wrtc
	if s.joins, err = admission.New(admission.Options{KeyFile: wrtc.KeyFile, PublicURL: e.publicURL, EndGrace: wrtc.EndGrace.Duration,
		ParticipantLimit: wrtc.ParticipantLimit, Store: st, Room: e.catalog.Get, Now: s.now, Log: s.log,
		Wait: func(_ context.Context, d time.Duration) error { e.pinWaits = append(e.pinWaits, d); return nil }}); err != nil {
		t.Fatal(err)
	}
	// Council sessions as the daemon runs them (daemon/build.go): the
	// service behind the API, the meetings and member links.
	s.council = council.NewService(council.Options{Store: st, Now: s.now, Sitting: s.joins.CouncilSitting,
		Changed: func(id string, v council.View) { e.web.PublishCouncil(id, v) }})
	s.joins.SetMembers(func(bookingID string, id uint16) (string, uint32, bool) {
		ses, err := s.council.Get(bookingID)
		if err != nil {
			return "", 0, false
		}
		m, err := ses.Member(id)
		if err != nil {
			return "", 0, false
		}
		return m.Name, m.Generation, true
	})
	mt := newTestMeetings(t, wrtc, e.publicURL, st, s.joins, e.web, s.council)
	e.meetings, s.hub = mt, mt.Hub()
	// The same listeners as the daemon's (daemon/changes.go), but no
	// timeline: the API tests run on a frozen clock.
	t.Cleanup(st.Subscribe(func(c rooms.Change) {
		b := c.Booking()
		if c.After == nil {
			b.Status = rooms.StatusCancelled
		}
		mt.BookingChanged(b)
		if s.broker != nil {
			s.broker.Kick(b.ID)
		}
		e.web.Hear(c) // reads s.mail at each change: the mail tests set it later
	}))
	t.Cleanup(st.SubscribeSeries(e.web.HearSeries))
	s.joins.SetExternal(backends.ExternalJoin(st))
	e.useProviders(config.Demo(dir).Providers, nil) // our SFU only, as by default
	h, err := s.handler(nil)
	if err != nil {
		t.Fatal(err)
	}
	e.srv = &httptest.Server{Listener: ln, Config: &http.Server{Handler: h}}
	e.srv.Start()
	t.Cleanup(e.srv.Close)
	for name, role := range map[string]accounts.Role{"admin": accounts.RoleAdmin, "anna": accounts.RoleSecretary, "bernd": accounts.RoleSecretary} {
		if _, err := e.accounts.AddUser(name, role, testPassword); err != nil {
			t.Fatal(err)
		}
	}
	return e
}

// client is one caller: anonymous, a cookie session or a bearer token.
type client struct {
	e      *testEnv
	cookie *http.Cookie
	bearer string
}

func (e *testEnv) anonymous() *client { return &client{e: e} }

func (e *testEnv) login(name string) *client {
	e.t.Helper()
	token, _, _, err := e.accounts.Login(name, testPassword, "", "192.0.2.1")
	if err != nil {
		e.t.Fatalf("login %s: %v", name, err)
	}
	return &client{e: e, cookie: &http.Cookie{Name: sessionCookie, Value: token}}
}

func (e *testEnv) token(owner string) *client {
	e.t.Helper()
	plain, _, err := e.accounts.CreateToken(owner, "test")
	if err != nil {
		e.t.Fatal(err)
	}
	return &client{e: e, bearer: plain}
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) json(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decoding %s: %v", r.body, err)
	}
}

// problem decodes a problem+json body and checks its type and status.
func (r response) problem(t *testing.T, status int, typ string) problem {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d: %s", r.status, status, r.body)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("Content-Type %q, want application/problem+json", ct)
	}
	var p problem
	r.json(t, &p)
	if p.Type != "/problems/"+typ {
		t.Fatalf("problem type %q, want /problems/%s: %s", p.Type, typ, r.body)
	}
	return p
}

// do sends a request; body may be nil, a string (sent raw) or a value (sent as JSON).
func (c *client) do(method, path string, body any, headers ...string) response {
	c.e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		js, err := json.Marshal(b)
		if err != nil {
			c.e.t.Fatal(err)
		}
		rd = bytes.NewReader(js)
	}
	req, err := http.NewRequest(method, c.e.srv.URL+path, rd)
	if err != nil {
		c.e.t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	if c.cookie != nil {
		req.AddCookie(c.cookie)
	}
	if c.bearer != "" {
		req.Header.Set("Authorization", "Bearer "+c.bearer)
	}
	resp, err := c.e.srv.Client().Do(req)
	if err != nil {
		c.e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.e.t.Fatal(err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: b}
}

// booking is a valid booking request in the Ratssaal on Tuesday 1 December
// 2026, 16:00–19:00 Berlin time; overrides replace fields.
func booking(overrides map[string]any) map[string]any {
	b := map[string]any{
		"room": "ratssaal", "title": "Hauptausschuss", "kind": "committee",
		"start": "2026-12-01T16:00:00+01:00", "end": "2026-12-01T19:00:00+01:00",
	}
	for k, v := range overrides {
		if v == nil {
			delete(b, k)
			continue
		}
		b[k] = v
	}
	return b
}

// create books and returns the view, failing the test unless it got 201.
func (c *client) create(overrides map[string]any) bookingView {
	c.e.t.Helper()
	r := c.do("POST", "/api/v1/bookings", booking(overrides))
	if r.status != http.StatusCreated {
		c.e.t.Fatalf("create: status %d: %s", r.status, r.body)
	}
	var v bookingView
	r.json(c.e.t, &v)
	return v
}

func readAll(resp *http.Response) ([]byte, error) { return io.ReadAll(resp.Body) }

// testMetrics counts nothing; the daemon's metrics are tested with it
// (daemon/metrics).
type testMetrics struct{}

func (testMetrics) ObserveRequest(string, int, time.Duration) {}
func (testMetrics) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("# no metrics in tests\n")) })
}
