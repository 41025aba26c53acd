package main

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/kogge-project/kogge/daemon/backends"
	"github.com/kogge-project/kogge/daemon/config"
	"github.com/kogge-project/kogge/daemon/demo"
	"github.com/kogge-project/kogge/daemon/metrics"
	"github.com/kogge-project/kogge/daemon/web"
	"github.com/kogge-project/kogge/integrations/broker"
	"github.com/kogge-project/kogge/integrations/gotomeeting"
	"github.com/kogge-project/kogge/integrations/oparl"
	"github.com/kogge-project/kogge/rooms"
	"github.com/kogge-project/kogge/rooms/accounts"
	"github.com/kogge-project/kogge/rooms/av"
	"github.com/kogge-project/kogge/rooms/av/roomav"
	"github.com/kogge-project/kogge/rooms/store"
	"github.com/kogge-project/kogge/rooms/timeline"
)

// The daemon's own tests (metrics, the timeline adapter, the council
// import, providers, jobs) need a store with the daemon's wiring and, for
// a few requests, the HTTP surface in front of it. The HTTP surface's own
// tests live in daemon/web.

// testNow is the fixed clock of these tests: Thursday 26 November 2026, 09:00 in Berlin.
var testNow = time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)

const testPassword = "correct horse battery"

type testEnv struct {
	t        *testing.T
	store    *store.Store
	accounts *accounts.Service
	catalog  *rooms.Catalog
	metrics  *metrics.Metrics
	now      time.Time
	// What the HTTP surface is built with at the first request.
	av         *roomav.AV
	broker     *broker.Broker
	oparl      *oparlImport
	stopBroker func()
	srv        *httptest.Server
}

func newTestEnv(t *testing.T) *testEnv {
	t.Helper()
	dir := t.TempDir()
	var st *store.Store
	m := metrics.New(func() (map[rooms.Status]int, error) { return st.CountByStatus() })
	st, err := store.Open(filepath.Join(dir, "kogge.db"), store.Options{ObserveTx: m.ObserveTx})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	e := &testEnv{t: t, store: st, metrics: m, now: testNow}
	e.accounts, err = accounts.Open(st.DB(), accounts.Options{Argon2: accounts.Argon2Params{Time: 1, Memory: 64, Threads: 1, KeyLen: 32},
		Now: func() time.Time { return e.now }, AccountBurst: 1000, AddressBurst: 1000,
		Sleep: func(time.Duration) {}}) // the frozen clock never refills the slow-down
	if err != nil {
		t.Fatal(err)
	}
	rs, err := config.Demo(dir).RoomList()
	if err != nil {
		t.Fatal(err)
	}
	e.catalog = rooms.NewCatalog(rs)
	t.Cleanup(st.Subscribe(changeListeners{broker: func() *broker.Broker { return e.broker }}.hear))
	e.useProviders(config.Demo(dir).Providers, nil)
	for name, role := range map[string]accounts.Role{"admin": accounts.RoleAdmin, "anna": accounts.RoleSecretary} {
		if _, err := e.accounts.AddUser(name, role, testPassword); err != nil {
			t.Fatal(err)
		}
	}
	return e
}

// useProviders (re)starts the broker with these providers.
func (e *testEnv) useProviders(p config.Providers, authorize func(gotomeeting.TokenStore) error) {
	e.t.Helper()
	if e.stopBroker != nil {
		e.stopBroker()
	}
	b, _, stop, err := backends.StartBroker(backends.BrokerOptions{Providers: p, Store: e.store, Authorize: authorize})
	if err != nil {
		e.t.Fatal(err)
	}
	e.stopBroker = stop
	e.t.Cleanup(stop)
	e.broker = b
}

// withDemoDevices gives the rooms the demo's emulated devices.
func (e *testEnv) withDemoDevices() {
	e.t.Helper()
	cfg := config.Demo(e.t.TempDir())
	emulators, err := demo.StartDevices(cfg)
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { emulators.Close() })
	a, err := backends.NewRoomAV(slog.New(slog.DiscardHandler), cfg, av.NewDriver)
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(a.Close)
	e.av = a
}

// lateImport is the council import the test sets after building the env.
type lateImport struct{ e *testEnv }

func (l lateImport) AgendaFor(b rooms.Booking) ([]oparl.AgendaItem, bool) {
	return l.e.oparl.AgendaFor(b)
}
func (l lateImport) Status() map[string]any { return l.e.oparl.Status() }

// url builds the HTTP surface as serve.go does, at the first request.
func (e *testEnv) url() string {
	if e.srv != nil {
		return e.srv.URL
	}
	o := web.Options{Store: e.store, Accounts: e.accounts, Catalog: e.catalog, Metrics: e.metrics,
		Now: func() time.Time { return e.now }, Ready: func() error { return nil },
		Subscribe: func(string, int) (<-chan timeline.Event, func()) { return make(chan timeline.Event), func() {} },
		AV:        e.av, Broker: e.broker}
	if e.oparl != nil {
		o.OParl = lateImport{e}
	}
	w, err := web.New(o)
	if err != nil {
		e.t.Fatal(err)
	}
	h, err := w.Handler(nil)
	if err != nil {
		e.t.Fatal(err)
	}
	e.srv = httptest.NewServer(h)
	e.t.Cleanup(e.srv.Close)
	e.t.Cleanup(w.Close)
	return e.srv.URL
}

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
