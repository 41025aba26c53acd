package store

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/kogge-project/kogge/internal/etcdtest"
	"github.com/kogge-project/kogge/rooms"
)

// lossyKV loses every fourth transaction's answer after it committed and
// every fourth transaction's request before it reached the cluster — the
// two sides of an ambiguous failure, with the same error.
type lossyKV struct {
	clientv3.KV
	n atomic.Int64
}

func (l *lossyKV) Txn(ctx context.Context) clientv3.Txn { return &lossyTxn{Txn: l.KV.Txn(ctx), l: l} }

type lossyTxn struct {
	clientv3.Txn
	l *lossyKV
}

func (t *lossyTxn) If(cs ...clientv3.Cmp) clientv3.Txn   { t.Txn = t.Txn.If(cs...); return t }
func (t *lossyTxn) Then(ops ...clientv3.Op) clientv3.Txn { t.Txn = t.Txn.Then(ops...); return t }
func (t *lossyTxn) Else(ops ...clientv3.Op) clientv3.Txn { t.Txn = t.Txn.Else(ops...); return t }

var errLost = status.Error(codes.Unavailable, "injected: the connection broke")

func (t *lossyTxn) Commit() (*clientv3.TxnResponse, error) {
	switch t.l.n.Add(1) % 4 {
	case 1: // the answer is lost: the commit happened
		if _, err := t.Txn.Commit(); err != nil {
			return nil, err
		}
		return nil, errLost
	case 3: // the request is lost: nothing happened
		return nil, errLost
	}
	return t.Txn.Commit()
}

// settleLog counts what the replicators say about lost answers.
type settleLog struct {
	slog.Handler
	written, retried *atomic.Int64
}

func (h settleLog) Enabled(context.Context, slog.Level) bool { return true }
func (h settleLog) Handle(_ context.Context, r slog.Record) error {
	switch {
	case strings.Contains(r.Message, "answer was lost is written"):
		h.written.Add(1)
	case strings.Contains(r.Message, "answer was lost was not written"):
		h.retried.Add(1)
	}
	return nil
}
func (h settleLog) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h settleLog) WithGroup(string) slog.Handler      { return h }

// stormNodes opens n nodes; lossy gives each its own client that loses
// answers and requests (lossyKV). Their logs go to h.
func stormNodes(t *testing.T, c *etcdtest.Cluster, n int, lossy bool, h slog.Handler) []*Store {
	t.Helper()
	var nodes []*Store
	for i := range n {
		cli := c.Client(t)
		if lossy {
			cli.KV = &lossyKV{KV: cli.KV}
		}
		s, err := Open(filepath.Join(t.TempDir(), fmt.Sprintf("node%d.db", i)), Options{
			Now: func() time.Time { return t0 }, Etcd: cli, EtcdPrefix: "kogge/", Logger: slog.New(h),
		})
		if err != nil {
			t.Fatalf("node %d: %v", i, err)
		}
		t.Cleanup(func() { s.Close() })
		nodes = append(nodes, s)
	}
	return nodes
}

// storm has writers on every node create bookings in slots of their own
// (slot w*1000+i) until stop is closed or each made perWriter; it returns
// each attempt's slot and error.
type attempt struct {
	slot int
	id   string
	err  error
}

func storm(nodes []*Store, writers, perWriter int, stop <-chan struct{}) []attempt {
	var mu sync.Mutex
	var out []attempt
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range perWriter {
				select {
				case <-stop:
					return
				default:
				}
				slot := w*1000 + i
				b, err := nodes[w%len(nodes)].Create(at("a", t0.Add(time.Duration(slot)*time.Hour), time.Hour), "storm")
				mu.Lock()
				out = append(out, attempt{slot: slot, id: b.ID, err: err})
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return out
}

// checkStorm: every acknowledged create is on every node, none twice; an
// unconfirmed one (Unavailable) was not written; every create was
// published once as local, on the node that made it.
func checkStorm(t *testing.T, nodes []*Store, attempts []attempt, local map[string]int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	for _, s := range nodes {
		if err := s.CatchUp(ctx); err != nil {
			t.Fatal(err)
		}
	}
	acked := 0
	for _, a := range attempts {
		for i, s := range nodes {
			from := t0.Add(time.Duration(a.slot) * time.Hour)
			got, err := s.Overlapping("a", from, from.Add(time.Hour))
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case a.err == nil && (len(got) != 1 || got[0].ID != a.id):
				t.Errorf("node %d, slot %d: acknowledged %s, store has %v", i, a.slot, a.id, got)
			case a.err != nil && !Unavailable(a.err):
				t.Errorf("slot %d: %v, want success or Unavailable", a.slot, a.err)
			case a.err != nil && len(got) != 0:
				t.Errorf("slot %d: answered %v, but the store has %v", a.slot, a.err, got)
			}
		}
		if a.err == nil {
			acked++
			if local[a.id] != 1 {
				t.Errorf("slot %d: %s published as local %d times, want once", a.slot, a.id, local[a.id])
			}
		}
	}
	for i, s := range nodes {
		counts, err := s.CountByStatus()
		if err != nil || counts[rooms.StatusConfirmed] != acked {
			t.Errorf("node %d: %v (%v), want %d confirmed", i, counts, err, acked)
		}
	}
}

