package avetcd

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
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

// The daemon's own commands on a room another node drives (a council
// seat's microphone, the evening power-off: roomav.Options.Forward) go
// through etcd to the room's owner: the sender writes
// `<prefix>av/cmd/<room>/<id>` on a short lease of its own and waits for
// `<prefix>av/res/<id>`; every node watches `<prefix>av/cmd/`, and the
// one that owns the room takes the command (deletes it in a transaction
// that succeeds only while the key is there: of two nodes that both
// think they own the room during a handover, one runs it), runs it on
// its devices and writes the result on the same lease. The lease ends
// both keys shortly after, whatever happens to either node.

// CommandTTL is the lease of a command and its result: what a command
// whose sender died leaves behind is gone after it.
const CommandTTL = 15 // seconds

// MaxWait bounds the wait for a command's result (less with an earlier
// deadline of the caller); it is well within CommandTTL, so the command
// is still there while it may be taken.
const MaxWait = 10 * time.Second

// ErrNoDriver is what a command gets when no node took it in time: the
// room's owner is gone and no other node has taken the room over yet.
var ErrNoDriver = errors.New("the room's devices are not driven by any node now")

// Runner runs a command on a room this node drives (roomav's Do).
type Runner func(ctx context.Context, room, device string, cmd av.Command) error

// command is the value of `<prefix>av/cmd/<room>/<id>`.
type command struct {
	Device  string     `json:"device"`
	Command av.Command `json:"command"`
	// WaitMS is how long the sender waits for the result: the owner
	// gives the device no longer (a result nobody reads is no use).
	WaitMS int64 `json:"wait_ms"`
}

// result is the value of `<prefix>av/res/<id>`: the error's text, ""
// when the command succeeded.
type result struct {
	Error string `json:"error"`
}

// Commands sends this node's commands to the rooms' owners and runs the
// others' commands on the rooms this node owns.
type Commands struct {
	c      *clientv3.Client
	prefix string
	cmdDir string // <prefix>av/cmd/
	resDir string // <prefix>av/res/
	own    roomav.Ownership
	run    Runner
	log    *slog.Logger
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu      sync.Mutex
	running map[string]bool // command keys taken and being run here
}

// CommandKey is where a command on room waits for its owner.
func CommandKey(prefix, room, id string) string { return prefix + "av/cmd/" + room + "/" + id }

// ResultKey is where the owner answers command id.
func ResultKey(prefix, id string) string { return prefix + "av/res/" + id }

// NewCommands starts running the commands on the rooms own says this
// node drives, with run; Close stops it. Forward works from the start.
func NewCommands(c *clientv3.Client, prefix string, own roomav.Ownership, run Runner, log *slog.Logger) *Commands {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	ctx, cancel := context.WithCancel(context.Background())
	k := &Commands{c: c, prefix: prefix, cmdDir: prefix + "av/cmd/", resDir: prefix + "av/res/", own: own, run: run, log: log,
		cancel: cancel, running: map[string]bool{}}
	k.wg.Add(1)
	go func() { defer k.wg.Done(); k.serve(ctx) }()
	return k
}

// Close stops taking commands and waits for those being run.
func (k *Commands) Close() {
	k.cancel()
	k.wg.Wait()
}

