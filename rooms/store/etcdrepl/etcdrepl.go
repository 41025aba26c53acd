// Package etcdrepl replicates the store through etcd: every node keeps its
// own bbolt copy (rooms/store/kv), writes go to etcd first as one
// transaction that succeeds only if the store's revision is still the one
// the copy reflects, and a watch on the store's prefix brings every
// node's copy up to date, in commit order.
//
// Why this shape: the store's rules (no overlapping bookings, one holder
// per licence) are checked by reading the copy inside bbolt's single
// writer; the etcd transaction's compare on the last commit's revision
// makes that check and the write one atomic step across nodes, with the
// same code as on one machine. Reads stay local and fast. The price is
// that writes from all nodes are serialised on one key — the same as
// bbolt's one writer, at the cost of a Raft round per commit.
package etcdrepl

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/kogge-project/kogge/rooms/store/kv"
)

// Options configure a Replicator.
type Options struct {
	Client *clientv3.Client
	// Prefix is put before every key ("kogge/"): several installations
	// can share one cluster.
	Prefix string
	// OnRemote hears what another node's commit means (the meta it
	// committed), after the local copy has applied it.
	OnRemote func(meta []byte)
	Logger   *slog.Logger
}

// Replicator implements kv.Replicator on etcd.
type Replicator struct {
	c   *clientv3.Client
	l   layout
	on  func(meta []byte)
	log *slog.Logger

	cancel context.CancelFunc
	done   chan struct{}
	// reloaded: the copy was loaded anew while running (it fell behind the
	// cluster's compaction); listeners missed changes until a restart.
	reloaded atomic.Bool
	// created is the revision of the store's first commit (Start).
	created int64
	// header is the cluster's revision when Start asked; floor is where
	// following begins for a copy of a store that has no commit yet, so
	// that an earlier store's history under the same prefix (not yet
	// compacted) is not replayed into this one.
	header, floor int64
	mu            sync.Mutex
	err           error // why following stopped, if it did
}

// New returns a Replicator; Follow starts keeping a copy up to date.
func New(o Options) *Replicator {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.OnRemote == nil {
		o.OnRemote = func([]byte) {}
	}
	return &Replicator{c: o.Client, l: layout{o.Prefix}, on: o.OnRemote, log: o.Logger}
}

// ErrUnavailable wraps failures to reach a quorum of the cluster (it is
// kv's, so that waiting for the copy to catch up is the same failure).
var ErrUnavailable = kv.ErrUnavailable

// retryPause paces a write's attempts while the cluster elects a leader.
const retryPause = 100 * time.Millisecond

// notProposed says err left the write unproposed: no leader, or no member
// reached. A timeout after the proposal is not such an error (the write
// may still commit).
func notProposed(err error) bool {
	if ee, ok := errors.AsType[rpctypes.EtcdError](err); ok {
		return ee.Error() == rpctypes.ErrNoLeader.Error()
	}
	// A transport error is ambiguous once a connection carried the
	// request (etcd's own client never retries a Txn then); only a
	// request that found no connection at all was surely not sent.
	msg := err.Error()
	return status.Code(err) == codes.Unavailable &&
		(strings.Contains(msg, "connection refused") || strings.Contains(msg, "no address available") ||
			strings.Contains(msg, "there is no connection available"))
}

