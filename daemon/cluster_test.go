package main

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kogge-project/kogge/daemon/config"
	"github.com/kogge-project/kogge/internal/etcdtest"
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
