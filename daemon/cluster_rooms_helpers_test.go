package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/kogge-project/kogge/daemon/config"
	"github.com/kogge-project/kogge/daemon/demo"
	"github.com/kogge-project/kogge/internal/etcdtest"
	"github.com/kogge-project/kogge/rooms/av"
)

// The room-device tests on a cluster (cluster_rooms_test.go) run three
// in-process nodes on one etcd cluster, all configured with the demo's
// emulated devices. Every node reaches the projector, the display and the
// DSP through a tap of its own (a TCP relay that counts the connections
// it carries), so a test can tell which node talks to a device.

// roomsDeadline bounds every wait of these tests: a claim, a lease
// running out, a scene on the emulators.
const roomsDeadline = 20 * time.Second

// tap relays TCP connections to target and counts them.
type tap struct {
	ln     net.Listener
	target string

	mu       sync.Mutex
	accepted int
	conns    []net.Conn
	closed   bool
}

func startTap(t *testing.T, target string) *tap {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &tap{ln: ln, target: target}
	go p.accept()
	t.Cleanup(p.close)
	return p
}

func (p *tap) addr() string { return p.ln.Addr().String() }

func (p *tap) accept() {
	for {
		in, err := p.ln.Accept()
		if err != nil {
			return
		}
		out, err := net.DialTimeout("tcp", p.target, 3*time.Second)
		p.mu.Lock()
		if err != nil || p.closed {
			p.mu.Unlock()
			in.Close()
			if out != nil {
				out.Close()
			}
			continue
		}
		p.accepted++
		p.conns = append(p.conns, in, out)
		p.mu.Unlock()
		go func() { io.Copy(out, in); out.Close() }()
		go func() { io.Copy(in, out); in.Close() }()
	}
}

// connections is how many connections the node opened through the tap.
func (p *tap) connections() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.accepted
}

func (p *tap) close() {
	p.mu.Lock()
	p.closed = true
	conns := p.conns
	p.mu.Unlock()
	p.ln.Close()
	for _, c := range conns {
		c.Close()
	}
}

// roomCluster is three nodes sharing the demo's device emulators.
type roomCluster struct {
	t     *testing.T
	etcd  *etcdtest.Cluster
	nodes []*testEnv
	devs  *demo.Devices
	// taps[i][device id] is node i's way to the projector ("beamer"),
	// the display and the DSP.
	taps []map[string]*tap
}

// startRoomCluster starts an etcd cluster and three nodes whose rooms
// have the demo's devices (Ratssaal: projector, camera, DSP, discussion
// system; Sitzungszimmer 2: a display).
func startRoomCluster(t *testing.T) *roomCluster {
	t.Helper()
	rc := &roomCluster{t: t, etcd: etcdtest.Start(t, 3)}
	shared := config.Demo(t.TempDir())
	devs, err := demo.StartDevices(shared)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { devs.Close() })
	rc.devs = devs
	keys := filepath.Join(t.TempDir(), "join.keys")
	for i := range 3 {
		taps := map[string]*tap{}
		rooms := slices.Clone(shared.Rooms)
		for ri := range rooms {
			rooms[ri].Devices = slices.Clone(rooms[ri].Devices)
			for di := range rooms[ri].Devices {
				d := &rooms[ri].Devices[di]
				if d.Kind == av.KindPJLink || d.Kind == av.KindTesira {
					taps[d.ID] = startTap(t, d.Address)
					d.Address = taps[d.ID].addr()
				}
			}
		}
		rc.taps = append(rc.taps, taps)
		rc.nodes = append(rc.nodes, newTestEnv(t, withClusterNode(rc.etcd, fmt.Sprintf("kogge%d", i+1), i == 0),
			func(e *testEnv) { e.cfg.WebRTC.KeyFile, e.cfg.Rooms = keys, rooms }))
	}
	for _, n := range rc.nodes[1:] {
		n.caughtUp() // the accounts
	}
	return rc
}

