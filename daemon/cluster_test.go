package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/kogge-project/kogge/daemon/cluster"
	"github.com/kogge-project/kogge/daemon/config"
	"github.com/kogge-project/kogge/internal/etcdtest"
	"github.com/kogge-project/kogge/signaling"
)

// withClusterNode makes the daemon a node of the etcd cluster c; the first
// node (first) makes the accounts, the others find them.
func withClusterNode(c *etcdtest.Cluster, name string, first bool) envOption {
	return func(e *testEnv) {
		e.cfg.Store.Backend = config.BackendEtcd
		e.cfg.Store.Etcd.Endpoints = c.Endpoints()
		e.cfg.Store.Etcd.NodeName = name
		e.joinsUsers = !first
	}
}

// clusterNodes builds n Kogge nodes on one etcd cluster.
func clusterNodes(t *testing.T, c *etcdtest.Cluster, n int) []*testEnv {
	t.Helper()
	var nodes []*testEnv
	// Each node with a data directory and key_file of its own: the join
	// links' keys are the cluster's, in etcd, so a link made on one node
	// opens its meeting on any (TestClusterMeetingRunsOnItsOwner).
	for i := range n {
		nodes = append(nodes, newTestEnv(t, withClusterNode(c, fmt.Sprintf("kogge%d", i+1), i == 0)))
	}
	return nodes
}

// caughtUp waits until e's copy has every commit made so far.
func (e *testEnv) caughtUp() {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := e.store.CatchUp(ctx); err != nil {
		e.t.Fatal(err)
	}
}

// on is c calling another node with the same token.
func (c *client) on(e *testEnv) *client { return &client{e: e, bearer: c.bearer} }

// Three nodes share one store: a booking made through one is seen and
// respected by the others, exactly one node leads, and the cluster's
// losing its quorum is a clear 503 that writes nothing until it is back.
func TestClusterNodesShareTheStore(t *testing.T) {
	c := etcdtest.Start(t, 3)
	nodes := clusterNodes(t, c, 3)
	anna := nodes[0].login("anna")
	for _, n := range nodes[1:] {
		n.caughtUp() // the accounts and the token
	}

	r := anna.on(nodes[1]).do("POST", "/api/v1/bookings", booking(nil))
	if r.status != http.StatusCreated {
		t.Fatalf("booking through node 2: %d %s", r.status, r.body)
	}
	var made struct{ ID string }
	r.json(t, &made)
	nodes[2].caughtUp()
	if r := anna.on(nodes[2]).do("GET", "/api/v1/bookings/"+made.ID, nil); r.status != http.StatusOK {
		t.Fatalf("the booking through node 3: %d %s", r.status, r.body)
	}
	r = anna.on(nodes[2]).do("POST", "/api/v1/bookings", booking(map[string]any{"title": "Zweiter Versuch"}))
	if r.status != http.StatusConflict {
		t.Fatalf("the same slot through node 3: %d %s, want 409", r.status, r.body)
	}

	leaders := 0
	deadline := time.Now().Add(20 * time.Second)
	for leaders != 1 && time.Now().Before(deadline) {
		leaders = 0
		for _, n := range nodes {
			if n.d.lead.Leader() {
				leaders++
			}
		}
		time.Sleep(20 * time.Millisecond) // polling three flags, not timing
	}
	if leaders != 1 {
		t.Fatalf("%d nodes lead, want 1", leaders)
	}

	// One member down: a quorum is left, bookings go on once it has a
	// leader (a write caught in the very moment the leader dies may be
	// answered "not confirmed": etcd cannot say whether it will commit;
	// docs/cluster.md).
	c.Kill(2)
	c.WaitHealthy()
	later := func(day int) map[string]any {
		return booking(map[string]any{"start": fmt.Sprintf("2026-12-%02dT16:00:00+01:00", day),
			"end": fmt.Sprintf("2026-12-%02dT17:00:00+01:00", day)})
	}
	if r := anna.on(nodes[0]).do("POST", "/api/v1/bookings", later(2)); r.status != http.StatusCreated {
		t.Fatalf("with one member down: %d %s", r.status, r.body)
	}
	// Two down: no quorum. Once the last member has noticed (an election
	// timeout), the node says it is not ready, and a write is refused in
	// words without being proposed, so it cannot arrive later.
	c.Kill(1)
	deadline = time.Now().Add(20 * time.Second)
	for readyz(t, nodes[0]) != http.StatusServiceUnavailable {
		if time.Now().After(deadline) {
			t.Fatal("/readyz still ready without a quorum")
		}
	}
	r = anna.on(nodes[0]).do("POST", "/api/v1/bookings", later(3), "Accept-Language", "de")
	if r.status != http.StatusServiceUnavailable {
		t.Fatalf("without a quorum: %d %s, want 503", r.status, r.body)
	}
	var p struct{ Type, Detail string }
	r.json(t, &p)
	if p.Detail == "" || !strings.Contains(p.Type, "store-unavailable") {
		t.Errorf("problem %+v, want store-unavailable with a sentence", p)
	}
	// Back: writes resume, and the refused one was not half-written.
	c.Restart(1)
	c.Restart(2)
	c.WaitHealthy()
	var status int
	deadline = time.Now().Add(30 * time.Second)
	for status != http.StatusCreated && time.Now().Before(deadline) {
		r = anna.on(nodes[0]).do("POST", "/api/v1/bookings", later(3))
		status = r.status
	}
	if status != http.StatusCreated {
		t.Fatalf("after the members are back: %d %s", r.status, r.body)
	}
	for i, n := range nodes {
		n.caughtUp()
		var list struct{ Bookings []struct{ ID string } }
		r := anna.on(n).do("GET", "/api/v1/bookings?from=2026-11-30T00:00:00Z&to=2026-12-05T00:00:00Z", nil)
		r.json(t, &list)
		if len(list.Bookings) != 3 {
			t.Errorf("node %d lists %d bookings, want 3", i+1, len(list.Bookings))
		}
	}
}

