package etcdwatch_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"go.etcd.io/etcd/api/v3/mvccpb"
	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/goleak"

	"github.com/kogge-project/kogge/internal/etcdtest"
	"github.com/kogge-project/kogge/internal/etcdwatch"
)

// wait bounds every wait for what Follow reports (a failure bound).
const wait = 10 * time.Second

// call is one callback as the test saw it.
type call struct {
	kind string // "loaded", "changed", "failed", "woken"
	rev  int64
	kvs  [][]*mvccpb.KeyValue
	i    int
	evs  []*clientv3.Event
	err  error
}

// run starts Follow with o, its callbacks reporting to the returned
// channel; Loaded, Changed and Woken answer with what reply returns (nil
// if reply is nil). Follow is stopped, and waited for, at cleanup.
func run(t *testing.T, cli *clientv3.Client, o etcdwatch.Options, reply func(call) error) (<-chan call, context.CancelFunc, <-chan struct{}) {
	t.Helper()
	calls := make(chan call, 100)
	report := func(c call) error {
		calls <- c
		if reply == nil {
			return nil
		}
		return reply(c)
	}
	o.Loaded = func(rev int64, kvs [][]*mvccpb.KeyValue) error {
		return report(call{kind: "loaded", rev: rev, kvs: kvs})
	}
	o.Changed = func(i int, evs []*clientv3.Event) error { return report(call{kind: "changed", i: i, evs: evs}) }
	o.Failed = func(err error) { calls <- call{kind: "failed", err: err} }
	if o.Woken == nil {
		o.Woken = func() error { return report(call{kind: "woken"}) }
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); etcdwatch.Follow(ctx, cli, o) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(wait):
			t.Error("Follow did not return after its context ended")
		}
	})
	return calls, cancel, done
}

// next is the next callback, of kind if kind is not "" (others skipped).
func next(t *testing.T, calls <-chan call, kind string) call {
	t.Helper()
	deadline := time.After(wait)
	for {
		select {
		case c := <-calls:
			if kind == "" || c.kind == kind {
				return c
			}
		case <-deadline:
			t.Fatalf("no %q call within %v", kind, wait)
		}
	}
}

func options(prefixes ...string) etcdwatch.Options {
	return etcdwatch.Options{Prefixes: prefixes, ReadTimeout: 5 * time.Second, ReadNeedsLeader: true, Retry: 10 * time.Millisecond}
}

func put(t *testing.T, cli *clientv3.Client, key, val string) int64 {
	t.Helper()
	resp, err := cli.Put(t.Context(), key, val)
	if err != nil {
		t.Fatal(err)
	}
	return resp.Header.Revision
}

func keys(kvs []*mvccpb.KeyValue) []string {
	var ks []string
	for _, kv := range kvs {
		ks = append(ks, string(kv.Key)+"="+string(kv.Value))
	}
	return ks
}

func events(evs []*clientv3.Event) []string {
	var out []string
	for _, ev := range evs {
		out = append(out, fmt.Sprintf("%s %s=%s @%d", ev.Type, ev.Kv.Key, ev.Kv.Value, ev.Kv.ModRevision))
	}
	return out
}

// The prefixes are read at one revision, then every change after it
// arrives in order, each prefix's on its own index; keys beside the
// prefixes are not seen.
func TestLoadThenEventsInOrder(t *testing.T) {
	t.Cleanup(func() { goleak.VerifyNone(t) })
	cli := etcdtest.Start(t, 1).Client(t)
	put(t, cli, "a/1", "x")
	put(t, cli, "b/1", "y")
	at := put(t, cli, "c/1", "beside")
	calls, _, _ := run(t, cli, options("a/", "b/"), nil)

	l := next(t, calls, "")
	if l.kind != "loaded" || l.rev != at || !slices.Equal(keys(l.kvs[0]), []string{"a/1=x"}) || !slices.Equal(keys(l.kvs[1]), []string{"b/1=y"}) {
		t.Fatalf("first call %+v, want the load of a/1 and b/1 at %d", l, at)
	}
	// Written after the load: the watch from the load's next revision on
	// sees each, even one written before it opened.
	r1 := put(t, cli, "a/2", "p")
	put(t, cli, "c/2", "beside")
	r2 := put(t, cli, "b/1", "q")
	r3 := put(t, cli, "a/1", "r")
	del, err := cli.Delete(t.Context(), "a/2")
	if err != nil {
		t.Fatal(err)
	}
	var got [2][]string
	for len(got[0]) < 3 || len(got[1]) < 1 {
		c := next(t, calls, "")
		if c.kind != "changed" {
			t.Fatalf("call %+v while watching, want only changes", c)
		}
		got[c.i] = append(got[c.i], events(c.evs)...)
	}
	wantA := []string{fmt.Sprintf("PUT a/2=p @%d", r1), fmt.Sprintf("PUT a/1=r @%d", r3), fmt.Sprintf("DELETE a/2= @%d", del.Header.Revision)}
	if !slices.Equal(got[0], wantA) || !slices.Equal(got[1], []string{fmt.Sprintf("PUT b/1=q @%d", r2)}) {
		t.Fatalf("changes %q, want %q and b/1=q @%d", got, wantA, r2)
	}
}

