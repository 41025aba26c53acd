package cluster_test

import (
	"context"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/kogge-project/kogge/daemon/cluster"
	"github.com/kogge-project/kogge/internal/etcdtest"
)

// leader is the one node of nodes that leads, waiting up to the lease's
// lifetime and an election for there to be exactly one.
func leader(t *testing.T, nodes []*cluster.Node) int {
	t.Helper()
	deadline := time.Now().Add(3 * cluster.LeaseTTL * time.Second)
	for {
		var leading []int
		for i, n := range nodes {
			if n != nil && n.Leader() {
				leading = append(leading, i)
			}
		}
		if len(leading) == 1 {
			return leading[0]
		}
		if time.Now().After(deadline) {
			t.Fatalf("leading nodes %v, want exactly one", leading)
		}
		time.Sleep(20 * time.Millisecond) // polling three flags, not timing
	}
}

// One of three nodes leads; when it resigns another takes over, and fn
// runs only during a node's own terms.
func TestOneNodeLeadsAndAnotherTakesOver(t *testing.T) {
	// Registered first, so it runs after the clients' cleanups.
	t.Cleanup(func() { goleak.VerifyNone(t) })
	c := etcdtest.Start(t, 3)
	var nodes []*cluster.Node
	terms := make(chan string, 8)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	for i := range 3 {
		n := cluster.Join(c.Client(t), "kogge/", fmt.Sprintf("node%d", i), slog.New(slog.DiscardHandler))
		nodes = append(nodes, n)
		go n.While(ctx, func(term context.Context) {
			terms <- n.String()
			<-term.Done()
		})
	}
	first := leader(t, nodes)
	if got := <-terms; got != fmt.Sprintf("node%d", first) {
		t.Fatalf("term began on %s, leader is node%d", got, first)
	}
	nodes[first].Close()
	nodes[first] = nil
	second := leader(t, nodes)
	select {
	case got := <-terms:
		if got != fmt.Sprintf("node%d", second) {
			t.Fatalf("term began on %s, leader is node%d", got, second)
		}
	case <-time.After(3 * cluster.LeaseTTL * time.Second):
		t.Fatal("the new leader's term did not begin")
	}
	for _, n := range nodes {
		if n != nil {
			n.Close()
		}
	}
}
