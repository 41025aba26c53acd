package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kogge-project/kogge/daemon/config"
	"github.com/kogge-project/kogge/daemon/demo"
	"github.com/kogge-project/kogge/integrations/broker"
	"github.com/kogge-project/kogge/integrations/gotomeeting"
	"github.com/kogge-project/kogge/internal/etcdtest"
)

// failoverBound is what issue 17 allows between the leader's death and
// another node acting: the lease (cluster.LeaseTTL) plus an election,
// with room for a busy machine.
const failoverBound = 15 * time.Second

// TestKill9LeaderDuringBookingStorm runs three Kogge node processes on a
// three-member etcd cluster, books through all of them from several
// clients at once, kills the leading node with SIGKILL while it is in the
// middle of creating a GoToMeeting meeting, keeps booking through the
// other two and checks what issue 17 asks:
//
//   - every booking whose 201 arrived is there (read through a survivor);
//   - another node leads within 15 s (its log);
//   - every hybrid booking got exactly one meeting at the GoTo and Pexip
//     emulators, the one whose create the dead leader left hanging too;
//   - the prep scene of a booking made right after the kill (its prep
//     due at once, while nobody leads) runs exactly once, and so does the
//     prep scene of one made after the new leader took over (counted as
//     power-on commands at the emulated display and projector).
func TestKill9LeaderDuringBookingStorm(t *testing.T) {
	etcd := etcdtest.Start(t, 3)
	shared := t.TempDir()
	emu := config.Demo(shared)
	prov, err := demo.StartProviders(emu)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { prov.Close() })
	devs, err := demo.StartDevices(emu)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { devs.Close() })

	var nodes []*child
	var cfgs []string
	for i := range 3 {
		dir := t.TempDir()
		cfgs = append(cfgs, writeClusterConfig(t, dir, fmt.Sprintf("kogge%d", i+1), etcd.Endpoints(), emu, devs))
		nodes = append(nodes, &child{t: t, dataDir: dir})
	}
	nodes[0] = startDaemon(t, cfgs[0], nodes[0].dataDir)
	// The account and the GoTo organizers go in through the first node's
	// control socket, as an administrator would.
	if code, _, errOut := kogge(t, testPassword+"\n", "user", "add", "anna", "-config", cfgs[0]); code != 0 {
		t.Fatalf("user add: %s", errOut)
	}
	for _, org := range demo.Organizers {
		code := prov.GoTo.IssueCode(org, emu.Providers.GoToMeeting.RedirectURI)
		if c, _, errOut := kogge(t, code+"\n", "gotomeeting", "authorize", "--organizer", org, "-config", cfgs[0]); c != 0 {
			t.Fatalf("authorize %s: %s", org, errOut)
		}
	}
	startOtherNodes(t, nodes, cfgs)
	token := apiToken(t, nodes[0].addr, "anna")
	for i, n := range nodes {
		// The token reaches the other copies through the watch.
		waitFor(t, fmt.Sprintf("the token on node %d", i+1), processDeadline, func() bool {
			return getStatus(t, n.addr, token, "/api/v1/rooms") == http.StatusOK
		})
	}
	leader := awaitLeader(t, nodes, nil, time.Now().Add(processDeadline))
	t.Logf("node %d leads", leader+1)

	// A GoTo meeting whose create the leader will never see answered:
	// GoTo makes it and holds the answer until the leader is gone.
	prov.GoTo.Inject(1, gotomeeting.Fault{Create: true, AfterCommit: true, Hang: true})
	hanging := postBooking(t, nodes[(leader+1)%3].addr, token, stormBooking(1, 10, "ratssaal", 50))
	if hanging.status != http.StatusCreated {
		t.Fatalf("the hybrid booking for GoTo: %d %s", hanging.status, hanging.body)
	}
	waitFor(t, "GoTo to hold the leader's create", processDeadline, func() bool {
		return prov.GoTo.Created()[hanging.id+"-1"] == 1
	})

	s := newStorm(t, nodes, token)
	s.start(6)
	s.waitAcks(20, processDeadline)
	killed := time.Now()
	nodes[leader].cmd.Process.Kill()
	s.dead(leader)
	t.Logf("killed node %d after %d acknowledged bookings", leader+1, s.acks())
	survivor := nodes[(leader+1)%3]

	// Booked inside its prep lead: the prep is due at once, on every
	// survivor's timeline, while the dead leader's lease still runs.
	during := postBooking(t, survivor.addr, token, sceneBooking("sitzungszimmer-2"))
	if during.status != http.StatusCreated {
		t.Fatalf("the booking due for its prep: %d %s", during.status, during.body)
	}

	next := awaitLeader(t, nodes, []int{leader}, killed.Add(failoverBound))
	t.Logf("node %d leads %.1f s after the kill", next+1, time.Since(killed).Seconds())
	before := s.acks()
	s.waitAcks(before+20, processDeadline)
	s.stop()

	after := postBooking(t, survivor.addr, token, sceneBooking("ratssaal"))
	if after.status != http.StatusCreated {
		t.Fatalf("the booking due for its prep after the failover: %d %s", after.status, after.body)
	}

	// Every acknowledged booking is there, read through a survivor.
	acked := s.acked()
	acked[hanging.id] = 50
	for id := range acked {
		waitFor(t, "acknowledged booking "+id+" on a survivor", processDeadline, func() bool {
			return getStatus(t, survivor.addr, token, "/api/v1/bookings/"+id) == http.StatusOK
		})
	}
	// Every hybrid booking has its meeting, made once. The new leader
	// works through a backlog of dozens of meetings at GoTo's documented
	// 10 requests/s (three requests a meeting), which can take longer than
	// one deadline on a busy machine: the wait fails when the backlog
	// stops shrinking for processDeadline, not when it is long.
	awaitMeetings(t, prov, acked, processDeadline)
	// Checked after everything above had time to go wrong twice.
	for ref, n := range prov.GoTo.Created() {
		if n != 1 {
			t.Errorf("GoTo meeting %s created %d times", ref, n)
		}
	}
	for name, n := range prov.PexipCreated() {
		if n != 1 {
			t.Errorf("Pexip conference %s created %d times", name, n)
		}
	}
	waitFor(t, "the prep scene due after the failover", processDeadline, func() bool { return devs.Beamer.Sets("POWR 1") > 0 })
	waitFor(t, "the prep scene due while nobody led", processDeadline, func() bool { return devs.Display.Sets("POWR 1") > 0 })
	if n := devs.Display.Sets("POWR 1"); n != 1 {
		t.Errorf("the prep scene due while nobody led ran %d times", n)
	}
	if n := devs.Beamer.Sets("POWR 1"); n != 1 {
		t.Errorf("the prep scene due after the failover ran %d times", n)
	}
	t.Logf("%d bookings acknowledged, all present; %d GoTo and %d Pexip meetings, each created once",
		len(acked), len(prov.GoTo.Created()), len(prov.PexipCreated()))
}

