package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/goleak"

	"github.com/kogge-project/kogge/internal/etcdtest"
	"github.com/kogge-project/kogge/signaling"
)

// mediaBackBound is what issue 17 allows between the death of a
// meeting's node and both participants having media again.
const mediaBackBound = 10 * time.Second

// TestMeetingNodeKilledBothBackWithMedia runs three Kogge node processes
// on a three-member etcd cluster. A host and a guest — pion participants
// with the join page's reconnect (meetpeer_test.go) — join a hybrid
// meeting on the built-in SFU through different nodes (one of them
// relayed to the meeting's owner); the host admits the guest from the
// lobby, the guest raises a hand, and each receives the other's audio and
// video. Then the owner is killed with SIGKILL. Each participant comes
// back on its own through a live node, and within 10 s both receive each
// other's media again from the meeting, now on another node, as the same
// participants: the guest admitted, the host still host, the guest's hand
// still up in the speaker queue.
func TestMeetingNodeKilledBothBackWithMedia(t *testing.T) {
	meetingNodeLost(t, false)
}

// TestMeetingNodeFrozenRelayedBack is the same with the owner's machine
// gone rather than its process: the owner is stopped (SIGSTOP), so its
// connections neither close nor answer, as when a machine loses power or
// its network. Both participants are relayed to it; the relaying nodes
// notice the silent owner and tell them "moving". (A participant whose
// own connection goes to the vanished machine is not covered: the join
// page has no way yet to notice a server that falls silent.)
func TestMeetingNodeFrozenRelayedBack(t *testing.T) {
	meetingNodeLost(t, true)
}

