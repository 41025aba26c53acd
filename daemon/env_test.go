package main

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kogge-project/kogge/daemon/config"
	"github.com/kogge-project/kogge/daemon/demo"
	"github.com/kogge-project/kogge/rooms"
	"github.com/kogge-project/kogge/rooms/accounts"
	"github.com/kogge-project/kogge/rooms/store"
)

// The daemon's own tests (metrics, the timeline adapter, the council
// import, providers, jobs) build the daemon as the binary does, through
// build, and serve its routes with httptest. The HTTP surface's own tests
// live in daemon/web.

// testNow is the fixed clock of these tests: Thursday 26 November 2026, 09:00 in Berlin.
var testNow = time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)

const testPassword = "correct horse battery"

type testEnv struct {
	t *testing.T
	// cfg is the demo configuration in a temporary directory; options
	// change it before the daemon is built.
	cfg *config.Config
	// now is the clock the daemon is built with (testNow unless an
	// option sets it); it moves only by what advance adds to shift.
	now      time.Time
	shift    atomic.Int64 // nanoseconds
	d        *daemonProcess
	closeAll func()
	store    *store.Store
	accounts *accounts.Service
	catalog  *rooms.Catalog
	srv      *httptest.Server
	// log is the daemon's logger (an option may set it; default discards).
	log *slog.Logger
	// demoProviders are the GoTo and Pexip emulators (withProviders).
	demoProviders *demo.Providers
	// joinsUsers: the accounts exist already (another node of the
	// cluster made them; withClusterNode).
	joinsUsers bool
}

// envOption changes the configuration (or the clock) before the build.
type envOption func(e *testEnv)

// newTestEnv builds a daemon from the demo configuration (without the
// demo's seed data, devices or providers unless an option adds them), with
// an admin and a secretary.
func newTestEnv(t *testing.T, opts ...envOption) *testEnv {
	t.Helper()
	cfg := config.Demo(t.TempDir())
	cfg.Server.Listen = "127.0.0.1:0"
	// Any free port: test binaries run side by side.
	cfg.WebRTC.UDPPort, cfg.WebRTC.ICETCPPort, cfg.WebRTC.ListenIP = 0, 0, "127.0.0.1"
	e := &testEnv{t: t, cfg: cfg, now: testNow}
	for _, o := range opts {
		o(e)
	}
	e.start()
	if e.joinsUsers {
		return e
	}
	for name, role := range map[string]accounts.Role{"admin": accounts.RoleAdmin, "anna": accounts.RoleSecretary} {
		if _, err := e.accounts.AddUser(name, role, testPassword); err != nil {
			t.Fatal(err)
		}
	}
	return e
}

// start builds the daemon from e.cfg and serves its routes.
func (e *testEnv) start() {
	e.t.Helper()
	now := e.now
	log := e.log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	e.d = &daemonProcess{cfg: e.cfg, log: log, demoProviders: e.demoProviders}
	closeAll, err := e.d.build(buildOptions{
		now: func() time.Time { return now.Add(time.Duration(e.shift.Load())) },
		accounts: func(o *accounts.Options) {
			o.Argon2 = accounts.Argon2Params{Time: 1, Memory: 64, Threads: 1, KeyLen: 32}
			o.AccountBurst, o.AddressBurst = 1000, 1000
			o.Sleep = func(time.Duration) {} // the frozen clock never refills the slow-down
		},
	})
	if err != nil {
		closeAll()
		e.t.Fatal(err)
	}
	e.store, e.accounts, e.catalog = e.d.store, e.d.accounts, e.d.catalog
	e.srv = httptest.NewServer(e.d.handler)
	// A cluster node takes meetings once it can be reached, as serve does.
	stopPlacement, err := e.d.startPlacement(e.srv.Listener.Addr())
	if err != nil {
		e.srv.Close()
		closeAll()
		e.t.Fatal(err)
	}
	e.closeAll = func() { stopPlacement(); closeAll() }
	e.t.Cleanup(e.stop)
}

// stop closes the server and the daemon (once).
func (e *testEnv) stop() {
	if e.closeAll == nil {
		return
	}
	e.srv.Close()
	e.closeAll()
	e.closeAll = nil
}

// restart stops the daemon and builds it again on the same data, as a
// restart of the binary would.
func (e *testEnv) restart() {
	e.t.Helper()
	e.stop()
	e.start()
}

// advance moves the daemon's clock forward by d (a limit's time passing
// without a sleep).
func (e *testEnv) advance(d time.Duration) { e.shift.Add(int64(d)) }

// withClock builds the daemon on a clock standing at now.
func withClock(now time.Time) envOption { return func(e *testEnv) { e.now = now } }

// withDemoDevices gives the rooms the demo's emulated devices.
func withDemoDevices(e *testEnv) {
	emulators, err := demo.StartDevices(e.cfg)
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { emulators.Close() })
}

// withProviders configures the demo's GoTo and Pexip emulators.
func withProviders(e *testEnv) {
	p, err := demo.StartProviders(e.cfg)
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { p.Close() })
	e.demoProviders = p
}

func (e *testEnv) url() string { return e.srv.URL }

// client calls the API with a bearer token.
type client struct {
	e      *testEnv
	bearer string
}

func (e *testEnv) login(name string) *client { return e.token(name) }

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
	body   []byte
}

func (r response) json(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decoding %s: %v", r.body, err)
	}
}

// do sends a request; body may be nil or a value (sent as JSON); headers
// come in name, value pairs.
func (c *client) do(method, path string, body any, headers ...string) response {
	c.e.t.Helper()
	var rd io.Reader
	if body != nil {
		js, err := json.Marshal(body)
		if err != nil {
			c.e.t.Fatal(err)
		}
		rd = bytes.NewReader(js)
	}
	req, err := http.NewRequest(method, c.e.url()+path, rd)
	if err != nil {
		c.e.t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	req.Header.Set("Authorization", "Bearer "+c.bearer)
	resp, err := c.e.srv.Client().Do(req)
	if err != nil {
		c.e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.e.t.Fatal(err)
	}
	return response{status: resp.StatusCode, body: b}
}

// booking is a valid booking request in the Ratssaal on Tuesday 1 December
// 2026, 16:00–19:00 Berlin time; overrides replace fields.
func booking(overrides map[string]any) map[string]any {
	b := map[string]any{
		"room": "ratssaal", "title": "Hauptausschuss", "kind": "committee",
		"start": "2026-12-01T16:00:00+01:00", "end": "2026-12-01T19:00:00+01:00",
	}
	for k, v := range overrides {
		b[k] = v
	}
	return b
}

type bookingView struct {
	ID    string `json:"id"`
	Title string `json:"title"`
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

// seriesView is what the process tests read of a created series.
type seriesView struct {
	ID          string        `json:"id"`
	Occurrences []bookingView `json:"occurrences"`
	Skipped     []struct {
		Reason string `json:"reason"`
	} `json:"skipped"`
}