// awaitMeetings waits until every hybrid booking in acked (id → remote
// participants) has its meeting at the provider the test's order sends it
// to, failing when none is made for stall.
func awaitMeetings(t *testing.T, prov *demo.Providers, acked map[string]int, stall time.Duration) {
	t.Helper()
	missing := func() []string {
		gotos, pexips := prov.GoTo.Created(), prov.PexipCreated()
		var out []string
		for id, remote := range acked {
			switch {
			case remote == 0:
			case remote > pexipMax && gotos[id+"-1"] == 0:
				out = append(out, id)
			case remote <= pexipMax && remote > 0 && pexips[broker.VMRPrefix+id+"-1"] == 0:
				out = append(out, id)
			}
		}
		return out
	}
	left := missing()
	progress := time.Now()
	for len(left) > 0 {
		if time.Since(progress) > stall {
			t.Fatalf("no meeting made for %s; %d hybrid bookings still without one, e.g. %s", stall, len(left), left[0])
		}
		time.Sleep(50 * time.Millisecond) // polling, not timing
		if now := missing(); len(now) < len(left) {
			left, progress = now, time.Now()
		}
	}
}

// lastLines is the end of a log, for a failure message.
func lastLines(log string, n int) string {
	lines := strings.Split(strings.TrimRight(log, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// pexipMax is the Pexip VMRs' participant maximum in writeClusterConfig:
// a hybrid meeting expecting more goes to GoTo.
const pexipMax = 20

// writeClusterConfig writes a node's config: the shared etcd cluster,
// the emulated providers (order Pexip, then GoTo, every meeting due at
// once) and two rooms whose prep scenes switch an emulated device on.
func writeClusterConfig(t *testing.T, dataDir, node string, endpoints []string, emu *config.Config, devs *demo.Devices) string {
	t.Helper()
	quoted := func(ss []string) string {
		js, _ := json.Marshal(ss)
		return string(js)
	}
	g, p := emu.Providers.GoToMeeting, emu.Providers.Pexip
	room := func(id, name, dev, addr string) string {
		return fmt.Sprintf(`
[[rooms]]
id = %q
name = %q
capacity = 40
prep_scene = "an"
end_scene = "aus"

[[rooms.devices]]
id = %q
kind = "pjlink"
label = "Beamer"
address = %q

[[rooms.scenes]]
name = "an"
label = "An"
actions = [{device = %q, command = "power", args = {on = "true"}}]

[[rooms.scenes]]
name = "aus"
label = "Aus"
actions = [{device = %q, command = "power", args = {on = "false"}}]
`, id, name, dev, addr, dev, dev)
	}
	cfg := clusterNodeConfig(dataDir, node, endpoints) + fmt.Sprintf(`
[providers]
order = ["pexip", "gotomeeting"]
provision_lead = "720h"

[providers.pexip]
api_url = %q
username = %q
password_file = %q
join_url_base = %q
max_participants = %d

[providers.gotomeeting]
organizers = %s
client_id = %q
client_secret_file = %q
credentials_key_file = %q
redirect_uri = %q
api_url = %q
auth_url = %q
token_url = %q
`, p.APIURL, p.Username, p.PasswordFile, p.JoinURLBase, pexipMax,
		quoted(g.Organizers), g.ClientID, g.ClientSecretFile, g.CredentialsKeyFile, g.RedirectURI, g.APIURL, g.AuthURL, g.TokenURL)
	cfg += room("ratssaal", "Ratssaal", "beamer", devs.Beamer.Addr()) + room("sitzungszimmer-2", "Sitzungszimmer 2", "display", devs.Display.Addr())
	return writeConfigFile(t, cfg)
}

// startOtherNodes starts nodes 2 and 3 (node 1 runs already) with their
// configurations, waits until they are ready, and has a failing test show
// the end of every node's log.
func startOtherNodes(t *testing.T, nodes []*child, cfgs []string) {
	t.Helper()
	for i := 1; i < len(nodes); i++ {
		dir := nodes[i].dataDir
		nodes[i] = startChild(t, nil, "serve", "-config", cfgs[i])
		nodes[i].dataDir = dir
	}
	for _, n := range nodes[1:] {
		n.addr = n.waitLog("kogge ready")["listen"].(string)
	}
	t.Cleanup(func() {
		if t.Failed() {
			for i, n := range nodes {
				t.Logf("node %d's log ends:\n%s", i+1, lastLines(n.stderr.String(), 40))
			}
		}
	})
}

// clusterNodeConfig is what every node of the process-level cluster tests
// has: a loopback listener, the store on etcd, JSON logs (the tests read
// them) and media on loopback.
func clusterNodeConfig(dataDir, node string, endpoints []string) string {
	eps, _ := json.Marshal(endpoints)
	return fmt.Sprintf(`[server]
listen = "127.0.0.1:0"
shutdown_timeout = "5s"

[store]
data_dir = %q
backend = "etcd"

[store.etcd]
endpoints = %s
node_name = %q

[log]
format = "json"
level = "info"

[webrtc]
udp_port = 0
listen_ip = "127.0.0.1"
`, dataDir, eps, node)
}

// writeConfigFile writes cfg as a kogge.toml of the test and returns its path.
func writeConfigFile(t *testing.T, cfg string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "kogge.toml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// leadsMsg starts the line a node logs when it is elected.
const leadsMsg = "this node leads the cluster now"

// awaitLeader waits until a node other than those in not has logged
// that it leads, and returns its index.
func awaitLeader(t *testing.T, nodes []*child, not []int, deadline time.Time) int {
	t.Helper()
	for {
		for i, n := range nodes {
			if !containsInt(not, i) && strings.Contains(n.stderr.String(), leadsMsg) {
				return i
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no node led by the deadline (%s after the kill allowed)", failoverBound)
		}
		time.Sleep(20 * time.Millisecond) // polling three logs, not timing
	}
}

func containsInt(xs []int, x int) bool {
	for _, y := range xs {
		if x == y {
			return true
		}
	}
	return false
}

// waitFor polls cond until it holds, failing the test after within.
func waitFor(t *testing.T, what string, within time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited %s for %s", within, what)
		}
		time.Sleep(20 * time.Millisecond) // polling, not timing
	}
}

// httpClient bounds every request of this test: a node that stops
// answering is an error, not a hang.
var httpClient = &http.Client{Timeout: 20 * time.Second}

// apiToken logs name in through addr and makes an API token.
func apiToken(t *testing.T, addr, name string) string {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"name": name, "password": testPassword})
	resp, err := httpClient.Post("http://"+addr+"/api/v1/session", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("login: %d", resp.StatusCode)
	}
	req, _ := http.NewRequest("POST", "http://"+addr+"/api/v1/tokens", strings.NewReader(`{"label":"storm"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Origin", "http://"+addr)
	for _, c := range resp.Cookies() {
		req.AddCookie(c)
	}
	resp, err = httpClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var tok struct{ Token string }
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusCreated || json.Unmarshal(b, &tok) != nil || tok.Token == "" {
		t.Fatalf("token: %d %s", resp.StatusCode, b)
	}
	return tok.Token
}

type posted struct {
	status int
	id     string
	body   []byte
	err    error
}

// postBooking books through addr; a transport error (a dead node) is in err.
func postBooking(t *testing.T, addr, token string, b map[string]any) posted {
	js, _ := json.Marshal(b)
	req, _ := http.NewRequest("POST", "http://"+addr+"/api/v1/bookings", bytes.NewReader(js))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := httpClient.Do(req)
	if err != nil {
		return posted{err: err}
	}
	defer resp.Body.Close()
	out := posted{status: resp.StatusCode}
	out.body, out.err = io.ReadAll(resp.Body)
	var v bookingView
	if out.status == http.StatusCreated && json.Unmarshal(out.body, &v) == nil {
		out.id = v.ID
	}
	return out
}

func getStatus(t *testing.T, addr, token, path string) int {
	req, _ := http.NewRequest("GET", "http://"+addr+path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := httpClient.Do(req)
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

// stormBooking is an hour in room on day days ahead at hour (UTC);
// remote > 0 makes it hybrid with that many remote participants.
func stormBooking(days, hour int, room string, remote int) map[string]any {
	b := map[string]any{"room": room, "title": "Sturm", "start": ahead(days, hour), "end": ahead(days, hour+1)}
	if remote > 0 {
		b["hybrid"] = map[string]any{"enabled": true, "expected_remote": remote}
	}
	return b
}

// sceneBooking starts in a few minutes: well inside the room's prep lead
// (rooms.DefaultPrepLead), so its prep is due the moment it is booked.
func sceneBooking(room string) map[string]any {
	start := time.Now().UTC().Truncate(time.Minute).Add(3 * time.Minute)
	return map[string]any{"room": room, "title": "Gleich", "start": start.Format(time.RFC3339),
		"end": start.Add(30 * time.Minute).Format(time.RFC3339)}
}

// storm books random hours through the live nodes from several clients
// until stopped, and records every acknowledged booking.
type storm struct {
	t       *testing.T
	nodes   []*child
	token   string
	killed  atomic.Int32 // index+1 of the dead node, 0 while all live
	quit    chan struct{}
	wg      sync.WaitGroup
	mu      sync.Mutex
	ids     map[string]int // acknowledged id → remote participants
	changed chan struct{}
}

func newStorm(t *testing.T, nodes []*child, token string) *storm {
	return &storm{t: t, nodes: nodes, token: token, quit: make(chan struct{}), ids: map[string]int{}, changed: make(chan struct{}, 1)}
}

func (s *storm) start(workers int) {
	for w := range workers {
		s.wg.Add(1)
		go s.work(w)
	}
	s.t.Cleanup(s.stop)
}

func (s *storm) work(w int) {
	defer s.wg.Done()
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), uint64(w)))
	for i := 0; ; i++ {
		select {
		case <-s.quit:
			return
		default:
		}
		n := (w + i) % len(s.nodes)
		if int(s.killed.Load()) == n+1 {
			n = (n + 1) % len(s.nodes)
		}
		// Within the provision lead (720h), so every meeting is due at
		// once. Many collide (the conflict path runs too); a third are hybrid,
		// half of those too big for Pexip.
		remote := 0
		switch rng.IntN(6) {
		case 0:
			remote = 5
		case 1:
			remote = 50
		}
		room := []string{"ratssaal", "sitzungszimmer-2"}[rng.IntN(2)]
		if remote > pexipMax {
			room = "ratssaal" // GoTo has two organizers: at most two meetings at once
		}
		p := postBooking(s.t, s.nodes[n].addr, s.token, stormBooking(2+rng.IntN(25), 6+rng.IntN(14), room, remote))
		if p.status != http.StatusCreated {
			continue
		}
		s.mu.Lock()
		s.ids[p.id] = remote
		s.mu.Unlock()
		select {
		case s.changed <- struct{}{}:
		default:
		}
	}
}

func (s *storm) dead(i int) { s.killed.Store(int32(i + 1)) }

func (s *storm) acks() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.ids)
}

func (s *storm) acked() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int, len(s.ids))
	for id, r := range s.ids {
		out[id] = r
	}
	return out
}

// waitAcks waits until n bookings were acknowledged in all.
func (s *storm) waitAcks(n int, within time.Duration) {
	s.t.Helper()
	deadline := time.After(within)
	for s.acks() < n {
		select {
		case <-s.changed:
		case <-deadline:
			s.t.Fatalf("only %d of %d bookings acknowledged within %s", s.acks(), n, within)
		}
	}
}

func (s *storm) stop() {
	select {
	case <-s.quit:
	default:
		close(s.quit)
	}
	s.wg.Wait()
}
