// Package avetcd is roomav's StatusBoard on etcd: the node that drives a
// room's devices writes their statuses to `<prefix>av/status/<room>` (JSON,
// a list of av.Status with room-local ids), attached to a lease the caller
// gives (the node's own), so the key disappears when that node dies; every
// node watches `<prefix>av/status/` and hands what it hears to its roomav.AV,
// which shows it on its panels and event streams.
//
// Writes are coalesced: a device that reports ten changes in a second
// costs at most a few etcd writes (MinInterval), each with the room's
// latest statuses. A node that loses a room writes nothing of it after
// Drop; and a write of the old owner that is late anyway (it was under
// way) does not overwrite the new owner's: every write but a room's first
// (after Drop, or the board's start) is conditional on the key still
// carrying this node's lease.
package avetcd

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"time"

	"go.etcd.io/etcd/api/v3/mvccpb"
	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/kogge-project/kogge/internal/etcdwatch"
	"github.com/kogge-project/kogge/rooms/av"
	"github.com/kogge-project/kogge/rooms/av/roomav"
)

// MinInterval is the least time between two rounds of writes: a room's
// statuses reach the other nodes at most this late, and a chatty device
// costs at most 1/MinInterval writes a second.
const MinInterval = 250 * time.Millisecond

// retryAfter is the wait before writing again when etcd refused.
const retryAfter = time.Second

// Board is a roomav.StatusBoard on etcd.
type Board struct {
	c      *clientv3.Client
	dir    string // <prefix>av/status/
	lease  func() clientv3.LeaseID
	log    *slog.Logger
	cancel context.CancelFunc
	done   chan struct{}
	wake   chan struct{}

	// writing is held for a round of writes, so that Drop can wait for
	// one under way.
	writing sync.Mutex

	mu      sync.Mutex
	pending map[string][]av.Status // room -> latest statuses not yet written
	// claimed rooms' keys were last written by this node: a further
	// write is conditional on the key still carrying this node's lease.
	claimed map[string]bool
	// claimDir and node, when set (OnlyWhileClaimed), make every write
	// conditional on <claimDir><room> naming node.
	claimDir, node string
}

var _ roomav.StatusBoard = (*Board)(nil)

// Key is where a room's statuses are: <prefix>av/status/<room>.
func Key(prefix, room string) string { return prefix + "av/status/" + room }

// New starts a board under prefix (the store's, e.g. "kogge/"). lease
// gives the lease every write is attached to: the node's own, kept alive
// by the caller, so that a dead node's statuses vanish with it; while it
// returns 0 nothing is written. Close ends the writer.
func New(c *clientv3.Client, prefix string, lease func() clientv3.LeaseID, log *slog.Logger) *Board {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	ctx, cancel := context.WithCancel(context.Background())
	b := &Board{c: c, dir: Key(prefix, ""), lease: lease, log: log, cancel: cancel, done: make(chan struct{}),
		wake: make(chan struct{}, 1), pending: map[string][]av.Status{}, claimed: map[string]bool{}}
	go b.run(ctx)
	return b
}

// OnlyWhileClaimed makes every write of a room's statuses conditional, in
// the same etcd transaction, on the room's claim (<claimDir><room>, see
// daemon/cluster/rooms.go) naming node: a node that has just lost a room,
// or whose ownership in memory lags behind, cannot put its statuses on
// its own lease over the new owner's. Call it before the first Publish.
func (b *Board) OnlyWhileClaimed(claimDir, node string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.claimDir, b.node = claimDir, node
}

// Close stops writing (what is pending is dropped: the lease ends the
// keys, or the next owner writes them).
func (b *Board) Close() {
	b.cancel()
	<-b.done
}

// Publish implements roomav.StatusBoard: it never waits for etcd.
func (b *Board) Publish(room string, st []av.Status) {
	b.mu.Lock()
	b.pending[room] = st
	b.mu.Unlock()
	select {
	case b.wake <- struct{}{}:
	default:
	}
}

// Drop implements roomav.StatusBoard.
func (b *Board) Drop(room string) {
	b.mu.Lock()
	delete(b.pending, room)
	delete(b.claimed, room)
	b.mu.Unlock()
	b.writing.Lock() // a round under way has written, or did not take the room
	b.writing.Unlock()
}