// meetingNodeLost is the two tests above; frozen stops the owner instead
// of killing it, with both participants relayed.
func meetingNodeLost(t *testing.T, frozen bool) {
	etcd := etcdtest.Start(t, 3)
	cli := etcd.Client(t)
	// No join-link key file: the keys are the cluster's, in etcd, so a
	// link made on one node opens its meeting on any (docs/cluster.md).
	nodes := make([]*child, 3)
	var cfgs []string
	for i := range nodes {
		dir := t.TempDir()
		cfgs = append(cfgs, meetClusterConfig(t, dir, fmt.Sprintf("kogge%d", i+1), etcd.Endpoints()))
		nodes[i] = &child{t: t, dataDir: dir}
	}
	nodes[0] = startDaemon(t, cfgs[0], nodes[0].dataDir)
	if code, _, errOut := kogge(t, testPassword+"\n", "user", "add", "anna", "-config", cfgs[0]); code != 0 {
		t.Fatalf("user add: %s", errOut)
	}
	startOtherNodes(t, nodes, cfgs)
	token := apiToken(t, nodes[0].addr, "anna")

	// A hybrid meeting that is open now (its room's prep lead has
	// begun), with a lobby for guests.
	start := time.Now().UTC().Truncate(time.Minute).Add(3 * time.Minute)
	made := postBooking(t, nodes[0].addr, token, map[string]any{"room": "ratssaal", "title": "Ausschuss",
		"start": start.Format(time.RFC3339), "end": start.Add(time.Hour).Format(time.RFC3339),
		"hybrid": map[string]any{"enabled": true, "expected_remote": 2}})
	if made.status != http.StatusCreated {
		t.Fatalf("the hybrid booking: %d %s", made.status, made.body)
	}
	id := made.id
	status, body := apiDo(t, nodes[0].addr, token, "PATCH", "/api/v1/bookings/"+id+"/join", map[string]any{"lobby": "on"})
	var join struct {
		Lobby    bool   `json:"lobby"`
		HostURL  string `json:"host_url"`
		GuestURL string `json:"guest_url"`
	}
	if status != http.StatusOK || json.Unmarshal(body, &join) != nil || !join.Lobby {
		t.Fatalf("the lobby on: %d %s", status, body)
	}
	hostTok, guestTok := linkToken(t, join.HostURL), linkToken(t, join.GuestURL)
	for i, n := range nodes {
		// The booking and its lobby reach every node's copy through
		// the watch.
		waitFor(t, fmt.Sprintf("the lobby setting on node %d", i+1), processDeadline, func() bool {
			status, body := apiDo(t, n.addr, token, "GET", "/api/v1/bookings/"+id+"/join", nil)
			var v struct {
				Lobby bool `json:"lobby"`
			}
			return status == http.StatusOK && json.Unmarshal(body, &v) == nil && v.Lobby
		})
	}

	// The load balancer: the live nodes, in the order it sends each
	// participant to them (it never sends anyone to a dead node for long:
	// the list drops the killed one at once).
	var lbMu sync.Mutex
	lbs := map[string][]string{}
	lb := func(name string) func() []string {
		return func() []string {
			lbMu.Lock()
			defer lbMu.Unlock()
			return lbs[name]
		}
	}
	// Every node has the same public URL (derived from the same listen
	// line), so one origin is the page's everywhere.
	origin := signaling.OriginOf("http://127.0.0.1:0")

	// The participants' connections and media end with them (this
	// cleanup runs after theirs).
	// The test's own etcd client (cli) outlives this check, and gRPC
	// starts a goroutine of its own whenever it reconnects to a member.
	running := goleak.IgnoreCurrent()
	grpcReconnect := goleak.IgnoreAnyFunction("google.golang.org/grpc.(*addrConn).resetTransportAndUnlock")
	t.Cleanup(func() { goleak.VerifyNone(t, running, grpcReconnect) })
	deadline := time.Now().Add(processDeadline)
	nodeOf := func(addr string) int {
		for i, n := range nodes {
			if n.addr == addr {
				return i + 1
			}
		}
		return 0
	}
	lbs["Vorsitz"] = []string{nodes[0].addr}
	host := startPeer(t, origin, hostTok, "Vorsitz", lb("Vorsitz"))
	hv := host.await("welcomed as host", deadline, func(v peerView) bool { return v.State == "joined" })
	if hv.Role != "host" {
		t.Fatalf("host welcome: %+v", hv)
	}
	owner := ownerIndex(t, cli, id)
	// The guest through another node than the host: the owner if the
	// host was relayed to it, else another one (relayed). Either way one
	// of the two is relayed and one is on the owner. Frozen: both are
	// relayed (the host moves if it is on the owner).
	gi := owner
	if owner == 0 {
		gi = 1
	}
	if frozen {
		gi = 3 - owner // the node that is neither the host's nor the owner
		if owner == 0 {
			gi = 1
			lbMu.Lock()
			lbs["Vorsitz"] = []string{nodes[2].addr}
			lbMu.Unlock()
			before := host.view().Welcomes
			host.drop()
			hv = host.await("back through node 3", deadline, func(v peerView) bool { return v.Welcomes > before && v.State == "joined" })
		}
	}
	t.Logf("the meeting runs on node %d; the host is connected through node %d, the guest through node %d", owner+1, nodeOf(hv.Node), gi+1)
	lbMu.Lock()
	lbs["Gast"] = []string{nodes[gi].addr}
	lbMu.Unlock()
	guest := startPeer(t, origin, guestTok, "Gast", lb("Gast"))
	gv := guest.await("welcomed into the lobby", deadline, func(v peerView) bool { return v.State == "lobby" })
	host.send(map[string]any{"type": "admit", "id": gv.ID})
	guest.await("admitted", deadline, func(v peerView) bool { return v.State == "joined" })
	guest.send(map[string]any{"type": "hand", "raised": true})
	hostID, guestID := hv.ID, gv.ID
	talking := func(other, otherName string) func(peerView) bool {
		return func(v peerView) bool {
			g, _ := v.part(guestID)
			return v.State == "joined" && v.hears(other, otherName) && g.Hand && len(v.Queue) == 1 && v.Queue[0] == guestID
		}
	}
	host.await("the guest's media and hand", deadline, talking(guestID, "Gast"))
	guest.await("the host's media and own hand", deadline, talking(hostID, "Vorsitz"))
	// The meeting's memory holds the admission and the hand (it is
	// written a moment after the change): what a new owner resumes from.
	waitFor(t, "the meeting's memo with the guest admitted and the hand up", processDeadline, func() bool {
		return memoHas(t, cli, id, guestID)
	})
	hostBefore, guestBefore := host.view(), guest.view()

	// Kill (or freeze) the meeting's node. A frozen one is killed at
	// the end by startChild's cleanup.
	killed := time.Now()
	lose := nodes[owner].cmd.Process.Kill
	if frozen {
		lose = func() error { return nodes[owner].cmd.Process.Signal(syscall.SIGSTOP) }
	}
	if err := lose(); err != nil {
		t.Fatal(err)
	}
	// Each participant is sent to another survivor, so that one of
	// them is relayed to wherever the meeting goes.
	var live []string
	for i, n := range nodes {
		if i != owner {
			live = append(live, n.addr)
		}
	}
	lbMu.Lock()
	lbs["Vorsitz"] = live
	lbs["Gast"] = []string{live[1], live[0]}
	lbMu.Unlock()

	// Back within the bound: a new welcome with the same id, admitted,
	// the other's audio and video on the new connections, and the hand
	// still up in the speaker queue.
	back := killed.Add(mediaBackBound)
	resumed := func(before peerView, other, otherName string) func(peerView) bool {
		talks := talking(other, otherName)
		return func(v peerView) bool {
			return v.Welcomes > before.Welcomes && v.ID == before.ID && talks(v)
		}
	}
	hv = host.await("back with media and the queue within 10 s as the same participant", back, resumed(hostBefore, guestID, "Gast"))
	hostBack := time.Since(killed)
	gv = guest.await("back with media and the queue within 10 s as the same participant", back, resumed(guestBefore, hostID, "Vorsitz"))
	bothBack := time.Since(killed)
	moved := ownerIndex(t, cli, id)
	t.Logf("both back with media %.2f s after losing node %d (the host at %.2f s); the meeting runs on node %d; "+
		"the host came back through node %d after %q, the guest through node %d after %q",
		bothBack.Seconds(), owner+1, hostBack.Seconds(), moved+1,
		nodeOf(hv.Node), hv.Closes[len(hostBefore.Closes):], nodeOf(gv.Node), gv.Closes[len(guestBefore.Closes):])
	if moved == owner {
		t.Fatalf("the meeting is still claimed for the dead node %d", owner+1)
	}
	if hv.Role != "host" || gv.Role != "guest" {
		t.Errorf("roles after the move: host %q, guest %q", hv.Role, gv.Role)
	}
}