// driver waits until exactly one of the live nodes drives room and every
// live node routes the room to it, and returns its index.
func (rc *roomCluster) driver(room string, live ...int) int {
	rc.t.Helper()
	return rc.awaitDriver(room, func(int) bool { return true }, live...)
}

// awaitDriver waits until the room's one driver, as every live node
// sees it, is one that want accepts.
func (rc *roomCluster) awaitDriver(room string, want func(int) bool, live ...int) int {
	rc.t.Helper()
	if len(live) == 0 {
		live = []int{0, 1, 2}
	}
	var why string
	for deadline := time.Now().Add(roomsDeadline); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) { // polling, not timing
		d, w := rc.settled(room, live)
		switch {
		case d >= 0 && want(d):
			return d
		case d >= 0:
			why = fmt.Sprintf("node %d drives it", d+1)
		default:
			why = w
		}
	}
	rc.t.Fatalf("room %s: no driver as wanted: %s", room, why)
	return -1
}

// settled is the room's driver if exactly one live node drives it and
// every live node routes the room there; else -1 and why not.
func (rc *roomCluster) settled(room string, live []int) (int, string) {
	owners := []int{}
	for _, i := range live {
		if rc.nodes[i].d.av.Owns(room) {
			owners = append(owners, i)
		}
	}
	if len(owners) != 1 {
		return -1, fmt.Sprintf("%d nodes drive it", len(owners))
	}
	d := owners[0]
	for _, i := range live {
		url, local := rc.nodes[i].d.rooms.Owner(room)
		if local != (i == d) || (!local && url != rc.nodes[d].url()) {
			return -1, fmt.Sprintf("node %d routes it to %q (local %v), the driver is node %d", i+1, url, local, d+1)
		}
	}
	return d, ""
}

// moveRoom makes node to the room's driver as the claims would after its
// driver died (daemon/cluster/rooms.go: the claim, on the new driver's
// lease), without waiting for a death: the tests that need a room's
// driver and the cluster's leader to differ set it up so.
func (rc *roomCluster) moveRoom(room string, to int) {
	rc.t.Helper()
	n := rc.nodes[to]
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	key := n.cfg.Store.Etcd.Prefix + "rooms/owner/" + room
	if _, err := n.d.etcd.Put(ctx, key, n.cfg.Store.Etcd.NodeName, clientv3.WithLease(n.d.router.lease())); err != nil {
		rc.t.Fatal(err)
	}
}

// leader waits until exactly one live node leads and returns it.
func (rc *roomCluster) leader(live ...int) int {
	rc.t.Helper()
	if len(live) == 0 {
		live = []int{0, 1, 2}
	}
	for deadline := time.Now().Add(roomsDeadline); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) { // polling, not timing
		var leads []int
		for _, i := range live {
			if rc.nodes[i].d.lead.Leader() {
				leads = append(leads, i)
			}
		}
		if len(leads) == 1 {
			return leads[0]
		}
	}
	rc.t.Fatal("no one node leads")
	return -1
}

// devices reads a room's devices through node e, by id.
func devicesOn(c *client, room string) map[string]av.Status {
	var v struct {
		Devices []av.Status `json:"devices"`
	}
	r := c.do("GET", "/api/v1/rooms/"+room+"/devices", nil)
	if r.status != http.StatusOK {
		c.e.t.Fatalf("devices of %s: %d %s", room, r.status, r.body)
	}
	r.json(c.e.t, &v)
	out := map[string]av.Status{}
	for _, st := range v.Devices {
		out[st.ID] = st
	}
	return out
}

// waitDevice waits until node c's view of a device satisfies ok.
func waitDevice(c *client, room, dev, what string, ok func(av.Status) bool) {
	c.e.t.Helper()
	var last av.Status
	for deadline := time.Now().Add(roomsDeadline); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) { // polling, not timing
		if last = devicesOn(c, room)[dev]; ok(last) {
			return
		}
	}
	c.e.t.Fatalf("%s of %s on %s: %+v", what, dev, c.e.url(), last)
}

