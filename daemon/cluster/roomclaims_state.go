package cluster

import (
	"context"
	"errors"
	"slices"
	"sync"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
)

// Rooms and configuration (docs/cluster.md, "Room devices"): a node can
// drive only the rooms in its own kogge.toml, and during a rolling change
// of the rooms the nodes' lists differ. So each node's record lists the
// rooms it has (NodeRecord.Rooms), a room is claimed only for a live node
// that has it (fewestRooms), and a node that holds a claim for a room it
// no longer has lets it go, so that a node that has it takes it.

// roomCheckEvery is how often the claims are checked besides the watch
// (a claim that failed for want of etcd is tried again then).
const roomCheckEvery = 2 * time.Second

// RoomClaims keeps this node's view of who drives which room.
type RoomClaims struct {
	p      *Placement
	rooms  func() []string
	owned  func(rooms []string)
	cancel context.CancelFunc
	done   chan struct{}
	// guarded is closed when guard has returned.
	guarded chan struct{}

	mu     sync.Mutex
	owners map[string]string    // room -> node
	nodes  map[string]nodeEntry // live nodes
	roomsP string
	cfg    roomConfig

	// reportMu orders the calls of owned; last is what it was last told.
	reportMu sync.Mutex
	last     []string
}

// roomConfig is what RoomClaims keeps about the rooms' configuration; it
// is used by check only (the run goroutine).
type roomConfig struct {
	// known are the rooms this node has seen configured on a live node
	// or claimed since it started; unplaced those of them it has said
	// are configured on no live node (said once, until one has it again).
	known, unplaced map[string]bool
}

// configuredRooms is rooms sorted and without repeats, never nil (an
// empty list in a node record is a node without rooms, nil one that does
// not say).
func configuredRooms(rooms []string) []string {
	out := append([]string{}, rooms...)
	slices.Sort(out)
	return slices.Compact(out)
}

// releaseUnconfigured gives up this node's claims on rooms it does not
// have (any more): its rooms were changed and reloaded, or a claim was
// made for it before its record listed its rooms. Only a claim that is
// still this node's is deleted; the watch then shows the room free, and
// a node that has it claims it.
func (rc *RoomClaims) releaseUnconfigured(ctx context.Context, configured []string) {
	rc.mu.Lock()
	var gone []string
	for room, node := range rc.owners {
		if node == rc.p.name && !slices.Contains(configured, room) {
			gone = append(gone, room)
		}
	}
	rc.mu.Unlock()
	for _, room := range gone {
		key := rc.roomsP + room
		cctx, cancel := context.WithTimeout(ctx, roomCheckEvery)
		resp, err := rc.p.c.Txn(cctx).If(clientv3.Compare(clientv3.Value(key), "=", rc.p.name)).
			Then(clientv3.OpDelete(key)).Commit()
		cancel()
		if err != nil {
			if !errors.Is(err, context.Canceled) {
				rc.p.log.Warn("room claims: letting go of a room this node no longer has failed; trying again", "room", room, "err", err)
			}
			continue
		}
		if resp.Succeeded {
			rc.p.log.Info("room claims: this node no longer has the room in its configuration and lets another node drive it", "room", room)
		}
		rc.mu.Lock()
		if rc.owners[room] == rc.p.name {
			delete(rc.owners, room) // the watch tells the same later
		}
		rc.mu.Unlock()
	}
}

// noteUnconfigured says, once per room, when a room this node has seen
// is configured on no live node: nobody drives its devices then. Nothing
// is said while a node that does not list its rooms lives (it may have
// any room), nor while this node is not registered (it is leaving, or
// cut off, and sees no cluster to speak of).
func (rc *RoomClaims) noteUnconfigured(configured []string) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if _, registered := rc.nodes[rc.p.name]; !registered {
		return
	}
	c := &rc.cfg
	if c.known == nil {
		c.known, c.unplaced = map[string]bool{}, map[string]bool{}
	}
	has := map[string]bool{}
	for _, room := range configured {
		has[room] = true
	}
	for _, n := range rc.nodes {
		if n.rec.Rooms == nil {
			clear(c.unplaced)
			return
		}
		for _, room := range n.rec.Rooms {
			has[room] = true
		}
	}
	for room := range has {
		c.known[room] = true
	}
	for room := range rc.owners {
		c.known[room] = true
	}
	for room := range c.known {
		switch {
		case has[room]:
			delete(c.unplaced, room)
		case !c.unplaced[room]:
			c.unplaced[room] = true
			rc.p.log.Warn("room claims: no live node has this room in its configuration, so nobody drives its devices "+
				"until a node that has it in kogge.toml starts (nothing to do if the room was removed on purpose)", "room", room)
		}
	}
}
