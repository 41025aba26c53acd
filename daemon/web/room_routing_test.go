package web

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kogge-project/kogge/daemon/backends"
	"github.com/kogge-project/kogge/daemon/config"
	"github.com/kogge-project/kogge/daemon/demo"
	"github.com/kogge-project/kogge/rooms/av"
	"github.com/kogge-project/kogge/rooms/av/roomav"
	"github.com/kogge-project/kogge/rooms/timeline"
)

// fakeRouter says every room is driven at url ("": by nobody).
type fakeRouter struct {
	mu  sync.Mutex
	url string
}

func (f *fakeRouter) Owner(string) (string, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.url, false
}

func (f *fakeRouter) set(url string) {
	f.mu.Lock()
	f.url = url
	f.mu.Unlock()
}

// fakeRelay vouches for the client address in a plain header (the real
// one signs it).
type fakeRelay struct {
	mu   sync.Mutex
	seen []string // addresses the owner took from forwarded requests
}

func (f *fakeRelay) Sign(h http.Header, client string) { h.Set("Test-Client", "relayed "+client) }
func (f *fakeRelay) Verify(r *http.Request) (string, bool) {
	c := r.Header.Get("Test-Client")
	f.mu.Lock()
	f.seen = append(f.seen, c)
	f.mu.Unlock()
	return c, c != ""
}

// secondNode is another node of e's cluster: the same store, accounts
// and rooms, its own HTTP server and AV, which drives no room (the router
// says where the rooms are driven). Clients made for it reach its server.
func (e *testEnv) secondNode(router RoomRouter, relay ClientRelay) *testEnv {
	e.t.Helper()
	cfg := config.Demo(e.t.TempDir())
	// Its own emulators: the node must not connect to them.
	devs, err := demo.StartDevices(cfg)
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { devs.Close() })
	other := *e
	other.devices = devs
	rs, err := backends.AVRooms(cfg)
	if err != nil {
		e.t.Fatal(err)
	}
	a, err := roomav.Open(roomav.Options{Rooms: rs, NewDriver: av.NewDriver, Ownership: &roomav.OwnedRooms{}})
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(a.Close)
	w, err := New(Options{
		Log: slog.New(slog.DiscardHandler), Store: e.store, Accounts: e.accounts, Catalog: e.catalog,
		Metrics: testMetrics{}, Now: func() time.Time { return e.now }, Ready: func() error { return nil },
		Subscribe: func(string, int) (<-chan timeline.Event, func()) { return make(chan timeline.Event), func() {} },
		AV:        a, RoomRouter: router, ClientRelay: relay,
	})
	if err != nil {
		e.t.Fatal(err)
	}
	h, err := w.s.handler(nil)
	if err != nil {
		e.t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	e.t.Cleanup(srv.Close)
	other.srv, other.server, other.web = srv, w.s, w
	return &other
}

// on is c, sending its requests to node n.
func (c *client) on(n *testEnv) *client {
	d := *c
	d.e = n
	return &d
}