// Forward sends a command on room's device to the room's owner and
// returns its outcome (the owner's error, as text, or nil); it is
// roomav.Options.Forward. It waits until ctx ends, MaxWait at most.
func (k *Commands) Forward(ctx context.Context, room, device string, cmd av.Command) error {
	ctx, cancel := context.WithTimeout(ctx, MaxWait)
	defer cancel()
	deadline, _ := ctx.Deadline()
	var idb [16]byte
	_, _ = rand.Read(idb[:])
	id := hex.EncodeToString(idb[:])
	val, err := json.Marshal(command{Device: device, Command: cmd, WaitMS: time.Until(deadline).Milliseconds()})
	if err != nil {
		return err
	}
	rctx := clientv3.WithRequireLeader(ctx)
	l, err := k.c.Grant(rctx, CommandTTL)
	if err != nil {
		return fmt.Errorf("the command was not sent to the room's driver: %w", err)
	}
	defer func() { // the command and its result are of no further use
		rc, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_, _ = k.c.Revoke(rc, l.ID)
	}()
	key := CommandKey(k.prefix, room, id)
	put, err := k.c.Put(rctx, key, string(val), clientv3.WithLease(l.ID))
	if err != nil {
		return fmt.Errorf("the command was not sent to the room's driver: %w", err)
	}
	rev := put.Header.Revision
	resKey := ResultKey(k.prefix, id)
	// Not internal/etcdwatch: this waits for one key's first value and
	// ends there, starting from the put's revision without a read, and
	// pauses only briefly after a break (the sender is waiting).
	for {
		// From the last revision read on: a result written before the
		// watch opens is seen too.
		wctx, wcancel := context.WithCancel(rctx)
		for wr := range k.c.Watch(wctx, resKey, clientv3.WithRev(rev+1)) {
			if wr.Err() != nil {
				break
			}
			for _, ev := range wr.Events {
				if ev.Type == clientv3.EventTypePut {
					wcancel()
					return decodeResult(ev.Kv.Value)
				}
			}
		}
		wcancel()
		if ctx.Err() != nil {
			return k.withdraw(key)
		}
		// The watch broke (a member lost its leader, etcd compacted):
		// look once, then watch again from there.
		resp, err := k.c.Get(rctx, resKey)
		if err == nil && len(resp.Kvs) > 0 {
			return decodeResult(resp.Kvs[0].Value)
		}
		if err == nil {
			rev = resp.Header.Revision
		}
		t := time.NewTimer(100 * time.Millisecond)
		select {
		case <-ctx.Done():
		case <-t.C:
		}
		t.Stop()
	}
}

func decodeResult(val []byte) error {
	var res result
	if err := json.Unmarshal(val, &res); err != nil {
		return fmt.Errorf("the room's driver answered unreadably: %w", err)
	}
	return remoteError(res.Error)
}

// withdraw takes back a command nobody answered in time: if it is still
// there, no node took it.
func (k *Commands) withdraw(key string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	resp, err := k.c.Txn(ctx).If(clientv3.Compare(clientv3.CreateRevision(key), ">", 0)).
		Then(clientv3.OpDelete(key)).Commit()
	if err == nil && resp.Succeeded {
		return ErrNoDriver
	}
	return errors.New("the room's driver took the command but did not answer in time")
}

// remoteError is the owner's error: the errors this package's callers
// tell apart are given back as themselves, the rest as their text.
func remoteError(text string) error {
	if text == "" {
		return nil
	}
	for _, e := range []error{av.ErrUnknownDevice, av.ErrBusy, av.ErrOffline, av.ErrClosed, roomav.ErrNotOwner, ErrNoDriver} {
		if e.Error() == text {
			return e
		}
	}
	return errors.New(text)
}

// serve takes the commands of the rooms this node owns: those waiting
// when it starts, after a broken watch and when ownership changes (a room
// just gained), and each one as it is written, until ctx ends.
func (k *Commands) serve(ctx context.Context) {
	etcdwatch.Follow(ctx, k.c, etcdwatch.Options{
		Prefixes: []string{k.cmdDir}, ReadTimeout: 5 * time.Second, ReadNeedsLeader: true, Retry: retryAfter,
		Loaded: func(_ int64, kvs [][]*mvccpb.KeyValue) error {
			k.takeAll(ctx, kvs[0])
			return nil
		},
		Changed: func(_ int, evs []*clientv3.Event) error {
			for _, ev := range evs {
				if ev.Type == clientv3.EventTypePut {
					k.take(ctx, ev.Kv.Key, ev.Kv.Value, clientv3.LeaseID(ev.Kv.Lease))
				}
			}
			return nil
		},
		Wake:  k.own.Changed,
		Woken: func() error { return k.scan(ctx) },
		Failed: func(err error) {
			if errors.Is(err, etcdwatch.ErrBroken) {
				k.log.Info("watch of device commands broke; reading them again", "err", err)
			} else {
				k.log.Warn("device commands of other nodes not read", "err", err)
			}
		},
	})
}

