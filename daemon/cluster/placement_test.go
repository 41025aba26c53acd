package cluster_test

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/goleak"

	"github.com/kogge-project/kogge/daemon/cluster"
	"github.com/kogge-project/kogge/internal/etcdtest"
)

// placed is a node of the tests: its placement, its own etcd client and
// the load it reports.
type placed struct {
	p    *cluster.Placement
	cli  *clientv3.Client
	load atomic.Int64
}

// placeNodes registers node0…node(n-1) with the given loads, each on a
// client of its own (so that one can be cut off).
func placeNodes(t *testing.T, c *etcdtest.Cluster, loads ...int) []*placed {
	t.Helper()
	var nodes []*placed
	for i, l := range loads {
		n := &placed{cli: c.Client(t)}
		n.load.Store(int64(l))
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		p, err := cluster.Register(ctx, n.cli, "kogge/", fmt.Sprintf("node%d", i), fmt.Sprintf("http://node%d.test", i),
			func() int { return int(n.load.Load()) }, slog.New(slog.DiscardHandler))
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		n.p = p
		t.Cleanup(p.Close) // before the client's own cleanup closes it
		nodes = append(nodes, n)
	}
	return nodes
}

func claim(t *testing.T, n *placed, meeting string) cluster.Owner {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	o, err := n.p.Claim(ctx, meeting)
	if err != nil {
		t.Fatalf("%s claims %s: %v", n.p.Name(), meeting, err)
	}
	return o
}

// Three nodes claiming the same meetings at once agree on one owner per
// meeting, and every one of them is told it.
func TestConcurrentClaimsHaveOneOwner(t *testing.T) {
	t.Cleanup(func() { goleak.VerifyNone(t) })
	c := etcdtest.Start(t, 3)
	nodes := placeNodes(t, c, 0, 0, 0)
	for round := range 20 {
		meeting := fmt.Sprintf("m%d", round)
		owners := make([]cluster.Owner, len(nodes))
		var wg sync.WaitGroup
		for i, n := range nodes {
			wg.Go(func() { owners[i] = claim(t, n, meeting) })
		}
		wg.Wait()
		locals := 0
		for i, o := range owners {
			if o.Node != owners[0].Node || o.URL != owners[0].URL {
				t.Fatalf("%s: node%d was told %+v, node0 %+v", meeting, i, o, owners[0])
			}
			if o.Local {
				locals++
			}
		}
		if locals != 1 {
			t.Fatalf("%s: %d nodes think they own it, want 1", meeting, locals)
		}
	}
}

// A new meeting goes to the node with the fewest participants; a claimed
// one stays where it is when the loads change.
func TestClaimPicksTheLeastLoadedNode(t *testing.T) {
	t.Cleanup(func() { goleak.VerifyNone(t) })
	c := etcdtest.Start(t, 3)
	nodes := placeNodes(t, c, 7, 2, 5)
	if o := claim(t, nodes[0], "m1"); o.Node != "node1" || o.URL != "http://node1.test" || o.Local {
		t.Fatalf("claim through node0: %+v, want node1 (2 participants)", o)
	}
	if o := claim(t, nodes[1], "m1"); o.Node != "node1" || !o.Local {
		t.Fatalf("the owner asking: %+v, want itself", o)
	}
	// Released, the meeting is placed afresh.
	nodes[1].p.Release("m1")
	waitGone(t, nodes[2].cli, "kogge/meet/owner/m1")
}

// When the owner's lease is gone (its process died: its client stops
// keeping it alive), its claim vanishes within the lease's lifetime and
// the next join places the meeting on another node.
func TestDeadOwnersMeetingGoesElsewhere(t *testing.T) {
	t.Cleanup(func() { goleak.VerifyNone(t) })
	c := etcdtest.Start(t, 3)
	nodes := placeNodes(t, c, 1, 0, 2)
	if o := claim(t, nodes[2], "m1"); o.Node != "node1" {
		t.Fatalf("first claim: %+v, want node1", o)
	}
	watcher := c.Client(t)
	gone := watchGone(t, watcher, "kogge/meet/owner/m1")
	nodes[1].cli.Close() // node1 is cut off: nobody renews its lease
	select {
	case <-gone:
	case <-time.After(3 * cluster.NodeTTL * time.Second):
		t.Fatal("the dead owner's claim is still there")
	}
	if o := claim(t, nodes[2], "m1"); o.Node != "node0" {
		t.Fatalf("claim after node1 died: %+v, want node0", o)
	}
}