// A panel or a person on a node that does not drive the room: the scene,
// the device command and the panel's controls are forwarded to the node
// that does, which authenticates them again (the store is shared) and
// runs them on its devices; the answer comes back unchanged. Reads stay
// on the node asked.
func TestDeviceRequestsAreForwardedToTheRoomsOwner(t *testing.T) {
	owner := newTestEnv(t)
	owner.withDemoDevices()
	relay := &fakeRelay{}
	owner.server.clientRelay = relay
	router := &fakeRouter{url: owner.srv.URL}
	other := owner.secondNode(router, relay)

	events := owner.sceneStream("sitzungszimmer-2")
	anna := owner.token("anna").on(other)
	id := startScene(t, anna, "/api/v1/rooms/sitzungszimmer-2/scenes/on")
	if results, _ := events.run(id, 20*time.Second); len(results) != 1 || !results[0].OK {
		t.Fatalf("the forwarded scene on the owner: %+v", results)
	}

	r := anna.do("POST", "/api/v1/rooms/ratssaal/devices/beamer/commands", map[string]any{"command": "power", "args": map[string]string{"on": "true"}})
	var st av.Status
	r.json(t, &st)
	if r.status != http.StatusOK || st.ID != "beamer" || st.Health != av.Online {
		t.Fatalf("the forwarded command: %d %s", r.status, r.body)
	}
	// The owner checks the command as it would its own.
	anna.do("POST", "/api/v1/rooms/ratssaal/devices/dsp/commands", map[string]any{"command": "explode"}).problem(t, 422, "invalid-command")

	rp := owner.panel("ratssaal", "Tür Ratssaal").on(other)
	ratssaal := owner.sceneStream("ratssaal")
	pid := startScene(t, rp, "/api/v1/panel/ratssaal/scenes/hybrid") // the camera on, for its preset
	if _, end := ratssaal.run(pid, 20*time.Second); !end.Done {
		t.Fatalf("the panel's forwarded scene: %+v", end)
	}
	if r := rp.do("POST", "/api/v1/panel/ratssaal/mute", map[string]bool{"mute": true}); r.status != http.StatusOK {
		t.Fatalf("the panel's mute: %d %s", r.status, r.body)
	}
	if r := rp.do("POST", "/api/v1/panel/ratssaal/camera/preset", map[string]int{"preset": 2}); r.status != http.StatusOK {
		t.Fatalf("the panel's preset: %d %s", r.status, r.body)
	}
	// A panel of another room is refused here already, as on the owner.
	other2 := owner.panel("sitzungszimmer-2", "Tür SZ2").on(other)
	if r := other2.do("POST", "/api/v1/panel/ratssaal/mute", map[string]bool{"mute": true}); r.status != http.StatusForbidden {
		t.Fatalf("another room's panel: %d %s", r.status, r.body)
	}
	relay.mu.Lock()
	seen := append([]string(nil), relay.seen...)
	relay.mu.Unlock()
	if len(seen) == 0 || !strings.HasPrefix(seen[0], "relayed 127.0.0.1") {
		t.Fatalf("the owner did not get the client's address: %q", seen)
	}

	if n := other.devices.Beamer.Connections() + other.devices.Display.Connections(); n != 0 {
		t.Fatalf("the node that drives no room connected to projectors %d times", n)
	}

	// Reads are answered on the node asked: no forwarding.
	router.set("")
	if r := anna.do("GET", "/api/v1/rooms/ratssaal/devices", nil); r.status != http.StatusOK {
		t.Fatalf("devices on a node that does not drive the room: %d %s", r.status, r.body)
	}
}

// The owner cannot be reached (it died, or no node drives the room yet):
// a 503 in words, German first, with Retry-After. A forwarded request is
// never forwarded again: a node that finds it does not drive the room
// after all answers the same 503 instead of sending it on in a loop.
func TestRoomOwnerUnreachable(t *testing.T) {
	e := newTestEnv(t)
	dead := httptest.NewServer(http.NotFoundHandler())
	deadURL := dead.URL
	dead.Close()
	router := &fakeRouter{url: deadURL}
	other := e.secondNode(router, nil)
	anna := e.token("anna").on(other)

	r := anna.do("POST", "/api/v1/rooms/ratssaal/scenes/hybrid", nil, "Accept-Language", "de")
	p := r.problem(t, http.StatusServiceUnavailable, "room-unreachable")
	if !strings.HasPrefix(p.Detail, "Die Technik dieses Raums ist gerade nicht erreichbar") || r.header.Get("Retry-After") == "" {
		t.Fatalf("the owner unreachable: %+v (Retry-After %q)", p, r.header.Get("Retry-After"))
	}
	r = anna.do("POST", "/api/v1/rooms/ratssaal/devices/beamer/commands", map[string]any{"command": "power"}, "Accept-Language", "en")
	if p := r.problem(t, http.StatusServiceUnavailable, "room-unreachable"); !strings.HasPrefix(p.Detail, "This room's equipment cannot be reached") {
		t.Fatalf("in English: %+v", p)
	}

	router.set("") // nobody drives the room
	rp := e.panel("ratssaal", "Tür Ratssaal").on(other)
	rp.do("POST", "/api/v1/panel/ratssaal/mute", map[string]bool{"mute": true}).problem(t, http.StatusServiceUnavailable, "room-unreachable")

	router.set(other.srv.URL) // the router points back at this node: forwarded once, then answered
	anna.do("POST", "/api/v1/rooms/ratssaal/scenes/hybrid", nil).problem(t, http.StatusServiceUnavailable, "room-unreachable")
	anna.do("POST", "/api/v1/rooms/ratssaal/devices/beamer/commands", map[string]any{"command": "power", "args": map[string]string{"on": "true"}}).
		problem(t, http.StatusServiceUnavailable, "room-unreachable")
}
