package cluster

// Placement: which node runs a meeting (docs/cluster.md, "Meetings on
// many nodes"). A meeting's state (participants, lobby, speaker queue,
// media) lives in one node's memory, so every participant of a meeting
// must reach that node. Each node registers itself in etcd with its load;
// the first join of a meeting claims it for the least-loaded live node,
// and every node routes later joins there.
//
// Keys, under the installation's prefix:
//
//	meet/nodes/<node>    {"url":…,"load":…,"cpu":…,"rooms":[…]} on the node's own lease
//	meet/owner/<meeting> the owner's name, on the OWNER's lease
//	meet/relay-key       the HMAC key nodes sign relayed client addresses with
//	meet/join-keys       the join links' keys (joinkeys.go)
//
// Both kinds of record hang on the node's lease (NodeTTL), so a node that
// dies takes its record and its claims with it within NodeTTL, and the
// next join claims the meeting for another node.

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// NodeTTL is the lease of a node's record and claims, in seconds: how
// long a dead node still owns its meetings.
const NodeTTL = 3

// refreshEvery is how often a node writes its load.
const refreshEvery = 2 * time.Second

// claimAttempts bounds Claim's rounds (each lost race or vanished lease
// costs one).
const claimAttempts = 5

// NodeRecord is what a node publishes about itself.
type NodeRecord struct {
	// URL is where the other nodes reach its listener ([store.etcd]
	// advertise_url).
	URL string `json:"url"`
	// Load is the participants in its meetings (lobby waiters included).
	Load int `json:"load"`
	// CPU is the process's share of the machine's CPUs over the last
	// refresh (0–1).
	CPU float64 `json:"cpu"`
	// Rooms are the ids of the rooms in the node's configuration, sorted,
	// written once it claims rooms (RoomClaims). Absent (nil) is a node
	// that does not say: one of a version before the list, or one in the
	// moment between registering and claiming. It counts as having every
	// room, so that a rolling upgrade keeps its rooms driven; an empty
	// list is a node with no rooms.
	Rooms []string `json:"rooms,omitzero"`
}

// HasRoom is whether the node can drive the room's devices: it has the
// room in its configuration, or it does not say which rooms it has.
func (r NodeRecord) HasRoom(room string) bool {
	return r.Rooms == nil || slices.Contains(r.Rooms, room)
}

// Owner is the node a meeting runs on.
type Owner struct {
	Node string
	URL  string
	// Local: the owner is this node.
	Local bool
}

// Placement is this node's part in placing meetings.
type Placement struct {
	c                 *clientv3.Client
	prefix, name, url string
	load              func() int
	log               *slog.Logger
	cancel            context.CancelFunc
	done              chan struct{}
	cpu               cpuMeter
	mu                sync.Mutex
	lease             clientv3.LeaseID // 0 while not registered
	// confirmed is when etcd last confirmed the lease (Unix nanoseconds;
	// registration or a keep-alive answer): RoomClaims stops driving
	// devices when it grows old, before the lease can run out.
	confirmed atomic.Int64
	// withdrawn: the node's record is deleted and not written again
	// (Withdraw); its lease and claims hold until Close.
	withdrawn                atomic.Bool
	closed                   bool
	releases                 sync.WaitGroup
	ownerPrefix, nodesPrefix string
	// recMu orders the writes of the node's record, so that the last
	// one written carries the latest rooms; rooms is the list the record
	// carries (NodeRecord.Rooms; nil until ClaimRooms sets it).
	recMu sync.Mutex
	rooms atomic.Pointer[[]string]
	// open and moved are this node's meetings (reclaim.go; nil: none).
	open  func() []string
	moved func(meetingID string)
}

func (p *Placement) nodeKey(name string) string { return p.nodesPrefix + name }
func (p *Placement) ownerKey(id string) string  { return p.ownerPrefix + id }

func (p *Placement) currentLease() clientv3.LeaseID {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.lease
}

// Claim returns the owner of a meeting: the node that holds it if any,
// else the least-loaded live node (participants, then CPU), which it
// claims the meeting for. Of nodes claiming at once exactly one wins (a
// transaction that writes the claim only while there is none); the
// others return the winner.
func (p *Placement) Claim(ctx context.Context, meetingID string) (Owner, error) {
	key := p.ownerKey(meetingID)
	for range claimAttempts {
		// One snapshot of the claim and the nodes.
		resp, err := p.c.Txn(ctx).Then(clientv3.OpGet(key), clientv3.OpGet(p.nodesPrefix, clientv3.WithPrefix())).Commit()
		if err != nil {
			return Owner{}, err
		}
		nodes := map[string]nodeEntry{}
		for _, kv := range resp.Responses[1].GetResponseRange().Kvs {
			var rec NodeRecord
			if json.Unmarshal(kv.Value, &rec) != nil || rec.URL == "" {
				continue
			}
			name := string(kv.Key[len(p.nodesPrefix):])
			nodes[name] = nodeEntry{name: name, rec: rec, lease: clientv3.LeaseID(kv.Lease)}
		}
		if kvs := resp.Responses[0].GetResponseRange().Kvs; len(kvs) > 0 {
			if n, ok := nodes[string(kvs[0].Value)]; ok {
				return p.owner(n), nil
			}
			continue // its node's record is going with the same lease
		}
		best, ok := leastLoaded(nodes)
		if !ok {
			return Owner{}, errors.New("no node is registered for meetings")
		}
		put, err := p.c.Txn(ctx).If(clientv3.Compare(clientv3.CreateRevision(key), "=", 0)).
			Then(clientv3.OpPut(key, best.name, clientv3.WithLease(best.lease))).Commit()
		if errors.Is(err, rpctypes.ErrLeaseNotFound) {
			continue // that node has just died
		}
		if err != nil {
			return Owner{}, err
		}
		if put.Succeeded {
			return p.owner(best), nil
		}
	}
	return Owner{}, fmt.Errorf("meeting %s: no stable owner after %d attempts", meetingID, claimAttempts)
}

