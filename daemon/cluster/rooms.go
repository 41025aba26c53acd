package cluster

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"time"

	"go.etcd.io/etcd/api/v3/mvccpb"
	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/kogge-project/kogge/internal/etcdwatch"
)

// Room claims (docs/cluster.md, "Room devices"): each room's devices are
// driven by one node, the room's owner, whose claim `P rooms/owner/<room>`
// hangs on the same lease as its node record (placement.go). So a dead
// owner's rooms are free again within NodeTTL, and a node that lost its
// lease has lost its rooms with it. Every node watches the claims and the
// node records; a room without a live owner is claimed by whoever sees it
// first, for the node that drives the fewest rooms among those that have
// the room configured (roomclaims_state.go; a transaction that writes only
// while there is no claim: one winner). Rooms do not move while their
// owner lives: a projector keeps its one connection.

// Driving a room is bound to the lease, not to what the watch last said:
// a node cut off from etcd must let go of its devices before its lease
// can run out and another node claims its rooms, or two nodes would drive
// one projector. The lease is renewed about every NodeTTL/3; a node that
// has heard no renewal for driveMargin stops driving, checked every
// guardEvery, which leaves NodeTTL - driveMargin - guardEvery (half a
// second) for the answer's way from etcd.
const (
	driveMargin = 2 * time.Second
	guardEvery  = 500 * time.Millisecond
)

// RoomClaimDir is where the rooms' claims are under prefix: each key is
// the room's id, its value the driving node's name.
func RoomClaimDir(prefix string) string { return prefix + "rooms/owner/" }

// ClaimRooms starts keeping the claims of the rooms that rooms lists (the
// configured ones, read at every check: a reload may add some), calling
// owned with the rooms this node drives whenever that changes. Stop ends
// it and tells owned that this node drives nothing.
func (p *Placement) ClaimRooms(rooms func() []string, owned func(rooms []string)) *RoomClaims {
	ctx, cancel := context.WithCancel(context.Background())
	rc := &RoomClaims{p: p, rooms: rooms, owned: owned, cancel: cancel, done: make(chan struct{}),
		owners: map[string]string{}, nodes: map[string]nodeEntry{}, roomsP: RoomClaimDir(p.prefix)}
	// The record lists this node's rooms before it claims any, so that
	// no node claims a room for it that it does not have.
	pctx, pcancel := context.WithTimeout(ctx, roomCheckEvery)
	p.publishRooms(pctx, configuredRooms(rooms()))
	pcancel()
	guarded := make(chan struct{})
	rc.guarded = guarded
	go rc.run(ctx)
	go func() { defer close(guarded); rc.guard(ctx) }()
	return rc
}

// guard lets go of every room while the lease is not known to hold
// (driveMargin); check claims them back when it holds again.
func (rc *RoomClaims) guard(ctx context.Context) {
	t := time.NewTicker(guardEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if !rc.leaseHolds() {
				rc.report(nil)
			}
		}
	}
}

func (rc *RoomClaims) leaseHolds() bool {
	return time.Since(rc.p.Confirmed()) < driveMargin
}

// report tells owned the rooms this node drives, if that changed.
func (rc *RoomClaims) report(mine []string) {
	rc.reportMu.Lock()
	defer rc.reportMu.Unlock()
	if slices.Equal(mine, rc.last) {
		return
	}
	rc.last = mine
	rc.owned(mine)
}

// Stop ends the claims' upkeep (the claims themselves end with the
// node's lease, Placement.Close).
func (rc *RoomClaims) Stop() {
	rc.cancel()
	<-rc.done
	<-rc.guarded
	rc.reportMu.Lock()
	defer rc.reportMu.Unlock()
	rc.last = nil
	rc.owned(nil)
}

// Owner is the room's driving node: local, or its URL; "" and false when
// no live node drives it now.
func (rc *RoomClaims) Owner(room string) (url string, local bool) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	n, ok := rc.nodes[rc.owners[room]]
	if !ok {
		return "", false
	}
	if n.name == rc.p.name {
		return "", true
	}
	return n.rec.URL, false
}

func (rc *RoomClaims) run(ctx context.Context) {
	defer close(rc.done)
	etcdwatch.Follow(ctx, rc.p.c, etcdwatch.Options{
		Prefixes: []string{rc.roomsP, rc.p.nodesPrefix}, ReadTimeout: roomCheckEvery, Retry: retryEvery,
		Loaded: func(_ int64, kvs [][]*mvccpb.KeyValue) error {
			rc.load(kvs[0], kvs[1])
			rc.check(ctx)
			return nil
		},
		Changed: func(i int, evs []*clientv3.Event) error {
			rc.apply(i == 1, evs)
			rc.check(ctx)
			return nil
		},
		// Besides after every change: a claim that failed for want of
		// etcd is tried again.
		Every: roomCheckEvery,
		Woken: func() error { rc.check(ctx); return nil },
		Failed: func(err error) {
			rc.p.log.Warn("room claims: watching the claims failed; reading them again", "err", err)
		},
	})
}

