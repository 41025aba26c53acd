package cluster_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/goleak"

	"github.com/kogge-project/kogge/daemon/cluster"
	"github.com/kogge-project/kogge/internal/etcdtest"
)

// Rooms and configuration (daemon/cluster/roomclaims_state.go): a room is
// driven only by a node that has it in its configuration.

// roomsWait bounds the waits of these tests (a claim, a lease revoked).
const roomsWait = 15 * time.Second

// driving records what a node's RoomClaims say it drives, and every room
// it was ever told it drives.
type driving struct {
	ownedRooms
	mu   sync.Mutex
	ever map[string]bool
}

func (d *driving) set(rooms []string) {
	d.ownedRooms.set(rooms)
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.ever == nil {
		d.ever = map[string]bool{}
	}
	for _, r := range rooms {
		d.ever[r] = true
	}
}

func (d *driving) everDrove(room string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.ever[room]
}

// awaitOneDriver waits until exactly one of nodes drives room and that
// one is accepted by want, and returns its index.
func awaitOneDriver(t *testing.T, nodes []*driving, room string, want func(int) bool) int {
	t.Helper()
	var drivers []int
	for deadline := time.Now().Add(roomsWait); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) { // polling what the watches report, not timing
		drivers = drivers[:0]
		for i, n := range nodes {
			if n != nil && slices.Contains(n.get(), room) {
				drivers = append(drivers, i)
			}
		}
		if len(drivers) == 1 && want(drivers[0]) {
			return drivers[0]
		}
	}
	t.Fatalf("%s: driven by nodes %v, not by one node as wanted", room, drivers)
	return -1
}

// claimHistory collects every node the room's claim named from now on.
func claimHistory(t *testing.T, cli *clientv3.Client, room string) func() []string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	key := cluster.RoomClaimDir("kogge/") + room
	get, err := cli.Get(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var named []string
	for _, kv := range get.Kvs {
		named = append(named, string(kv.Value))
	}
	wc := cli.Watch(ctx, key, clientv3.WithRev(get.Header.Revision+1))
	go func() {
		for resp := range wc {
			mu.Lock()
			for _, ev := range resp.Events {
				if ev.Type == clientv3.EventTypePut {
					named = append(named, string(ev.Kv.Value))
				}
			}
			mu.Unlock()
		}
	}()
	return func() []string {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(named)
	}
}