// unavailable wraps err in ErrUnavailable when it says the cluster could
// not answer (no quorum, no member reachable, out of time); other errors
// (a request etcd refuses) are returned as they are.
func unavailable(err error) error {
	code := status.Code(err)
	if ee, ok := errors.AsType[rpctypes.EtcdError](err); ok {
		code = ee.Code() // the client turns the server's status into its own error
	}
	switch code {
	case codes.Unavailable, codes.DeadlineExceeded, codes.Canceled:
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	return fmt.Errorf("etcd: %w", err)
}

// Commit implements kv.Replicator. Every commit also writes a nonce of
// its own (layout.nonce), so that after an ambiguous failure — the
// request may have been proposed when the etcd leader died — settle can
// tell whether it landed.
func (r *Replicator) Commit(ctx context.Context, base int64, muts []kv.Mutation, meta []byte) (int64, error) {
	ops, err := r.ops(muts)
	if err != nil {
		return 0, err
	}
	nonce := newNonce()
	ops = append(ops, clientv3.OpPut(r.l.log(), string(meta)), clientv3.OpPut(r.l.nonce(), nonce))
	resp, maybe, err := r.send(ctx, base, ops)
	if err != nil && maybe {
		return r.settle(base, ops, nonce, err)
	}
	if err != nil {
		return 0, unavailable(err)
	}
	if !resp.Succeeded {
		return 0, kv.BehindAt(currentOf(resp))
	}
	return resp.Header.Revision, nil
}

// send proposes the commit if the store is still at base. Without a
// leader the member refuses at once instead of proposing a write that
// might still commit after the caller was told it failed; a refusal like
// that (or a member that cannot be reached) proposed nothing, so it is
// tried again until ctx ends: an election after a member died takes
// about a second. maybe says whether a failed attempt may have been
// proposed all the same (settle finds out).
func (r *Replicator) send(ctx context.Context, base int64, ops []clientv3.Op) (resp *clientv3.TxnResponse, maybe bool, err error) {
	for {
		resp, err = r.c.Txn(clientv3.WithRequireLeader(ctx)).
			If(clientv3.Compare(clientv3.ModRevision(r.l.log()), "=", base)).
			Then(ops...).
			Else(clientv3.OpGet(r.l.log()), clientv3.OpGet(r.l.nonce())).
			Commit()
		if err == nil {
			return resp, false, nil
		}
		if !notProposed(err) {
			return nil, ambiguous(err), err
		}
		select {
		case <-ctx.Done():
			return nil, false, err
		case <-time.After(retryPause):
		}
	}
}

// currentOf is the store's revision a refused commit lost to.
func currentOf(resp *clientv3.TxnResponse) int64 {
	if kvs := resp.Responses[0].GetResponseRange().Kvs; len(kvs) == 1 {
		return kvs[0].ModRevision
	}
	return resp.Header.Revision
}

// settleTimeout bounds finding out what became of an ambiguous commit:
// an etcd election takes about a second, a member's restart a few.
const settleTimeout = 10 * time.Second

// settle finds out whether a commit whose request failed ambiguously
// landed. It sends the same transaction again, with the same condition
// and nonce, until the cluster answers (at most settleTimeout): at most
// one of the two can pass the condition, so afterwards the first one can
// no longer commit later, and the answer is exact —
//   - the resend committed: the first did not, the commit is the resend's;
//   - the condition failed and the first commit after base carries this
//     commit's nonce: it landed there;
//   - the condition failed and another commit came first: nothing of this
//     one was written, the caller catches up and runs its transaction
//     again, as after any refused compare (kv.ErrBehind).
//
// Only when the cluster does not answer within the bound does the write
// stay unconfirmed (ErrUnavailable, as before).
func (r *Replicator) settle(base int64, ops []clientv3.Op, nonce string, first error) (int64, error) {
	ctx, cancel := context.WithTimeout(context.Background(), settleTimeout)
	defer cancel()
	for {
		resp, maybe, err := r.send(ctx, base, ops)
		if err == nil {
			if resp.Succeeded {
				r.log.Warn("a commit whose answer was lost is written (sent again)", "revision", resp.Header.Revision, "err", first)
				return resp.Header.Revision, nil
			}
			rev, err := r.landedAt(ctx, base, nonce, resp)
			if err != nil {
				return 0, fmt.Errorf("%w: a commit's answer was lost and whether it was written cannot be told (%w; first %w)", ErrUnavailable, err, first)
			}
			if rev > 0 {
				r.log.Warn("a commit whose answer was lost is written", "revision", rev, "err", first)
				return rev, nil
			}
			r.log.Warn("a commit whose answer was lost was not written; trying it again", "err", first)
			return 0, kv.BehindAt(currentOf(resp))
		}
		if !maybe && ctx.Err() == nil {
			return 0, unavailable(err) // refused outright (too large, …)
		}
		select {
		case <-ctx.Done():
			return 0, fmt.Errorf("%w: a commit's answer was lost and the cluster did not answer within %v (%w)", ErrUnavailable, settleTimeout, first)
		case <-time.After(retryPause):
		}
	}
}

// landedAt is the revision of the commit carrying nonce if it was the
// first commit after base (any commit after base is conditional on a
// later revision, so a commit with this nonce can only be that one), 0 if
// another was. refused is the resend's refusal, which read the nonce's
// latest value.
func (r *Replicator) landedAt(ctx context.Context, base int64, nonce string, refused *clientv3.TxnResponse) (int64, error) {
	kvs := refused.Responses[1].GetResponseRange().Kvs
	switch {
	case len(kvs) == 0 || kvs[0].ModRevision <= base:
		return 0, nil // nothing wrote a nonce since base (an older Kogge)
	case string(kvs[0].Value) == nonce:
		return kvs[0].ModRevision, nil // and no commit since
	}
	// Other commits followed: the first nonce written after base decides.
	wctx, stop := context.WithCancel(ctx)
	defer stop()
	wc := r.c.Watch(clientv3.WithRequireLeader(wctx), r.l.nonce(), clientv3.WithRev(base+1))
	for resp := range wc {
		if resp.CompactRevision != 0 {
			return 0, fmt.Errorf("the cluster compacted revision %d already", resp.CompactRevision)
		}
		if err := resp.Err(); err != nil {
			return 0, err
		}
		if len(resp.Events) > 0 {
			if e := resp.Events[0]; string(e.Kv.Value) == nonce {
				return e.Kv.ModRevision, nil
			}
			return 0, nil
		}
	}
	return 0, ctx.Err()
}

// newNonce is a commit's random nonce.
func newNonce() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// ambiguous says whether a failed request may have been proposed: the
// cluster did not answer (no quorum, connection lost, out of time), as
// opposed to a request etcd refused.
func ambiguous(err error) bool {
	return errors.Is(unavailable(err), ErrUnavailable)
}

// ops turns a transaction's mutations into etcd operations. etcd refuses
// a transaction that names one key twice, so a key written several times
// is written once, with its last value (or deleted, if that came last).
func (r *Replicator) ops(muts []kv.Mutation) ([]clientv3.Op, error) {
	type single struct {
		put bool
		val string
	}
	last := map[string]single{}
	var order []string
	var subtrees []string
	for _, m := range muts {
		var k string
		switch m.Op {
		case kv.Put, kv.Delete:
			k = r.l.key(m.Bucket, m.Key)
		case kv.CreateBucket:
			k = r.l.marker(m.Bucket)
		case kv.DeleteBucket:
			subtrees = append(subtrees, r.l.subtree(m.Bucket))
			continue
		}
		if _, seen := last[k]; !seen {
			order = append(order, k)
		}
		last[k] = single{put: m.Op != kv.Delete, val: string(m.Value)}
	}
	ops := make([]clientv3.Op, 0, len(order)+len(subtrees)+1)
	for _, st := range subtrees {
		ops = append(ops, clientv3.OpDelete(st, clientv3.WithPrefix()))
	}
	for _, k := range order {
		for _, st := range subtrees {
			if strings.HasPrefix(k, st) {
				return nil, fmt.Errorf("etcdrepl: a transaction writes %q in a bucket it deletes; not supported", k)
			}
		}
		if o := last[k]; o.put {
			ops = append(ops, clientv3.OpPut(k, o.val))
		} else {
			ops = append(ops, clientv3.OpDelete(k))
		}
	}
	return ops, nil
}

// pageSize bounds one read of a snapshot.
const pageSize = 2000

// snapshot reads the whole store at one revision and returns the log's
// revision (the store's) with the mutations that build a copy of it.
func (r *Replicator) snapshot(ctx context.Context) (int64, []kv.Mutation, error) {
	first, err := r.c.Get(ctx, r.l.log())
	if err != nil {
		return 0, nil, unavailable(err)
	}
	at := first.Header.Revision
	var storeRev int64
	if len(first.Kvs) == 1 {
		storeRev = first.Kvs[0].ModRevision
	}
	var muts []kv.Mutation
	from, end := r.l.data(), clientv3.GetPrefixRangeEnd(r.l.data())
	for {
		resp, err := r.c.Get(ctx, from, clientv3.WithRange(end), clientv3.WithRev(at),
			clientv3.WithLimit(pageSize), clientv3.WithSort(clientv3.SortByKey, clientv3.SortAscend))
		if err != nil {
			return 0, nil, unavailable(err)
		}
		for _, e := range resp.Kvs {
			m, err := r.l.mutation(e.Key, e.Value, false)
			if err != nil {
				return 0, nil, err
			}
			muts = append(muts, m)
		}
		if !resp.More || len(resp.Kvs) == 0 {
			return storeRev, muts, nil
		}
		from = string(resp.Kvs[len(resp.Kvs)-1].Key) + "\x00"
	}
}

// Start brings db up to the cluster's present state and keeps it there
// (Follow) until Close. A copy that never synchronised, or that is ahead
// of the cluster (a cluster set up anew), is replaced by a snapshot;
// otherwise the watch replays what it missed. Start returns once the copy
// reflects every commit made before the call.
func (r *Replicator) Start(ctx context.Context, db *kv.DB) error {
	target, identity, err := r.current(ctx)
	if err != nil {
		return err
	}
	known, err := db.Identity()
	if err != nil {
		return err
	}
	at := db.Applied()
	// A copy of another store (the prefix was emptied and filled anew, or
	// the data dir comes from another cluster) must not be continued from
	// its revision: it is loaded afresh. So is a copy ahead of the
	// cluster. A copy that followed this store from its first commit on
	// (known still empty, at past the first commit) takes its name.
	foreign := identity != "" && known != "" && known != identity
	if foreign || at > target || (at == 0 && target > 0) || (known == "" && at > 0 && at < r.created) {
		if at > 0 {
			r.log.Warn("local copy belongs to another store or is ahead of the cluster; loading the cluster's store",
				"copy", at, "cluster", target)
		}
		if err := r.reset(ctx, db); err != nil {
			return err
		}
	}
	if identity != "" && known != identity {
		if err := db.SetIdentity(identity); err != nil {
			return err
		}
	}
	if target == 0 && db.Applied() == 0 {
		r.floor = r.header
	}
	r.Follow(db)
	return db.WaitApplied(ctx, target)
}

// current is the store's revision in the cluster and its identity: the
// cluster's id and the revision of the store's first commit ("" while the
// store has none).
func (r *Replicator) current(ctx context.Context) (rev int64, identity string, err error) {
	resp, err := r.c.Get(ctx, r.l.log())
	if err != nil {
		return 0, "", unavailable(err)
	}
	r.header = resp.Header.Revision
	if len(resp.Kvs) == 0 {
		return 0, "", nil
	}
	r.created = resp.Kvs[0].CreateRevision
	return resp.Kvs[0].ModRevision, fmt.Sprintf("%x/%d", resp.Header.ClusterId, resp.Kvs[0].CreateRevision), nil
}

func (r *Replicator) reset(ctx context.Context, db *kv.DB) error {
	rev, muts, err := r.snapshot(ctx)
	if err != nil {
		return err
	}
	r.log.Info("local copy loaded from the cluster", "revision", rev, "keys", len(muts))
	return db.Reset(rev, muts)
}

// Follow keeps db up to date from a watch until Close; a dropped watch is
// resumed from the copy's revision.
//
// Not internal/etcdwatch, which reads everything again after any break:
// the copy persists its revision, so a break resumes the watch from there
// and replays every commit in between to the listeners (OnRemote); only a
// compaction forces a read, paged, of the whole store (reset), and watch
// gathers several responses into one bbolt transaction.
func (r *Replicator) Follow(db *kv.DB) {
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel, r.done = cancel, make(chan struct{})
	go func() {
		defer close(r.done)
		for ctx.Err() == nil {
			err := r.watch(ctx, db)
			if ctx.Err() != nil {
				return
			}
			r.log.Warn("watch of the cluster ended; resuming", "err", err)
			select {
			case <-ctx.Done():
			case <-time.After(time.Second):
			}
		}
	}()
}

// Close stops following.
func (r *Replicator) Close() {
	if r.cancel != nil {
		r.cancel()
		<-r.done
	}
}

func (r *Replicator) watch(ctx context.Context, db *kv.DB) error {
	ctx = clientv3.WithRequireLeader(ctx)
	// Without WithFragment etcd never splits one revision's events over
	// two responses, so each commit is applied whole (apply).
	from := max(db.Applied(), r.floor)
	wc := r.c.Watch(ctx, r.l.store(), clientv3.WithPrefix(), clientv3.WithRev(from+1))
	var held *clientv3.WatchResponse // received while gathering, not yet handled
	for {
		var resp clientv3.WatchResponse
		if held != nil {
			resp, held = *held, nil
		} else {
			var ok bool
			if resp, ok = <-wc; !ok {
				return ctx.Err()
			}
		}
		if resp.CompactRevision != 0 {
			// The cluster forgot the revisions this copy missed: start
			// again from a snapshot. Listeners did not hear what changed
			// in between; the log says so (an operator's restart makes
			// every part read the store afresh).
			r.log.Error("local copy fell behind the cluster's compaction; reloaded it, restart this node so that every part reads it afresh",
				"copy", db.Applied(), "compacted", resp.CompactRevision)
			r.reloaded.Store(true)
			if err := r.reset(ctx, db); err != nil {
				return err
			}
			return errors.New("resuming after a reload")
		}
		if err := resp.Err(); err != nil {
			return err
		}
		// Commits that arrived meanwhile (the watch was applying, or
		// waiting for the copy's writer) go into the same bbolt
		// transaction: one fsync pair for all of them.
		events := resp.Events
	gather:
		for len(events) < maxApplyEvents {
			select {
			case more, ok := <-wc:
				if !ok {
					break gather
				}
				if more.CompactRevision != 0 || more.Err() != nil {
					held = &more
					break gather
				}
				events = append(events, more.Events...)
			default:
				break gather
			}
		}
		if n := len(events); n > 0 {
			db.Saw(events[n-1].Kv.ModRevision)
		}
		if err := r.apply(db, events); err != nil {
			return err
		}
	}
}

// maxApplyEvents bounds how many watched events one bbolt transaction
// applies (a node catching up after a while applies in steps).
const maxApplyEvents = 10000

// apply applies the events, whole commits (revisions) in one bbolt
// transaction, and then tells the listeners what each new one meant.
func (r *Replicator) apply(db *kv.DB, events []*clientv3.Event) error {
	var commits []kv.Commit
	var metas [][]byte
	for len(events) > 0 {
		rev := events[0].Kv.ModRevision
		n := 0
		for n < len(events) && events[n].Kv.ModRevision == rev {
			n++
		}
		var muts []kv.Mutation
		var meta []byte
		for _, e := range events[:n] {
			if string(e.Kv.Key) == r.l.log() {
				meta = e.Kv.Value
				continue
			}
			m, err := r.l.mutation(e.Kv.Key, e.Kv.Value, e.Type == clientv3.EventTypeDelete)
			if err != nil {
				// Not a key of ours (someone wrote beside the store under
				// its prefix): skipped, so that following goes on.
				r.log.Warn("a key under the store's prefix that is not Kogge's; ignored", "err", err)
				continue
			}
			muts = append(muts, m)
		}
		commits = append(commits, kv.Commit{Rev: rev, Muts: muts})
		metas = append(metas, meta)
		events = events[n:]
	}
	applied, err := db.ApplyAll(commits)
	if err != nil {
		return err
	}
	for i, meta := range metas {
		if applied[i] && len(meta) > 0 {
			r.on(meta)
		}
	}
	return nil
}

// Reachable asks the cluster a linearizable question: it answers only
// with a quorum, as a write would need.
func (r *Replicator) Reachable(ctx context.Context) error {
	if _, err := r.c.Get(clientv3.WithRequireLeader(ctx), r.l.log(), clientv3.WithCountOnly()); err != nil {
		return unavailable(err)
	}
	return nil
}

// Latest is the revision of the store's last commit in the cluster.
func (r *Replicator) Latest(ctx context.Context) (int64, error) {
	resp, err := r.c.Get(ctx, r.l.log())
	if err != nil {
		return 0, unavailable(err)
	}
	if len(resp.Kvs) == 0 {
		return 0, nil
	}
	return resp.Kvs[0].ModRevision, nil
}

// Reloaded says whether the copy was loaded anew while the node ran (it
// fell behind the cluster's compaction): the node should be restarted so
// that every part reads the store afresh.
func (r *Replicator) Reloaded() bool { return r.reloaded.Load() }
