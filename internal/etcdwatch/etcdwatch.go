// Package etcdwatch keeps a node's view of some etcd prefixes up to date:
// it reads them at one revision, watches them from the next, and when
// the watch breaks it pauses and reads them again, until its context ends.
//
// Why read again instead of resuming: a watch breaks when etcd compacted
// revisions it had not delivered yet, or when its member lost the
// leader, and then only a fresh read tells what changed meanwhile. The
// callers keep state (device statuses in rooms/av/avetcd/avetcd.go,
// waiting commands in rooms/av/avetcd/commands.go, room claims in
// daemon/cluster/rooms.go) that such a read rebuilds. Loops that must
// resume after the last revision they handled instead (scene steps in
// rooms/av/avetcd/scenes.go, the store's copy in rooms/store/etcdrepl)
// keep their own.
package etcdwatch

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"time"

	"go.etcd.io/etcd/api/v3/mvccpb"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// ErrBroken marks a watch that ended (errors.Is), as opposed to a read
// or a callback that failed; etcd's reason, if it gave one, is wrapped
// too (rpctypes.ErrCompacted, …).
var ErrBroken = errors.New("the watch broke")

// Options say what Follow reads and watches and whom it tells. Loaded
// and Changed are needed, and Woken with Wake or Every.
type Options struct {
	// Prefixes are read in one transaction, so at one revision, and
	// each is watched from the next revision on.
	Prefixes []string
	// ReadTimeout bounds each read.
	ReadTimeout time.Duration
	// ReadNeedsLeader makes a read fail at once on a member without a
	// leader instead of waiting out ReadTimeout. Watches always need the
	// leader: a cut-off member's watch would otherwise just fall silent.
	ReadNeedsLeader bool
	// Retry is the pause after a failed read, a broken watch or a
	// callback's error, before reading again.
	Retry time.Duration

	// Loaded gets the keys of each prefix (kvs[i] under Prefixes[i]) as
	// they are at rev: at the start and after every break.
	Loaded func(rev int64, kvs [][]*mvccpb.KeyValue) error
	// Changed gets each watch response's events on Prefixes[i], in order.
	Changed func(i int, evs []*clientv3.Event) error
	// Failed, if set, hears why the prefixes are read again; not once
	// ctx has ended.
	Failed func(err error)

	// Woken is for what needs a look besides the watched changes (a room
	// just gained in rooms/av/avetcd/commands.go, a claim that failed for
	// want of etcd in daemon/cluster/rooms.go). It runs, between the
	// watch's responses, when the channel Wake
	// gives fires (Wake is asked before each read and again each time
	// it fired) and every Every while the watch holds; either may be
	// left unset. Its error counts as a break.
	Wake  func() <-chan struct{}
	Every time.Duration
	Woken func() error
}

// Follow reads and watches as o says until ctx ends. The callbacks run
// on the caller's goroutine, one at a time, so none is called after
// Follow returned; it starts no goroutine of its own, and its watches end
// with each pass.
func Follow(ctx context.Context, c *clientv3.Client, o Options) {
	for ctx.Err() == nil {
		err := pass(ctx, c, o)
		if ctx.Err() != nil {
			return
		}
		if o.Failed != nil {
			o.Failed(err)
		}
		t := time.NewTimer(o.Retry)
		select {
		case <-ctx.Done():
		case <-t.C:
		}
		t.Stop()
	}
}

// pass is one read and the watch after it, until something breaks.
func pass(ctx context.Context, c *clientv3.Client, o Options) error {
	// Asked before the read, so that a wake during the read is not lost.
	var wake <-chan struct{}
	if o.Wake != nil {
		wake = o.Wake()
	}
	rev, kvs, err := read(ctx, c, o)
	if err != nil {
		return err
	}
	if err := o.Loaded(rev, kvs); err != nil {
		return err
	}
	wctx, cancel := context.WithCancel(clientv3.WithRequireLeader(ctx))
	defer cancel()
	var tick <-chan time.Time
	if o.Every > 0 {
		t := time.NewTicker(o.Every)
		defer t.Stop()
		tick = t.C
	}
	// reflect.Select: one case per prefix's watch, besides the fixed ones.
	cases := []reflect.SelectCase{recv(ctx.Done()), recv(wake), recv(tick)}
	const fixed = 3
	for _, p := range o.Prefixes {
		cases = append(cases, recv(c.Watch(wctx, p, clientv3.WithPrefix(), clientv3.WithRev(rev+1))))
	}
	for {
		chosen, v, open := reflect.Select(cases)
		switch chosen {
		case 0:
			return ctx.Err()
		case 1:
			cases[1] = recv(o.Wake())
			err = o.Woken()
		case 2:
			err = o.Woken()
		default:
			i := chosen - fixed
			wr, _ := v.Interface().(clientv3.WatchResponse)
			if !open || wr.Err() != nil {
				return broken(o.Prefixes[i], wr.Err())
			}
			err = o.Changed(i, wr.Events)
		}
		if err != nil {
			return err
		}
	}
}

// read gets every prefix at one revision.
func read(ctx context.Context, c *clientv3.Client, o Options) (int64, [][]*mvccpb.KeyValue, error) {
	if o.ReadNeedsLeader {
		ctx = clientv3.WithRequireLeader(ctx)
	}
	ctx, cancel := context.WithTimeout(ctx, o.ReadTimeout)
	defer cancel()
	ops := make([]clientv3.Op, len(o.Prefixes))
	for i, p := range o.Prefixes {
		ops[i] = clientv3.OpGet(p, clientv3.WithPrefix())
	}
	resp, err := c.Txn(ctx).Then(ops...).Commit()
	if err != nil {
		return 0, nil, err
	}
	kvs := make([][]*mvccpb.KeyValue, len(o.Prefixes))
	for i := range kvs {
		kvs[i] = resp.Responses[i].GetResponseRange().Kvs
	}
	return resp.Header.Revision, kvs, nil
}

func recv[T any](ch <-chan T) reflect.SelectCase {
	return reflect.SelectCase{Dir: reflect.SelectRecv, Chan: reflect.ValueOf(ch)}
}

func broken(prefix string, err error) error {
	if err == nil {
		return fmt.Errorf("%w: %s: the watch's channel closed", ErrBroken, prefix)
	}
	return fmt.Errorf("%w: %s: %w", ErrBroken, prefix, err)
}