// registerNode registers a node called name, logging to w (nil: nowhere).
func registerNode(t *testing.T, c *etcdtest.Cluster, name string, w io.Writer) *placed {
	t.Helper()
	n := &placed{cli: c.Client(t)}
	h := slog.Handler(slog.DiscardHandler)
	if w != nil {
		h = slog.NewTextHandler(w, nil)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	p, err := cluster.Register(ctx, n.cli, "kogge/", name, "http://"+name+".test", func() int { return 0 }, slog.New(h))
	if err != nil {
		t.Fatal(err)
	}
	n.p = p
	t.Cleanup(p.Close) // before the client's own cleanup closes it
	return n
}

// Three nodes, of which only node1 and node2 have the Ratssaal: it is
// always driven by one of those two, also after that one stops; node0,
// which then drives the fewest rooms and sorts first, is never chosen
// for it. Each node's record lists its rooms.
func TestRoomIsDrivenOnlyByNodesThatHaveIt(t *testing.T) {
	t.Cleanup(func() { goleak.VerifyNone(t) })
	c := etcdtest.Start(t, 3)
	configured := [][]string{{"trauzimmer"}, {"ratssaal", "trauzimmer"}, {"trauzimmer", "ratssaal"}}
	nodes := make([]*placed, 3)
	drv := make([]*driving, 3)
	claims := make([]*cluster.RoomClaims, 3)
	start := func(i int) {
		nodes[i] = registerNode(t, c, fmt.Sprintf("node%d", i), nil)
		drv[i] = &driving{}
		claims[i] = nodes[i].p.ClaimRooms(func() []string { return configured[i] }, drv[i].set)
		t.Cleanup(claims[i].Stop)
	}
	start(1)
	start(2)
	history := claimHistory(t, nodes[1].cli, "ratssaal")
	first := awaitOneDriver(t, drv, "ratssaal", func(i int) bool { return i != 0 })
	awaitOneDriver(t, drv, "trauzimmer", func(i int) bool { return i != 0 })
	start(0) // joins with both rooms driven: it drives none

	get, err := nodes[0].cli.Get(t.Context(), "kogge/meet/nodes/node2")
	if err != nil || len(get.Kvs) != 1 {
		t.Fatalf("node2's record: %v %v", get, err)
	}
	var rec cluster.NodeRecord
	if err := json.Unmarshal(get.Kvs[0].Value, &rec); err != nil || !slices.Equal(rec.Rooms, []string{"ratssaal", "trauzimmer"}) {
		t.Fatalf("node2's record %s lists rooms %v, want its two rooms sorted", get.Kvs[0].Value, rec.Rooms)
	}

	// The Ratssaal's driver stops: the other node that has it takes it,
	// though node0 drives fewer rooms.
	claims[first].Stop()
	nodes[first].p.Close()
	drv[first] = nil
	next := awaitOneDriver(t, drv, "ratssaal", func(i int) bool { return i != 0 && i != first })
	awaitOneDriver(t, drv, "trauzimmer", func(int) bool { return true })
	t.Logf("the Ratssaal went from node%d to node%d", first, next)
	if drv[0].everDrove("ratssaal") {
		t.Error("node0, which does not have the Ratssaal, was told it drives it")
	}
	if slices.Contains(history(), "node0") {
		t.Errorf("the Ratssaal was claimed for node0, which does not have it (claims: %v)", history())
	}
}

// capture is a log that a test can read.
type capture struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (c *capture) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.buf.Write(p)
}

func (c *capture) text() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.buf.String()
}

func (c *capture) has(s string) bool { return strings.Contains(c.text(), s) }

// A node that still holds the claim of a room it no longer has (its
// claims restarted without the room, on the same lease) lets it go, and
// the other node, which has it, takes it. When that one's configuration
// loses the room too, it lets go as well, nobody drives the room, and
// the log says so in a sentence; once the room is back, it is driven.
func TestNodeWithoutARoomLetsItGo(t *testing.T) {
	t.Cleanup(func() { goleak.VerifyNone(t) })
	c := etcdtest.Start(t, 3)
	logs := []*capture{{}, {}}
	nodes := []*placed{registerNode(t, c, "node0", logs[0]), registerNode(t, c, "node1", logs[1])}
	both := []string{"ratssaal", "trauzimmer"}
	var configured [2]atomic.Pointer[[]string] // what a reload would change
	drv := []*driving{{}, {}}
	claims := make([]*cluster.RoomClaims, 2)
	for i, n := range nodes {
		configured[i].Store(&both)
		claims[i] = n.p.ClaimRooms(func() []string { return *configured[i].Load() }, drv[i].set)
		t.Cleanup(func() { claims[i].Stop() })
	}
	d := awaitOneDriver(t, drv, "ratssaal", func(int) bool { return true })
	other := 1 - d

	// The driver's claims restart without the Ratssaal, its claim still
	// on the lease and naming it.
	claims[d].Stop()
	only := []string{"trauzimmer"}
	configured[d].Store(&only)
	drv[d] = &driving{}
	claims[d] = nodes[d].p.ClaimRooms(func() []string { return *configured[d].Load() }, drv[d].set)
	awaitOneDriver(t, drv, "ratssaal", func(i int) bool { return i == other })
	if drv[d].everDrove("ratssaal") {
		t.Errorf("node%d, restarted without the Ratssaal, was told it drives it", d)
	}

	// The other node's rooms are reloaded without it: nobody has it.
	configured[other].Store(&only)
	const said = "no live node has this room in its configuration"
	for deadline := time.Now().Add(roomsWait); !logs[0].has(said) || !logs[1].has(said); time.Sleep(20 * time.Millisecond) { // polling the logs, not timing
		if time.Now().After(deadline) {
			t.Fatalf("the logs do not say that no node has the Ratssaal:\n%s\n%s", logs[0].text(), logs[1].text())
		}
	}
	for i, n := range drv {
		if slices.Contains(n.get(), "ratssaal") {
			t.Errorf("node%d drives the Ratssaal, which no node has", i)
		}
	}

	// It is configured again on one node: that node drives it.
	configured[d].Store(&both)
	awaitOneDriver(t, drv, "ratssaal", func(i int) bool { return i == d })
}

