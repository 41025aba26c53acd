package store

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/kogge-project/kogge/internal/etcdtest"
	"github.com/kogge-project/kogge/rooms"
)

// clusterStores opens n stores sharing one etcd cluster, each with its own
// local copy, as n Kogge nodes would.
func clusterStores(t *testing.T, c *etcdtest.Cluster, n int) []*Store {
	t.Helper()
	var stores []*Store
	for i := range n {
		s, err := Open(filepath.Join(t.TempDir(), fmt.Sprintf("node%d.db", i)), Options{
			Now: func() time.Time { return t0 }, Etcd: c.Client(t), EtcdPrefix: "kogge/",
		})
		if err != nil {
			t.Fatalf("node %d: %v", i, err)
		}
		t.Cleanup(func() { s.Close() })
		stores = append(stores, s)
	}
	return stores
}

// Conflicting bookings through three nodes: in every round exactly one of
// 64 racers for one slot wins, and every loser is told the winner, as
// inside one bbolt file (TestConcurrentCreateSameSlot).
func TestClusterCreateSameSlotThroughThreeNodes(t *testing.T) {
	c := etcdtest.Start(t, 3)
	nodes := clusterStores(t, c, 3)
	rounds := 1000
	if testing.Short() {
		rounds = 50
	}
	const racers = 64
	for round := range rounds {
		start := t0.Add(time.Duration(round) * time.Hour)
		var wg sync.WaitGroup
		results := make([]rooms.Booking, racers)
		errs := make([]error, racers)
		for i := range racers {
			wg.Go(func() {
				b := at("a", start, time.Hour)
				b.Title = fmt.Sprintf("racer %d", i)
				results[i], errs[i] = nodes[i%3].Create(b, "racer")
			})
		}
		wg.Wait()
		var winner string
		for i, err := range errs {
			if err == nil {
				if winner != "" {
					t.Fatalf("round %d: two winners %s and %s", round, winner, results[i].ID)
				}
				winner = results[i].ID
			}
		}
		if winner == "" {
			t.Fatalf("round %d: no winner (%v)", round, errs[0])
		}
		for _, err := range errs {
			if err == nil {
				continue
			}
			var ce *rooms.ConflictError
			if !errors.As(err, &ce) {
				t.Fatalf("round %d: loser got %v, want a conflict", round, err)
			}
			if ids := conflictIDs(t, err); !slices.Equal(ids, []string{winner}) {
				t.Fatalf("round %d: loser told %v, want [%s]", round, ids, winner)
			}
		}
	}
	for i, s := range nodes {
		s.db.WaitApplied(t.Context(), nodes[0].db.Applied())
		counts, err := s.CountByStatus()
		if err != nil || counts[rooms.StatusConfirmed] != rounds {
			t.Errorf("node %d: %v confirmed (%v), want %d", i, counts, err, rounds)
		}
	}
}

// A change committed on one node reaches the change feed of the others,
// marked Remote, with the booking before and after and who did it.
func TestClusterChangesReachEveryNode(t *testing.T) {
	c := etcdtest.Start(t, 3)
	nodes := clusterStores(t, c, 3)
	heard := make(chan rooms.Change, 4)
	nodes[2].Subscribe(func(ch rooms.Change) { heard <- ch })
	b := mustCreate(t, nodes[0], at("a", t0, time.Hour))
	if _, err := nodes[1].Cancel(b.ID, b.Version, "anna"); err != nil {
		// node 1 may not have b yet: wait for it, then cancel
		nodes[1].db.WaitApplied(t.Context(), nodes[0].db.Applied())
		if _, err := nodes[1].Cancel(b.ID, b.Version, "anna"); err != nil {
			t.Fatal(err)
		}
	}
	for _, want := range []string{"create", "cancel"} {
		select {
		case ch := <-heard:
			if !ch.Remote || ch.Action != want || ch.Booking().ID != b.ID {
				t.Fatalf("heard %+v, want a remote %s of %s", ch, want, b.ID)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("node 2 did not hear the %s", want)
		}
	}
}

// A node's copy of an earlier store (the prefix was emptied and filled
// anew) is not continued from its revision but loaded afresh.
func TestClusterCopyOfAnotherStoreIsReloaded(t *testing.T) {
	c := etcdtest.Start(t, 3)
	cli := c.Client(t)
	open := func(path string) *Store {
		s, err := Open(path, Options{Now: func() time.Time { return t0 }, Etcd: cli, EtcdPrefix: "kogge/"})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	oldPath := filepath.Join(t.TempDir(), "old.db")
	old := open(oldPath)
	gone := mustCreate(t, old, at("a", t0, time.Hour))
	old.Close()
	if _, err := cli.Delete(t.Context(), "kogge/", clientv3.WithPrefix()); err != nil {
		t.Fatal(err)
	}
	fresh := open(filepath.Join(t.TempDir(), "new.db"))
	var kept rooms.Booking
	for i := range 20 { // past the old copy's revision
		kept = mustCreate(t, fresh, at("b", t0.Add(time.Duration(i)*time.Hour), time.Hour))
	}
	fresh.Close()
	again := open(oldPath)
	defer again.Close()
	if _, err := again.Get(gone.ID); err == nil {
		t.Errorf("the old store's booking %s is still in the reopened copy", gone.ID)
	}
	if _, err := again.Get(kept.ID); err != nil {
		t.Errorf("the new store's booking: %v", err)
	}
}