// meetClusterConfig is a node of the cluster with one room and the
// built-in SFU as the only provider (the default), media on loopback.
func meetClusterConfig(t *testing.T, dataDir, node string, endpoints []string) string {
	t.Helper()
	return writeConfigFile(t, clusterNodeConfig(dataDir, node, endpoints)+`
[[rooms]]
id = "ratssaal"
name = "Ratssaal"
capacity = 40
`)
}

// apiDo calls the API of the node at addr with a bearer token.
func apiDo(t *testing.T, addr, token, method, path string, body any) (int, []byte) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		js, _ := json.Marshal(body)
		rd = bytes.NewReader(js)
	}
	req, _ := http.NewRequest(method, "http://"+addr+path, rd)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := httpClient.Do(req)
	if err != nil {
		return 0, []byte(err.Error())
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// linkToken is the token of a join link (…/j/<token>).
func linkToken(t *testing.T, link string) string {
	t.Helper()
	i := strings.LastIndex(link, "/j/")
	if i < 0 {
		t.Fatalf("join link %q", link)
	}
	return link[i+3:]
}

// etcdPrefix is the installation's key prefix (the default).
const etcdPrefix = "kogge/"

// ownerIndex is the index of the node that the meeting is claimed for
// (docs/cluster.md, key layout: meet/owner/<booking id>).
func ownerIndex(t *testing.T, cli *clientv3.Client, id string) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	resp, err := cli.Get(ctx, etcdPrefix+"meet/owner/"+id)
	if err != nil || len(resp.Kvs) == 0 {
		t.Fatalf("the owner of meeting %s: %v (no claim)", id, err)
	}
	var n int
	if _, err := fmt.Sscanf(string(resp.Kvs[0].Value), "kogge%d", &n); err != nil {
		t.Fatalf("owner %q", resp.Kvs[0].Value)
	}
	return n - 1
}

// memoHas reports whether the meeting's memo in the store (bucket
// meeting_memos, rooms/store/meetmemo.go) has the guest admitted with a
// raised hand.
func memoHas(t *testing.T, cli *clientv3.Client, id, guest string) bool {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	resp, err := cli.Get(ctx, etcdPrefix+"store/d/meeting_memos//"+id)
	if err != nil || len(resp.Kvs) == 0 {
		return false
	}
	var memo signaling.MeetingMemo
	if json.Unmarshal(resp.Kvs[0].Value, &memo) != nil {
		return false
	}
	for _, p := range memo.Participants {
		if p.ID == guest {
			return p.Admitted && p.Hand
		}
	}
	return false
}
