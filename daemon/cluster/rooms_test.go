package cluster_test

import (
	"fmt"
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