// scan takes the waiting commands of the rooms owned (ownership changed:
// the watch goes on, but a room just gained has commands from before).
func (k *Commands) scan(ctx context.Context) error {
	gctx, cancel := context.WithTimeout(clientv3.WithRequireLeader(ctx), 5*time.Second)
	resp, err := k.c.Get(gctx, k.cmdDir, clientv3.WithPrefix())
	cancel()
	if err != nil {
		return err
	}
	k.takeAll(ctx, resp.Kvs)
	return nil
}

func (k *Commands) takeAll(ctx context.Context, kvs []*mvccpb.KeyValue) {
	for _, kv := range kvs {
		k.take(ctx, kv.Key, kv.Value, clientv3.LeaseID(kv.Lease))
	}
}

// take runs a command if its room is owned here and this node wins it.
func (k *Commands) take(ctx context.Context, rawKey, val []byte, lease clientv3.LeaseID) {
	key := string(rawKey)
	room, id, ok := strings.Cut(strings.TrimPrefix(key, k.cmdDir), "/")
	if !ok || !k.own.Owns(room) {
		return
	}
	k.mu.Lock()
	if k.running[key] {
		k.mu.Unlock()
		return
	}
	k.running[key] = true
	k.mu.Unlock()
	k.wg.Add(1)
	go func() { // a slow device does not hold up the others' commands
		defer k.wg.Done()
		defer func() {
			k.mu.Lock()
			delete(k.running, key)
			k.mu.Unlock()
		}()
		k.runOne(ctx, key, room, id, val, lease)
	}()
}

// runOne claims the command (deleting it; the node whose delete finds it
// there runs it, any other does nothing), runs it and writes the result.
func (k *Commands) runOne(ctx context.Context, key, room, id string, val []byte, lease clientv3.LeaseID) {
	cctx, cancel := context.WithTimeout(clientv3.WithRequireLeader(ctx), 5*time.Second)
	resp, err := k.c.Txn(cctx).If(clientv3.Compare(clientv3.CreateRevision(key), ">", 0)).
		Then(clientv3.OpDelete(key)).Commit()
	cancel()
	if err != nil {
		k.log.Warn("device command not taken", "room", room, "err", err)
		return
	}
	if !resp.Succeeded {
		return // another node took it, or its sender withdrew it
	}
	var cmd command
	var res result
	if err := json.Unmarshal(val, &cmd); err != nil {
		res.Error = "the room's driver could not read the command"
		k.log.Warn("device command not readable", "key", key, "err", err)
	} else {
		wait := time.Duration(cmd.WaitMS) * time.Millisecond
		if wait <= 0 || wait > MaxWait {
			wait = MaxWait
		}
		rctx, rcancel := context.WithTimeout(ctx, wait)
		if err := k.run(rctx, room, cmd.Device, cmd.Command); err != nil {
			res.Error = err.Error()
		}
		rcancel()
	}
	out, _ := json.Marshal(res)
	wctx, wcancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer wcancel()
	var opts []clientv3.OpOption
	if lease != 0 {
		opts = append(opts, clientv3.WithLease(lease))
	} else if l, err := k.c.Grant(wctx, CommandTTL); err == nil {
		opts = append(opts, clientv3.WithLease(l.ID))
	}
	if _, err := k.c.Put(wctx, k.resDir+id, string(out), opts...); err != nil {
		// The sender is gone (its lease with it) or etcd refused: it
		// hears nothing, and says so when its wait ends.
		k.log.Info("device command's result not written", "room", room, "err", err)
	}
}