// listenLocal counts the local (not Remote) create changes every node
// publishes, per booking.
func listenLocal(nodes []*Store) (counts func() map[string]int) {
	var mu sync.Mutex
	local := map[string]int{}
	for _, s := range nodes {
		s.Subscribe(func(ch rooms.Change) {
			if !ch.Remote && ch.Action == "create" {
				mu.Lock()
				local[ch.Booking().ID]++
				mu.Unlock()
			}
		})
	}
	return func() map[string]int {
		mu.Lock()
		defer mu.Unlock()
		return maps.Clone(local)
	}
}

// A commit whose answer is lost after it committed is confirmed (not
// written twice, published once, as local); one whose request was lost is
// tried again. Nobody is told "not confirmed".
func TestClusterLostAnswersAreSettled(t *testing.T) {
	c := etcdtest.Start(t, 3)
	var written, retried atomic.Int64
	nodes := stormNodes(t, c, 3, true, settleLog{written: &written, retried: &retried})
	local := listenLocal(nodes)
	attempts := storm(nodes, 6, 20, nil)
	checkStorm(t, nodes, attempts, local())
	for _, a := range attempts {
		if a.err != nil {
			t.Errorf("slot %d: %v, want every create confirmed", a.slot, a.err)
		}
	}
	if written.Load() == 0 || retried.Load() == 0 {
		t.Errorf("lost answers: %d found written, %d tried again; want both", written.Load(), retried.Load())
	}
}

// The etcd leader killed (SIGKILL) during a booking storm through three
// nodes, three times: no acknowledged booking is lost, none is doubled,
// and — one member down leaves a quorum — none is answered "not
// confirmed".
func TestClusterEtcdLeaderKilledDuringWrites(t *testing.T) {
	c := etcdtest.Start(t, 3)
	var written, retried atomic.Int64
	nodes := stormNodes(t, c, 3, false, settleLog{written: &written, retried: &retried})
	local := listenLocal(nodes)
	stop := make(chan struct{})
	done := make(chan []attempt)
	go func() { done <- storm(nodes, 9, 1000, stop) }()
	for range 3 {
		waitCreates(t, nodes[0], 20)
		l := c.Leader()
		if l < 0 {
			t.Fatal("no etcd leader")
		}
		c.Kill(l)
		waitCreates(t, nodes[1], 20)
		c.Restart(l)
		c.WaitHealthy()
	}
	waitCreates(t, nodes[2], 20)
	close(stop)
	attempts := <-done
	checkStorm(t, nodes, attempts, local())
	for _, a := range attempts {
		// One member down leaves a quorum: every write is confirmed.
		if a.err != nil {
			t.Errorf("slot %d: %v, want every create confirmed", a.slot, a.err)
		}
	}
	t.Logf("%d creates; lost answers: %d found written, %d tried again", len(attempts), written.Load(), retried.Load())
}

// waitCreates waits until s's copy has n more confirmed bookings than now.
func waitCreates(t *testing.T, s *Store, n int) {
	t.Helper()
	count := func() int {
		c, err := s.CountByStatus()
		if err != nil {
			t.Fatal(err)
		}
		return c[rooms.StatusConfirmed]
	}
	want := count() + n
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	for count() < want {
		if err := s.db.WaitApplied(ctx, s.db.Applied()+1); err != nil {
			t.Fatalf("fewer than %d creates within 30 s: %v", n, err)
		}
	}
}