// watchGone is closed when key is deleted (its lease ran out or it was
// released).
func watchGone(t *testing.T, cli *clientv3.Client, key string) <-chan struct{} {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	get, err := cli.Get(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	gone := make(chan struct{})
	if len(get.Kvs) == 0 {
		close(gone)
		return gone
	}
	wc := cli.Watch(ctx, key, clientv3.WithRev(get.Header.Revision+1))
	go func() {
		for resp := range wc {
			for _, ev := range resp.Events {
				if ev.Type == clientv3.EventTypeDelete {
					close(gone)
					cancel()
					return
				}
			}
		}
	}()
	return gone
}

func waitGone(t *testing.T, cli *clientv3.Client, key string) {
	t.Helper()
	select {
	case <-watchGone(t, cli, key):
	case <-time.After(10 * time.Second):
		t.Fatalf("%s is still there", key)
	}
}

// A node (node2) cut off from etcd for longer than its lease keeps running its
// meetings; meanwhile a join places one of them on another node. Once it
// reaches etcd again it registers anew, claims back the meeting nobody
// took, and hands over the one another node owns now (its half ends with
// "moving" in the daemon).
func TestNodeBackFromALostLeaseReclaimsItsMeetings(t *testing.T) {
	t.Cleanup(func() { goleak.VerifyNone(t) })
	c := etcdtest.Start(t, 3)
	n2 := &placed{cli: c.ClientOf(t, 0)} // reaches etcd through member 0 only
	moved := make(chan string, 4)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	p, err := cluster.Register(ctx, n2.cli, "kogge/", "node2", "http://node2.test",
		func() int { return 0 }, slog.New(slog.DiscardHandler))
	cancel()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	n2.p = p
	p.Reclaim(func() []string { return []string{"m1", "m2"} }, func(id string) { moved <- id })
	others := placeNodes(t, c, 5, 7)
	for _, m := range []string{"m1", "m2"} {
		if o := claim(t, others[0], m); o.Node != "node2" {
			t.Fatalf("%s placed on %+v, want node2 (no participants)", m, o)
		}
	}

	watcher := c.ClientOf(t, 1) // not through member 0
	gone := watchGone(t, watcher, "kogge/meet/nodes/node2")
	c.Kill(0) // node2 cannot reach etcd; the other two members keep the quorum
	select {
	case <-gone:
	case <-time.After(5 * cluster.NodeTTL * time.Second):
		g, err := watcher.Get(context.Background(), "kogge/meet/nodes/node2")
		t.Fatalf("node2's record outlived its lease: %v %v", g, err)
	}
	// A join through node1 meanwhile: m2 goes to node0, the least loaded
	// of the nodes left.
	if o := claim(t, others[1], "m2"); o.Node != "node0" {
		t.Fatalf("m2 while node2 is away: %+v, want node0", o)
	}

	c.Restart(0)
	select {
	case id := <-moved:
		if id != "m2" {
			t.Fatalf("moved %q, want m2", id)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("node2 did not hand over m2 after it came back")
	}
	// m1 is node2's again, on its new lease; m2 stays node0's.
	for m, want := range map[string]string{"m1": "node2", "m2": "node0"} {
		if o := claim(t, others[1], m); o.Node != want {
			t.Fatalf("%s after node2 is back: %+v, want %s", m, o, want)
		}
	}
	ctx, cancel = context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	get, err := watcher.Get(ctx, "kogge/meet/owner/m1")
	if err != nil || len(get.Kvs) == 0 || clientv3.LeaseID(get.Kvs[0].Lease) != p.Lease() {
		t.Fatalf("m1's claim %v: not on node2's new lease %x", get, p.Lease())
	}
	select {
	case id := <-moved:
		t.Fatalf("also moved %q", id)
	default:
	}
}