// createHybrid books the cluster tests' hybrid meeting (three remote
// participants, on the test clock's day) in room, or the default room
// when room is "".
func (c *client) createHybrid(title, room string) bookingView {
	c.e.t.Helper()
	b := map[string]any{"title": title,
		"start": "2026-11-26T09:10:00+01:00", "end": "2026-11-26T10:10:00+01:00",
		"hybrid": map[string]any{"enabled": true, "expected_remote": 3}}
	if room != "" {
		b["room"] = room
	}
	return c.create(b)
}

// A hybrid meeting on the built-in SFU runs on one node however its
// participants reach the cluster: two participants who open the link
// through node 2 and node 3 meet in one meeting, on the node with the
// fewest participants when it was first joined.
func TestClusterMeetingRunsOnItsOwner(t *testing.T) {
	c := etcdtest.Start(t, 3)
	nodes := clusterNodes(t, c, 3)
	anna := nodes[0].login("anna")
	var ids, tokens []string
	for _, room := range []string{"ratssaal", "sitzungszimmer-2", "interviewraum"} {
		b := anna.createHybrid("Ausschuss "+room, room)
		r := anna.do("GET", "/api/v1/bookings/"+b.ID+"/join", nil)
		var v struct {
			HostURL string `json:"host_url"`
		}
		r.json(t, &v)
		i := strings.LastIndex(v.HostURL, "/j/")
		if r.status != http.StatusOK || i < 0 {
			t.Fatalf("join links of %s: %d %s", room, r.status, r.body)
		}
		ids, tokens = append(ids, b.ID), append(tokens, v.HostURL[i+3:])
	}
	for _, n := range nodes[1:] {
		n.caughtUp()
	}

	// Two meetings with one participant each, both joined through node 1:
	// each goes to a node that has nobody yet.
	loaded := map[int]bool{}
	for i := range 2 {
		p := dialMeeting(t, nodes[0], tokens[i], "Teilnehmerin")
		p.next("welcome")
		o := ownerOf(t, nodes, ids[i])
		if loaded[o] {
			t.Fatalf("meeting %d was placed on node %d, which has a participant already", i+1, o+1)
		}
		loaded[o] = true
		waitLoad(t, nodes[o], 1)
	}
	// The third meeting, joined through node 2 and node 3 at once, goes
	// to the node left without participants, and both meet there.
	var ps [2]*meetClient
	var welcomes [2]meetMsg
	for i, n := range nodes[1:] {
		ps[i] = dialMeeting(t, n, tokens[2], []string{"Anna", "Bernd"}[i])
	}
	for i, p := range ps {
		welcomes[i] = p.next("welcome")
		if welcomes[i].State != "joined" {
			t.Fatalf("welcome %+v", welcomes[i])
		}
	}
	for i, p := range ps {
		other := welcomes[1-i].ID
		for {
			if s := p.next("state"); s.has(other) {
				break
			}
		}
	}
	o := ownerOf(t, nodes, ids[2])
	if loaded[o] {
		t.Fatalf("the third meeting went to node %d, which has a participant; the least-loaded node had none", o+1)
	}
	if info, _ := nodes[o].d.meetings.Hub().Meeting(ids[2]); info.Participants != 2 {
		t.Fatalf("the owner's meeting: %+v, want 2 participants", info)
	}
}