func online(st av.Status) bool { return st.Health == av.Online }

// person is someone logged in with a session cookie, as the booking
// pages are; the cookie is good on every node (the sessions are in the
// shared store).
type person struct {
	t       *testing.T
	cookies []*http.Cookie
}

// loginAt logs name in through node e.
func loginAt(t *testing.T, e *testEnv, name string) *person {
	t.Helper()
	p := &person{t: t}
	r, cookies := p.send(e, "POST", "/api/v1/session", map[string]string{"name": name, "password": testPassword})
	if r.status != http.StatusCreated {
		t.Fatalf("login of %s: %d %s", name, r.status, r.body)
	}
	p.cookies = cookies
	return p
}

// do sends a request to node e with the person's cookie (and, as a
// browser would, the page's origin on a write).
func (p *person) do(e *testEnv, method, path string, body any) response {
	p.t.Helper()
	r, _ := p.send(e, method, path, body)
	return r
}

func (p *person) send(e *testEnv, method, path string, body any) (response, []*http.Cookie) {
	p.t.Helper()
	var rd io.Reader
	if body != nil {
		js, _ := json.Marshal(body)
		rd = bytes.NewReader(js)
	}
	req, err := http.NewRequest(method, e.url()+path, rd)
	if err != nil {
		p.t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if method != "GET" {
		req.Header.Set("Origin", e.url())
	}
	for _, c := range p.cookies {
		req.AddCookie(c)
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		p.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return response{status: resp.StatusCode, body: b}, resp.Cookies()
}

// sse is an open event stream.
type sse struct {
	t      *testing.T
	events chan sseEvent
}

type sseEvent struct {
	typ  string
	data []byte
}

// events opens the person's event stream of room on node e.
func (p *person) events(e *testEnv, path string) *sse {
	p.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "GET", e.url()+path, nil)
	for _, c := range p.cookies {
		req.AddCookie(c)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		cancel()
		p.t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		cancel()
		p.t.Fatalf("events %s: %d", path, resp.StatusCode)
	}
	s := &sse{t: p.t, events: make(chan sseEvent, 256)}
	p.t.Cleanup(func() { cancel(); resp.Body.Close() })
	go func() {
		sc := bufio.NewScanner(resp.Body)
		var ev sseEvent
		for sc.Scan() {
			line := sc.Text()
			switch {
			case strings.HasPrefix(line, "event: "):
				ev.typ = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: "):
				ev.data = append(ev.data, strings.TrimPrefix(line, "data: ")...)
			case line == "":
				if ev.typ != "" {
					select {
					case s.events <- ev:
					default:
					}
				}
				ev = sseEvent{}
			}
		}
		close(s.events)
	}()
	return s
}

// sceneEnd waits for the "scene" event that ends run id and returns how
// many of its actions failed.
func (s *sse) sceneEnd(id string) int {
	s.t.Helper()
	deadline := time.After(roomsDeadline)
	for {
		select {
		case ev, ok := <-s.events:
			if !ok {
				s.t.Fatalf("the event stream ended before scene run %s did", id)
			}
			var v struct {
				ID     string `json:"id"`
				Done   bool   `json:"done"`
				Failed int    `json:"failed"`
			}
			if ev.typ == "scene" && json.Unmarshal(ev.data, &v) == nil && v.ID == id && v.Done {
				return v.Failed
			}
		case <-deadline:
			s.t.Fatalf("no end of scene run %s on the event stream within %s", id, roomsDeadline)
		}
	}
}

// runID reads a scene's 202 answer.
func runID(t *testing.T, r response) string {
	t.Helper()
	var v struct{ ID string }
	if r.status != http.StatusAccepted || json.Unmarshal(r.body, &v) != nil || v.ID == "" {
		t.Fatalf("scene: %d %s, want 202 with the run's id", r.status, r.body)
	}
	return v.ID
}
