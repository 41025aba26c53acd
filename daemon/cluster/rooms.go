package cluster

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"sync"
	"time"

	"go.etcd.io/etcd/api/v3/mvccpb"
	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// Room claims (docs/cluster.md, "Room devices"): each room's devices are
// driven by one node, the room's owner, whose claim `P rooms/owner/<room>`
// hangs on the same lease as its node record (placement.go). So a dead
// owner's rooms are free again within NodeTTL, and a node that lost its
// lease has lost its rooms with it. Every node watches the claims and the
// node records; a room without a live owner is claimed by whoever sees it
// first, for the node that drives the fewest rooms among those that have
// the room configured (rooms_config.go; a transaction that writes only
// while there is no claim: one winner). Rooms do not move while their
// owner lives: a projector keeps its one connection.

// roomCheckEvery is how often the claims are checked besides the watch
// (a claim that failed for want of etcd is tried again then).
const roomCheckEvery = 2 * time.Second

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
	for ctx.Err() == nil {
		rev, err := rc.load(ctx)
		if err == nil {
			err = rc.follow(ctx, rev)
		}
		if ctx.Err() == nil {
			rc.p.log.Warn("room claims: watching the claims failed; reading them again", "err", err)
			select {
			case <-ctx.Done():
			case <-time.After(retryEvery):
			}
		}
	}
}

// load reads the claims and nodes at one revision.
func (rc *RoomClaims) load(ctx context.Context) (int64, error) {
	ctx, cancel := context.WithTimeout(ctx, roomCheckEvery)
	defer cancel()
	resp, err := rc.p.c.Txn(ctx).Then(clientv3.OpGet(rc.roomsP, clientv3.WithPrefix()),
		clientv3.OpGet(rc.p.nodesPrefix, clientv3.WithPrefix())).Commit()
	if err != nil {
		return 0, err
	}
	rc.mu.Lock()
	clear(rc.owners)
	clear(rc.nodes)
	for _, kv := range resp.Responses[0].GetResponseRange().Kvs {
		rc.owners[string(kv.Key[len(rc.roomsP):])] = string(kv.Value)
	}
	for _, kv := range resp.Responses[1].GetResponseRange().Kvs {
		rc.putNode(kv)
	}
	rc.mu.Unlock()
	return resp.Header.Revision, nil
}

func (rc *RoomClaims) putNode(kv *mvccpb.KeyValue) {
	var rec NodeRecord
	if json.Unmarshal(kv.Value, &rec) != nil || rec.URL == "" {
		return
	}
	name := string(kv.Key[len(rc.p.nodesPrefix):])
	rc.nodes[name] = nodeEntry{name: name, rec: rec, lease: clientv3.LeaseID(kv.Lease)}
}

// follow applies the watch of both prefixes from rev on and checks the
// claims after every change and every roomCheckEvery.
func (rc *RoomClaims) follow(ctx context.Context, rev int64) error {
	wctx, cancel := context.WithCancel(clientv3.WithRequireLeader(ctx))
	defer cancel()
	claims := rc.p.c.Watch(wctx, rc.roomsP, clientv3.WithPrefix(), clientv3.WithRev(rev+1))
	nodes := rc.p.c.Watch(wctx, rc.p.nodesPrefix, clientv3.WithPrefix(), clientv3.WithRev(rev+1))
	tick := time.NewTicker(roomCheckEvery)
	defer tick.Stop()
	rc.check(ctx)
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case w, ok := <-claims:
			if !ok || w.Err() != nil {
				return errors.Join(errors.New("claims watch ended"), w.Err())
			}
			rc.mu.Lock()
			for _, ev := range w.Events {
				room := string(ev.Kv.Key[len(rc.roomsP):])
				if ev.Type == clientv3.EventTypeDelete {
					delete(rc.owners, room)
				} else {
					rc.owners[room] = string(ev.Kv.Value)
				}
			}
			rc.mu.Unlock()
		case w, ok := <-nodes:
			if !ok || w.Err() != nil {
				return errors.Join(errors.New("nodes watch ended"), w.Err())
			}
			rc.mu.Lock()
			for _, ev := range w.Events {
				if ev.Type == clientv3.EventTypeDelete {
					delete(rc.nodes, string(ev.Kv.Key[len(rc.p.nodesPrefix):]))
				} else {
					rc.putNode(ev.Kv)
				}
			}
			rc.mu.Unlock()
		case <-tick.C:
		}
		rc.check(ctx)
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
