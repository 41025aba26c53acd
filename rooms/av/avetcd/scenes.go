package avetcd

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/kogge-project/kogge/rooms/av/roomav"
)

// A scene started on a room's driver answers at once with its run's id;
// its steps and its end reach the person as "scene" events on the event
// stream (roomav.StartScene). On a cluster the person's stream may be
// open on another node than the one the scene was forwarded to, and the
// page would wait for an end that never comes. So the driver also writes
// each step to `<prefix>av/scene/<room>` (one key per room, overwritten
// step by step on the driver's lease: etcd keeps no list of runs, the
// watch sees every write in order), and every node hands the steps other
// nodes wrote to its own event streams.

// sceneQueue is how many steps may wait for etcd; a node whose etcd is
// gone drops the rest (the pages reload their view when their stream
// reopens).
const sceneQueue = 256

// Scenes is a roomav.SceneRelay on etcd.
type Scenes struct {
	c      *clientv3.Client
	dir    string // <prefix>av/scene/
	lease  func() clientv3.LeaseID
	log    *slog.Logger
	origin string // this relay's writes, recognised when they come back
	queue  chan roomav.SceneEvent
	cancel context.CancelFunc
	done   chan struct{}
}

var _ roomav.SceneRelay = (*Scenes)(nil)

// sceneValue is what a step's key holds.
type sceneValue struct {
	From  string            `json:"from"`
	Event roomav.SceneEvent `json:"event"`
}

// SceneKey is where a room's scene steps are written.
func SceneKey(prefix, room string) string { return prefix + "av/scene/" + room }

// NewScenes starts a relay under prefix; lease gives the node's lease
// (0: not registered yet, the step is not relayed). Close ends it.
func NewScenes(c *clientv3.Client, prefix string, lease func() clientv3.LeaseID, log *slog.Logger) *Scenes {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	b := make([]byte, 8)
	rand.Read(b)
	ctx, cancel := context.WithCancel(context.Background())
	s := &Scenes{c: c, dir: SceneKey(prefix, ""), lease: lease, log: log, origin: hex.EncodeToString(b),
		queue: make(chan roomav.SceneEvent, sceneQueue), cancel: cancel, done: make(chan struct{})}
	go s.run(ctx)
	return s
}

// Close stops writing; steps still queued are dropped.
func (s *Scenes) Close() {
	s.cancel()
	<-s.done
}

// Send implements roomav.SceneRelay: it never waits for etcd.
func (s *Scenes) Send(ev roomav.SceneEvent) {
	select {
	case s.queue <- ev:
	default:
		s.log.Warn("scene step not relayed to the other nodes: too many waiting", "room", ev.Room, "run", ev.ID)
	}
}

// run writes the queued steps one after the other (their order is the
// run's) until ctx ends.
func (s *Scenes) run(ctx context.Context) {
	defer close(s.done)
	for {
		select {
		case <-ctx.Done():
			return
		case ev := <-s.queue:
			if err := s.write(ctx, ev); err != nil && ctx.Err() == nil {
				s.log.Warn("scene step not relayed to the other nodes", "room", ev.Room, "run", ev.ID, "err", err)
			}
		}
	}
}

func (s *Scenes) write(ctx context.Context, ev roomav.SceneEvent) error {
	lease := s.lease()
	if lease == 0 {
		return errNoLease
	}
	val, err := json.Marshal(sceneValue{From: s.origin, Event: ev})
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(clientv3.WithRequireLeader(ctx), 5*time.Second)
	defer cancel()
	_, err = s.c.Put(ctx, s.dir+ev.Room, string(val), clientv3.WithLease(lease))
	return err
}

// Watch implements roomav.SceneRelay: the steps the other nodes write
// from now on, in order, until ctx ends. A broken watch resumes after
// the last step it saw (from the present when etcd compacted that away).
//
// Not internal/etcdwatch, which reads the keys again after a break: a
// step is an event, not a state, so a read would hand on old steps again
// (each room's last one) and lose those between; resuming after the last
// revision seen loses none.
func (s *Scenes) Watch(ctx context.Context) <-chan roomav.SceneEvent {
	out := make(chan roomav.SceneEvent, sceneQueue)
	go func() {
		defer close(out)
		var rev int64 // next revision wanted; 0: from the present
		for ctx.Err() == nil {
			wctx, cancel := context.WithCancel(clientv3.WithRequireLeader(ctx))
			opts := []clientv3.OpOption{clientv3.WithPrefix()}
			if rev > 0 {
				opts = append(opts, clientv3.WithRev(rev))
			}
			for wr := range s.c.Watch(wctx, s.dir, opts...) {
				if err := wr.Err(); err != nil {
					if wr.CompactRevision > 0 {
						rev = 0
					}
					s.log.Info("watch of scene steps broke; watching again", "err", err)
					break
				}
				for _, ev := range wr.Events {
					rev = ev.Kv.ModRevision + 1
					var v sceneValue
					if ev.Type != clientv3.EventTypePut || json.Unmarshal(ev.Kv.Value, &v) != nil || v.From == s.origin {
						continue
					}
					select {
					case out <- v.Event:
					case <-ctx.Done():
					}
				}
			}
			cancel()
			if ctx.Err() == nil {
				t := time.NewTimer(retryAfter)
				select {
				case <-ctx.Done():
				case <-t.C:
				}
				t.Stop()
			}
		}
	}()
	return out
}