type nodeEntry struct {
	name  string
	rec   NodeRecord
	lease clientv3.LeaseID
}

func (p *Placement) owner(n nodeEntry) Owner {
	return Owner{Node: n.name, URL: n.rec.URL, Local: n.name == p.name}
}

// leastLoaded picks by participants, then CPU, then name (so that nodes
// deciding from the same snapshot agree).
func leastLoaded(nodes map[string]nodeEntry) (nodeEntry, bool) {
	var best nodeEntry
	found := false
	for _, n := range nodes {
		if !found || n.rec.Load < best.rec.Load ||
			(n.rec.Load == best.rec.Load && (n.rec.CPU < best.rec.CPU || (n.rec.CPU == best.rec.CPU && n.name < best.name))) {
			best, found = n, true
		}
	}
	return best, found
}

// Release gives up this node's claim on a meeting that ended here. It
// does not wait: the deletion runs in the background (Close waits for it).
func (p *Placement) Release(meetingID string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return
	}
	p.releases.Add(1)
	go func() {
		defer p.releases.Done()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		key := p.ownerKey(meetingID)
		// Only our own claim: another node may own it by now.
		_, err := p.c.Txn(ctx).If(clientv3.Compare(clientv3.Value(key), "=", p.name)).Then(clientv3.OpDelete(key)).Commit()
		if err != nil {
			p.log.Warn("meeting placement: releasing a meeting failed; its claim ends with this node's lease", "meeting", meetingID, "err", err)
		}
	}()
}

// Close stops refreshing and revokes the lease: the node's record and its
// claims vanish at once, so the next join of its meetings goes elsewhere.
func (p *Placement) Close() {
	p.mu.Lock()
	p.closed = true
	p.mu.Unlock()
	p.cancel()
	<-p.done
	p.releases.Wait()
	p.mu.Lock()
	lease := p.lease
	p.mu.Unlock()
	if lease != 0 {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_, _ = p.c.Revoke(ctx, lease)
	}
}

// Name is this node's name.
func (p *Placement) Name() string { return p.name }

// relayKeyLen is the HMAC key's length in bytes.
const relayKeyLen = 32

// RelayKey returns the cluster's key for signing relayed client addresses
// (prefix+"meet/relay-key"), creating it if there is none: the first node
// to start writes a random key, every other reads that one.
func RelayKey(ctx context.Context, c *clientv3.Client, prefix string) ([]byte, error) {
	key := prefix + "meet/relay-key"
	raw := make([]byte, relayKeyLen)
	_, _ = rand.Read(raw)
	enc := base64.StdEncoding.EncodeToString(raw)
	resp, err := c.Txn(ctx).If(clientv3.Compare(clientv3.CreateRevision(key), "=", 0)).
		Then(clientv3.OpPut(key, enc)).Else(clientv3.OpGet(key)).Commit()
	if err != nil {
		return nil, fmt.Errorf("relay key: %w", err)
	}
	if resp.Succeeded {
		return raw, nil
	}
	kvs := resp.Responses[0].GetResponseRange().Kvs
	if len(kvs) == 0 {
		return nil, errors.New("relay key: vanished while read")
	}
	got, err := base64.StdEncoding.DecodeString(string(kvs[0].Value))
	if err != nil || len(got) < relayKeyLen {
		return nil, fmt.Errorf("relay key %s is damaged; delete it and restart every node", key)
	}
	return got, nil
}

// cpuMeter measures the process's share of the machine's CPUs between
// samples.
type cpuMeter struct {
	mu       sync.Mutex
	lastCPU  time.Duration
	lastWall time.Time
}

func (m *cpuMeter) sample() float64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	cpu := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	now := time.Now()
	m.mu.Lock()
	defer m.mu.Unlock()
	share := 0.0
	if wall := now.Sub(m.lastWall); !m.lastWall.IsZero() && wall > 0 {
		share = float64(cpu-m.lastCPU) / float64(wall) / float64(runtime.NumCPU())
	}
	m.lastCPU, m.lastWall = cpu, now
	return min(max(share, 0), 1)
}

// Lease is the lease this node's record and claims hang on (0 while it is
// not registered): what else dies with the node goes on it (a room's
// device statuses, rooms/av/avetcd).
func (p *Placement) Lease() clientv3.LeaseID { return p.currentLease() }

// Confirmed is when etcd last confirmed this node's lease (zero: never).
func (p *Placement) Confirmed() time.Time {
	if n := p.confirmed.Load(); n != 0 {
		return time.Unix(0, n)
	}
	return time.Time{}
}

// Withdraw takes this node out of placement as it begins to shut down: its
// record is deleted, so no new meeting or room is placed here, while its
// lease — and with it the claims of the meetings it still runs — holds
// until Close. A meeting that closes here meanwhile writes its last memo
// before its claim goes, and its participants, told to reconnect, find it
// again only once Close has let the claim go (until then they are told
// "moving" and try again).
func (p *Placement) Withdraw() {
	if p.withdrawn.Swap(true) {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if _, err := p.c.Delete(ctx, p.nodeKey(p.name)); err != nil {
		p.log.Warn("meeting placement: withdrawing this node's record failed; it goes with the lease at Close", "err", err)
	}
}