// A node of a version before the rooms' list (its record has none)
// counts as having every room: it still gets rooms.
func TestNodeRecordWithoutRoomsStillGetsRooms(t *testing.T) {
	t.Cleanup(func() { goleak.VerifyNone(t) })
	c := etcdtest.Start(t, 3)
	cli := c.Client(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	lease, err := cli.Grant(ctx, 60)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_, _ = cli.Revoke(ctx, lease.ID)
	})
	// The old node's record, as a Kogge before the list wrote it (an old
	// node would claim its rooms itself; this one only has a record).
	if _, err := cli.Put(ctx, "kogge/meet/nodes/oldnode", `{"url":"http://oldnode.test","load":0,"cpu":0}`, clientv3.WithLease(lease.ID)); err != nil {
		t.Fatal(err)
	}
	node := registerNode(t, c, "node0", nil)
	rooms := []string{"ratssaal", "trauzimmer"}
	drv := &driving{}
	rc := node.p.ClaimRooms(func() []string { return rooms }, drv.set)
	t.Cleanup(rc.Stop)
	// The two rooms are spread over both nodes: one each.
	for deadline := time.Now().Add(roomsWait); ; time.Sleep(20 * time.Millisecond) { // polling etcd, not timing
		get, err := cli.Get(t.Context(), cluster.RoomClaimDir("kogge/"), clientv3.WithPrefix())
		if err != nil {
			t.Fatal(err)
		}
		owner := map[string]string{}
		for _, kv := range get.Kvs {
			owner[string(kv.Key)] = string(kv.Value)
		}
		mine := drv.get()
		if len(owner) == 2 && len(mine) == 1 && slices.Contains(slices.Collect(maps.Values(owner)), "oldnode") {
			t.Logf("claims %v; node0 drives %v", owner, mine)
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("claims %v, node0 drives %v: want one room each for node0 and the old node", owner, mine)
		}
	}
}

// A node registered WithRooms lists its rooms in its very first record,
// before it claims any: no other node can pick it for a room it lacks.
func TestFirstRecordListsTheRooms(t *testing.T) {
	t.Cleanup(func() { goleak.VerifyNone(t) })
	c := etcdtest.Start(t, 1)
	cli := c.Client(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	p, err := cluster.Register(ctx, cli, "kogge/", "node9", "http://node9.test", func() int { return 0 },
		slog.New(slog.DiscardHandler), cluster.WithRooms([]string{"trauzimmer", "ratssaal", "trauzimmer"}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	get, err := cli.Get(ctx, "kogge/meet/nodes/node9")
	if err != nil || len(get.Kvs) != 1 {
		t.Fatalf("node9's record: %v %v", get, err)
	}
	var rec cluster.NodeRecord
	if err := json.Unmarshal(get.Kvs[0].Value, &rec); err != nil || !slices.Equal(rec.Rooms, []string{"ratssaal", "trauzimmer"}) {
		t.Fatalf("first record %s, want the rooms sorted once (%v)", get.Kvs[0].Value, err)
	}
}