// load takes the claims and nodes read at one revision.
func (rc *RoomClaims) load(claims, nodes []*mvccpb.KeyValue) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	clear(rc.owners)
	clear(rc.nodes)
	for _, kv := range claims {
		rc.owners[string(kv.Key[len(rc.roomsP):])] = string(kv.Value)
	}
	for _, kv := range nodes {
		rc.putNode(kv)
	}
}

func (rc *RoomClaims) putNode(kv *mvccpb.KeyValue) {
	var rec NodeRecord
	if json.Unmarshal(kv.Value, &rec) != nil || rec.URL == "" {
		return
	}
	name := string(kv.Key[len(rc.p.nodesPrefix):])
	rc.nodes[name] = nodeEntry{name: name, rec: rec, lease: clientv3.LeaseID(kv.Lease)}
}

// apply takes a watch response's changes of the claims or the nodes.
func (rc *RoomClaims) apply(nodes bool, evs []*clientv3.Event) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	for _, ev := range evs {
		switch {
		case nodes && ev.Type == clientv3.EventTypeDelete:
			delete(rc.nodes, string(ev.Kv.Key[len(rc.p.nodesPrefix):]))
		case nodes:
			rc.putNode(ev.Kv)
		case ev.Type == clientv3.EventTypeDelete:
			delete(rc.owners, string(ev.Kv.Key[len(rc.roomsP):]))
		default:
			rc.owners[string(ev.Kv.Key[len(rc.roomsP):])] = string(ev.Kv.Value)
		}
	}
}

// check claims the rooms nobody live drives, lets go of those this node
// no longer has, and tells owned what this node drives.
func (rc *RoomClaims) check(ctx context.Context) {
	configured := configuredRooms(rc.rooms())
	pctx, pcancel := context.WithTimeout(ctx, roomCheckEvery)
	rc.p.publishRooms(pctx, configured) // after a reload
	pcancel()
	for _, room := range configured {
		rc.mu.Lock()
		_, live := rc.nodes[rc.owners[room]]
		_, claimed := rc.owners[room]
		best, ok := rc.fewestRooms(room)
		rc.mu.Unlock()
		if live || claimed || !ok {
			// A claim whose node is gone vanishes with its lease; the
			// watch tells, and the room is claimed then.
			continue
		}
		cctx, cancel := context.WithTimeout(ctx, roomCheckEvery)
		key := rc.roomsP + room
		resp, err := rc.p.c.Txn(cctx).If(clientv3.Compare(clientv3.CreateRevision(key), "=", 0)).
			Then(clientv3.OpPut(key, best.name, clientv3.WithLease(best.lease))).Else(clientv3.OpGet(key)).Commit()
		cancel()
		if err != nil {
			if !errors.Is(err, rpctypes.ErrLeaseNotFound) && ctx.Err() == nil {
				rc.p.log.Warn("room claims: claiming a room failed; trying again", "room", room, "err", err)
			}
			continue
		}
		// Count it now (the watch tells the same later), so that the
		// next room of this pass goes to the node that then has fewest.
		rc.mu.Lock()
		if resp.Succeeded {
			rc.owners[room] = best.name
		} else if kvs := resp.Responses[0].GetResponseRange().Kvs; len(kvs) > 0 {
			rc.owners[room] = string(kvs[0].Value)
		}
		rc.mu.Unlock()
	}
	rc.releaseUnconfigured(ctx, configured)
	rc.noteUnconfigured(configured)
	rc.mu.Lock()
	var mine []string
	if _, registered := rc.nodes[rc.p.name]; registered && rc.leaseHolds() {
		for room, node := range rc.owners {
			if node == rc.p.name && slices.Contains(configured, room) {
				mine = append(mine, room)
			}
		}
	}
	slices.Sort(mine)
	rc.mu.Unlock()
	rc.report(mine)
}

// fewestRooms is the live node driving the fewest rooms (then by name, so
// that nodes deciding at once agree) of those that have room; this node
// has it (check asks only for its own rooms), whatever its record said
// last. rc.mu is held.
func (rc *RoomClaims) fewestRooms(room string) (nodeEntry, bool) {
	count := map[string]int{}
	for _, node := range rc.owners {
		count[node]++
	}
	var best nodeEntry
	found := false
	for _, n := range rc.nodes {
		if n.name != rc.p.name && !n.rec.HasRoom(room) {
			continue
		}
		if !found || count[n.name] < count[best.name] || (count[n.name] == count[best.name] && n.name < best.name) {
			best, found = n, true
		}
	}
	return best, found
}
