package cluster_test

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/kogge-project/kogge/daemon/cluster"
	"github.com/kogge-project/kogge/internal/etcdtest"
)

// ownedRooms records what a node's RoomClaims say it drives.
type ownedRooms struct {
	mu    sync.Mutex
	rooms []string
}

func (o *ownedRooms) set(rooms []string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.rooms = slices.Clone(rooms)
}

func (o *ownedRooms) get() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return slices.Clone(o.rooms)
}

// Six rooms on three nodes: every room has exactly one driving node, the
// rooms are spread two by two, and every node routes a room to its
// driver. When a driver goes, its rooms move to the others within the
// lease and nobody else's room moves.
func TestEveryRoomHasOneDriver(t *testing.T) {
	t.Cleanup(func() { goleak.VerifyNone(t) })
	c := etcdtest.Start(t, 3)
	nodes := placeNodes(t, c, 0, 0, 0)
	rooms := []string{"ratssaal", "sitzungszimmer-1", "sitzungszimmer-2", "interviewraum", "trauzimmer", "foyer"}
	owned := make([]*ownedRooms, len(nodes))
	claims := make([]*cluster.RoomClaims, len(nodes))
	for i, n := range nodes {
		owned[i] = &ownedRooms{}
		claims[i] = n.p.ClaimRooms(func() []string { return rooms }, owned[i].set)
		t.Cleanup(claims[i].Stop)
	}
	// spread waits until the live nodes' rooms are each room exactly once.
	spread := func(live []int, within time.Duration) map[string]int {
		t.Helper()
		deadline := time.Now().Add(within)
		for {
			driver := map[string]int{}
			twice := false
			for _, i := range live {
				for _, r := range owned[i].get() {
					if _, dup := driver[r]; dup {
						twice = true
					}
					driver[r] = i
				}
			}
			if !twice && len(driver) == len(rooms) {
				return driver
			}
			if time.Now().After(deadline) {
				t.Fatalf("rooms not driven once each within %v: %v", within, driver)
			}
			time.Sleep(20 * time.Millisecond) // polling what the watches report, not timing
		}
	}
	driver := spread([]int{0, 1, 2}, 10*time.Second)
	perNode := map[int]int{}
	for _, i := range driver {
		perNode[i]++
	}
	for i := range nodes {
		if perNode[i] != 2 {
			t.Errorf("node%d drives %d rooms, want 2 (%v)", i, perNode[i], driver)
		}
	}
	// Every node routes every room to its driver (once its watch has
	// heard all claims).
	deadline := time.Now().Add(5 * time.Second)
	for i, rc := range claims {
		for room, d := range driver {
			for {
				url, local := rc.Owner(room)
				want := fmt.Sprintf("http://node%d.test", d)
				if local == (d == i) && (local || url == want) {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("node%d routes %s to (%q, %v), want node%d", i, room, url, local, d)
				}
				time.Sleep(20 * time.Millisecond) // polling the watch's view, not timing
			}
		}
	}

	// node0 goes: its claims go with its lease.
	claims[0].Stop()
	nodes[0].p.Close()
	after := spread([]int{1, 2}, 2*cluster.NodeTTL*time.Second+5*time.Second)
	for room, d := range driver {
		if d != 0 && after[room] != d {
			t.Errorf("%s moved from node%d to node%d though its driver lives", room, d, after[room])
		}
	}
}

// A node cut off from etcd lets go of its rooms' devices before its lease
// runs out, so that the node that claims them next is never a second
// master; the others then drive every room.
func TestCutOffNodeLetsGoBeforeItsLeaseEnds(t *testing.T) {
	t.Cleanup(func() { goleak.VerifyNone(t) })
	c := etcdtest.Start(t, 3)
	cut := &placed{cli: c.ClientOf(t, 0)} // reaches etcd through member 0 only
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	p, err := cluster.Register(ctx, cut.cli, "kogge/", "cut", "http://cut.test",
		func() int { return 0 }, slog.New(slog.DiscardHandler))
	cancel()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	rooms := []string{"ratssaal", "sitzungszimmer-1", "sitzungszimmer-2"}
	var mu sync.Mutex
	var letGo time.Time
	cutOwned := &ownedRooms{}
	rc := p.ClaimRooms(func() []string { return rooms }, func(r []string) {
		cutOwned.set(r)
		if len(r) == 0 {
			mu.Lock()
			letGo = time.Now()
			mu.Unlock()
		}
	})
	t.Cleanup(rc.Stop)
	deadline := time.Now().Add(10 * time.Second)
	for len(cutOwned.get()) != len(rooms) { // alone, it claims every room
		if time.Now().After(deadline) {
			t.Fatalf("the only node drives %v", cutOwned.get())
		}
		time.Sleep(20 * time.Millisecond) // polling what the watch reports, not timing
	}
	others := placeNodes(t, c, 0, 0)
	owned := []*ownedRooms{{}, {}}
	for i, n := range others {
		rc := n.p.ClaimRooms(func() []string { return rooms }, owned[i].set)
		t.Cleanup(rc.Stop)
	}

	gone := watchGone(t, c.ClientOf(t, 1), "kogge/meet/nodes/cut")
	c.Kill(0)
	select {
	case <-gone:
	case <-time.After(5 * cluster.NodeTTL * time.Second):
		t.Fatal("the cut-off node's record outlived its lease")
	}
	expired := time.Now()
	mu.Lock()
	at := letGo
	mu.Unlock()
	if at.IsZero() || at.After(expired) {
		t.Fatalf("the cut-off node let go of its rooms at %v, its lease ended by %v", at, expired)
	}
	t.Logf("let go %v before the lease's end was seen", expired.Sub(at).Round(10*time.Millisecond))
	deadline = time.Now().Add(10 * time.Second)
	for {
		driven := map[string]int{}
		for _, o := range owned {
			for _, r := range o.get() {
				driven[r]++
			}
		}
		ok := len(driven) == len(rooms)
		for _, n := range driven {
			ok = ok && n == 1
		}
		if ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after the cut the others drive %v", driven)
		}
		time.Sleep(20 * time.Millisecond) // polling what the watches report, not timing
	}
}