// meetMsg is what these tests read of the server's messages.
type meetMsg struct {
	Type         string `json:"type"`
	ID           string `json:"id"`
	State        string `json:"state"`
	Reason       string `json:"reason"`
	Participants []struct {
		ID string `json:"id"`
	} `json:"participants"`
}

func (m meetMsg) has(id string) bool {
	for _, p := range m.Participants {
		if p.ID == id {
			return true
		}
	}
	return false
}

// meetClient is a join page's WebSocket, without media.
type meetClient struct {
	t  *testing.T
	ws *websocket.Conn
}

// dialMeeting opens /ws of node e as the join page does and says hello.
func dialMeeting(t *testing.T, e *testEnv, token, name string) *meetClient {
	t.Helper()
	h := http.Header{"Origin": {signaling.OriginOf(e.cfg.Server.PublicURL)}}
	ws, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(e.url(), "http")+"/ws", h)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.Close() })
	if err := ws.WriteJSON(map[string]any{"type": "hello", "version": 1, "token": token, "name": name}); err != nil {
		t.Fatal(err)
	}
	return &meetClient{t: t, ws: ws}
}

// next skips to the next message of type typ; a closed fails the test.
func (c *meetClient) next(typ string) meetMsg {
	c.t.Helper()
	_ = c.ws.SetReadDeadline(time.Now().Add(15 * time.Second))
	for {
		var m meetMsg
		if err := c.ws.ReadJSON(&m); err != nil {
			c.t.Fatalf("waiting for %s: %v", typ, err)
		}
		if m.Type == typ {
			return m
		}
		if m.Type == "closed" {
			c.t.Fatalf("closed (%s) while waiting for %s", m.Reason, typ)
		}
	}
}

// ownerOf is the index of the one node that runs the meeting.
func ownerOf(t *testing.T, nodes []*testEnv, id string) int {
	t.Helper()
	owner := -1
	for i, n := range nodes {
		if _, ok := n.d.meetings.Hub().Meeting(id); ok {
			if owner >= 0 {
				t.Fatalf("meeting %s runs on node %d and node %d", id, owner+1, i+1)
			}
			owner = i
		}
	}
	if owner < 0 {
		t.Fatalf("meeting %s runs nowhere", id)
	}
	return owner
}

// waitLoad waits until node e's record in etcd reports at least n
// participants (it refreshes every 2 s).
func waitLoad(t *testing.T, e *testEnv, n int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	key := e.cfg.Store.Etcd.Prefix + "meet/nodes/" + e.cfg.Store.Etcd.NodeName
	get, err := e.d.etcd.Get(ctx, key)
	if err != nil || len(get.Kvs) == 0 {
		t.Fatalf("node record %s: %v", key, err)
	}
	load := func(v []byte) int {
		var rec cluster.NodeRecord
		_ = json.Unmarshal(v, &rec)
		return rec.Load
	}
	if load(get.Kvs[0].Value) >= n {
		return
	}
	for resp := range e.d.etcd.Watch(ctx, key, clientv3.WithRev(get.Header.Revision+1)) {
		for _, ev := range resp.Events {
			if ev.Kv != nil && load(ev.Kv.Value) >= n {
				return
			}
		}
	}
	t.Fatalf("node %s did not report %d participants", e.cfg.Store.Etcd.NodeName, n)
}