// A watch whose next revision etcd compacted away breaks; Follow says
// so, reads the prefix again at the present revision and goes on
// watching from there.
func TestCompactionReloadsAndGoesOn(t *testing.T) {
	t.Cleanup(func() { goleak.VerifyNone(t) })
	cli := etcdtest.Start(t, 1).Client(t)
	put(t, cli, "a/1", "old")
	hold, release := make(chan struct{}), make(chan struct{})
	first := true
	calls, _, _ := run(t, cli, options("a/"), func(c call) error {
		if c.kind == "loaded" && first {
			first = false
			close(hold)
			<-release // the watch opens after the compaction below
		}
		return nil
	})
	select {
	case <-hold:
	case <-time.After(wait):
		t.Fatal("no load")
	}
	put(t, cli, "a/2", "missed")
	compacted := put(t, cli, "a/1", "new")
	if _, err := cli.Compact(t.Context(), compacted); err != nil {
		t.Fatal(err)
	}
	close(release)

	next(t, calls, "loaded") // the held one
	f := next(t, calls, "")
	if f.kind != "failed" || !errors.Is(f.err, etcdwatch.ErrBroken) || !errors.Is(f.err, rpctypes.ErrCompacted) {
		t.Fatalf("after the compaction %+v, want a broken watch for the compaction", f)
	}
	l := next(t, calls, "")
	if l.kind != "loaded" || l.rev != compacted || !slices.Equal(keys(l.kvs[0]), []string{"a/1=new", "a/2=missed"}) {
		t.Fatalf("after the break %+v, want the read at %d with both keys", l, compacted)
	}
	r := put(t, cli, "a/3", "after")
	if c := next(t, calls, ""); c.kind != "changed" || !slices.Equal(events(c.evs), []string{fmt.Sprintf("PUT a/3=after @%d", r)}) {
		t.Fatalf("after the reload %+v, want a/3's put", c)
	}
}

// Cancelling ends Follow, whether it is watching or pausing before it
// reads again; nothing is called after, no goroutine stays (goleak).
func TestCancelEndsIt(t *testing.T) {
	t.Cleanup(func() { goleak.VerifyNone(t) })
	cli := etcdtest.Start(t, 1).Client(t)
	for _, pausing := range []bool{false, true} {
		o := options("a/")
		if pausing {
			o.Retry = time.Hour
		}
		calls, cancel, done := run(t, cli, o, func(c call) error {
			if pausing && c.kind == "loaded" {
				return errors.New("refused") // so Follow pauses Retry
			}
			return nil
		})
		next(t, calls, "loaded")
		if pausing {
			next(t, calls, "failed")
		}
		cancel()
		select {
		case <-done:
		case <-time.After(wait):
			t.Fatalf("pausing %v: Follow did not return after its context ended", pausing)
		}
		if len(calls) > 0 {
			t.Fatalf("pausing %v: called after cancelling: %+v", pausing, <-calls)
		}
	}
}

// A failed read or callback is followed by a pause of Retry before the
// next read, and the callback's error is what Failed hears.
func TestPausesRetryBeforeReadingAgain(t *testing.T) {
	t.Cleanup(func() { goleak.VerifyNone(t) })
	cli := etcdtest.Start(t, 1).Client(t)
	refused := errors.New("refused")
	o := options("a/")
	o.Retry = 300 * time.Millisecond
	n := 0
	calls, _, _ := run(t, cli, o, func(c call) error {
		if c.kind == "loaded" {
			if n++; n == 1 {
				return refused
			}
		}
		return nil
	})
	next(t, calls, "loaded")
	if f := next(t, calls, ""); f.kind != "failed" || !errors.Is(f.err, refused) {
		t.Fatalf("after the refused load %+v", f)
	}
	start := time.Now()
	next(t, calls, "loaded")
	if since := time.Since(start); since < o.Retry {
		t.Fatalf("read again after %v, before the pause of %v", since, o.Retry)
	}
}

// Woken runs when Wake's channel fires (asked anew each time) and every
// Every; its error makes Follow read again.
func TestWokenByWakeAndEvery(t *testing.T) {
	t.Cleanup(func() { goleak.VerifyNone(t) })
	cli := etcdtest.Start(t, 1).Client(t)
	wakes := make(chan chan struct{}, 10)
	o := options("a/")
	o.Wake = func() <-chan struct{} {
		ch := make(chan struct{})
		wakes <- ch
		return ch
	}
	calls, _, _ := run(t, cli, o, nil)
	next(t, calls, "loaded")
	close(<-wakes) // asked before the read
	next(t, calls, "woken")
	close(<-wakes) // asked again after it fired
	next(t, calls, "woken")

	o = options("b/")
	o.Every = 20 * time.Millisecond
	failing := errors.New("check failed")
	calls, _, _ = run(t, cli, o, func(c call) error {
		if c.kind == "woken" {
			return failing
		}
		return nil
	})
	next(t, calls, "loaded")
	next(t, calls, "woken")
	if f := next(t, calls, ""); f.kind != "failed" || !errors.Is(f.err, failing) {
		t.Fatalf("after Woken failed %+v", f)
	}
	next(t, calls, "loaded")
}