// run writes what is pending, a round at most every MinInterval, until
// ctx ends.
func (b *Board) run(ctx context.Context) {
	defer close(b.done)
	for {
		select {
		case <-ctx.Done():
			return
		case <-b.wake:
		}
		wait := MinInterval
		if err := b.flush(ctx); err != nil {
			if ctx.Err() != nil {
				return
			}
			b.log.Warn("device statuses not published; trying again", "err", err)
			wait = retryAfter
		}
		t := time.NewTimer(wait) // the coalescing: changes meanwhile are written together
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}

// flush writes every pending room's latest statuses. A room that could
// not be written stays pending (unless a newer one came meanwhile).
func (b *Board) flush(ctx context.Context) error {
	b.writing.Lock()
	defer b.writing.Unlock()
	b.mu.Lock()
	batch := b.pending
	b.pending = map[string][]av.Status{}
	b.mu.Unlock()
	var firstErr error
	for room, st := range batch {
		err := b.write(ctx, room, st)
		if err == nil {
			continue
		}
		if firstErr == nil {
			firstErr = err
		}
		b.mu.Lock()
		if _, newer := b.pending[room]; !newer {
			b.pending[room] = st
		}
		b.mu.Unlock()
	}
	if firstErr != nil {
		select { // try again after retryAfter
		case b.wake <- struct{}{}:
		default:
		}
	}
	return firstErr
}

// write puts one room's statuses: unconditionally the first time (the
// room was just gained: the former owner's are replaced), then only while
// the key still carries this node's lease or is gone (the owner's lease
// ran out and came back). A key another node's lease carries is that
// node's now; this node's write is dropped.
func (b *Board) write(ctx context.Context, room string, st []av.Status) error {
	lease := b.lease()
	if lease == 0 {
		return errNoLease
	}
	if st == nil {
		st = []av.Status{}
	}
	val, err := json.Marshal(st)
	if err != nil {
		return err
	}
	key := b.dir + room
	put := clientv3.OpPut(key, string(val), clientv3.WithLease(lease))
	ctx, cancel := context.WithTimeout(clientv3.WithRequireLeader(ctx), 5*time.Second)
	defer cancel()
	b.mu.Lock()
	claimed := b.claimed[room]
	var ours []clientv3.Cmp
	if b.claimDir != "" {
		ours = []clientv3.Cmp{clientv3.Compare(clientv3.Value(b.claimDir+room), "=", b.node)}
	}
	b.mu.Unlock()
	if !claimed {
		resp, err := b.c.Txn(ctx).If(ours...).Then(put).Commit()
		if err != nil {
			return err
		}
		if !resp.Succeeded {
			b.log.Info("the room is not this node's; its device statuses are not published", "room", room)
			return nil
		}
		b.mu.Lock()
		b.claimed[room] = true
		b.mu.Unlock()
		return nil
	}
	resp, err := b.c.Txn(ctx).
		If(append([]clientv3.Cmp{clientv3.Compare(clientv3.LeaseValue(key), "=", lease)}, ours...)...).
		Then(put).
		Else(clientv3.OpTxn(append([]clientv3.Cmp{clientv3.Compare(clientv3.CreateRevision(key), "=", 0)}, ours...), []clientv3.Op{put}, nil)).
		Commit()
	if err != nil {
		return err
	}
	if !resp.Succeeded && !resp.Responses[0].GetResponseTxn().Succeeded {
		b.log.Info("another node publishes the room's devices now; this node's write dropped", "room", room)
	}
	return nil
}

type boardError string

func (e boardError) Error() string { return string(e) }

const errNoLease = boardError("no lease to attach the device statuses to")

// Watch implements roomav.StatusBoard: every room's statuses as they are
// now, then each change (a key gone: nil statuses), until ctx ends. A
// watch that breaks (etcd compacted, a member lost its leader) reads the
// whole directory again and reports what changed meanwhile, rooms gone
// included.
func (b *Board) Watch(ctx context.Context) <-chan roomav.RoomStatuses {
	out := make(chan roomav.RoomStatuses, 64)
	go func() {
		defer close(out)
		known := map[string]bool{}
		send := func(rs roomav.RoomStatuses) error {
			select {
			case out <- rs:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		etcdwatch.Follow(ctx, b.c, etcdwatch.Options{
			Prefixes: []string{b.dir}, ReadTimeout: 5 * time.Second, ReadNeedsLeader: true, Retry: retryAfter,
			Loaded:  func(_ int64, kvs [][]*mvccpb.KeyValue) error { return b.load(kvs[0], known, send) },
			Changed: func(_ int, evs []*clientv3.Event) error { return b.apply(evs, known, send) },
			Failed: func(err error) {
				if errors.Is(err, etcdwatch.ErrBroken) {
					b.log.Info("watch of device statuses broke; reading them again", "err", err)
				} else {
					b.log.Warn("device statuses of other nodes not read", "err", err)
				}
			},
		})
	}()
	return out
}

// load sends every room's statuses read, and a nil for each known room
// that is gone.
func (b *Board) load(kvs []*mvccpb.KeyValue, known map[string]bool, send func(roomav.RoomStatuses) error) error {
	seen := map[string]bool{}
	for _, kv := range kvs {
		rs, ok := b.decode(string(kv.Key), kv.Value)
		if !ok {
			continue
		}
		seen[rs.Room] = true
		known[rs.Room] = true
		if err := send(rs); err != nil {
			return err
		}
	}
	for room := range known {
		if !seen[room] {
			delete(known, room)
			if err := send(roomav.RoomStatuses{Room: room}); err != nil {
				return err
			}
		}
	}
	return nil
}

// apply sends each change the watch reports.
func (b *Board) apply(evs []*clientv3.Event, known map[string]bool, send func(roomav.RoomStatuses) error) error {
	for _, ev := range evs {
		room := strings.TrimPrefix(string(ev.Kv.Key), b.dir)
		if ev.Type == clientv3.EventTypeDelete {
			delete(known, room)
			if err := send(roomav.RoomStatuses{Room: room}); err != nil {
				return err
			}
			continue
		}
		rs, ok := b.decode(string(ev.Kv.Key), ev.Kv.Value)
		if !ok {
			continue
		}
		known[room] = true
		if err := send(rs); err != nil {
			return err
		}
	}
	return nil
}

// decode reads one key; a value it cannot read (a newer Kogge's) is
// logged and skipped.
func (b *Board) decode(key string, val []byte) (roomav.RoomStatuses, bool) {
	rs := roomav.RoomStatuses{Room: strings.TrimPrefix(key, b.dir), Statuses: []av.Status{}}
	if err := json.Unmarshal(val, &rs.Statuses); err != nil {
		b.log.Warn("device statuses not readable", "key", key, "err", err)
		return rs, false
	}
	return rs, true
}
