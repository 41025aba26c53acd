package kv_test

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"github.com/kogge-project/kogge/rooms/store/kv"
)

// sharedLog is a Replicator in memory: a list of committed transactions
// that every node's copy follows.
type sharedLog struct {
	mu   sync.Mutex
	log  [][]kv.Mutation
	meta [][]byte
}

func (l *sharedLog) Commit(_ context.Context, base int64, muts []kv.Mutation, meta []byte) (int64, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if base != int64(len(l.log)) {
		return 0, kv.BehindAt(int64(len(l.log)))
	}
	l.log = append(l.log, muts)
	l.meta = append(l.meta, meta)
	return int64(len(l.log)), nil
}

// follow applies what the node's copy has not seen yet (a watch).
func (l *sharedLog) follow(t *testing.T, db *kv.DB) {
	l.mu.Lock()
	log := append([][]kv.Mutation(nil), l.log...)
	l.mu.Unlock()
	for i := db.Applied(); i < int64(len(log)); i++ {
		if _, err := db.Apply(i+1, log[i]); err != nil {
			t.Error(err)
		}
	}
}

func openNode(t *testing.T, l kv.Replicator) *kv.DB {
	t.Helper()
	b, err := bbolt.Open(filepath.Join(t.TempDir(), "copy.db"), 0o600, &bbolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	db, err := kv.Replicated(b, l, func(tx *kv.Tx) []byte { return []byte(fmt.Sprint(len(tx.Mutations()))) })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// Two nodes increment one counter concurrently: every increment counts
// exactly once, as inside one file, because a write that lost the race
// runs again on the caught-up copy.
func TestConcurrentWritesThroughTwoCopiesSerialise(t *testing.T) {
	l := &sharedLog{}
	nodes := []*kv.DB{openNode(t, l), openNode(t, l)}
	stop := make(chan struct{})
	var followers sync.WaitGroup
	for _, n := range nodes {
		followers.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
					l.follow(t, n)
				}
			}
		})
	}
	var writers sync.WaitGroup
	for i := range 8 {
		writers.Go(func() {
			for range 25 {
				err := nodes[i%2].Update(func(tx *kv.Tx) error {
					b, err := tx.CreateBucketIfNotExists([]byte("c"))
					if err != nil {
						return err
					}
					n := 0
					fmt.Sscan(string(b.Get([]byte("n"))), &n)
					return b.Put([]byte("n"), []byte(fmt.Sprint(n+1)))
				})
				if err != nil {
					t.Error(err)
				}
			}
		})
	}
	writers.Wait()
	close(stop)
	followers.Wait()
	for i, n := range nodes {
		l.follow(t, n)
		n.View(func(tx *kv.Tx) error {
			if got := string(tx.Bucket([]byte("c")).Get([]byte("n"))); got != "200" {
				t.Errorf("node %d: counter %s, want 200", i, got)
			}
			return nil
		})
	}
}

// A transaction that writes nothing (a refusal) never reaches the shared
// store; one that fails rolls back on every copy.
func TestOnlyWritesReachTheSharedStore(t *testing.T) {
	l := &sharedLog{}
	db := openNode(t, l)
	db.Update(func(tx *kv.Tx) error { tx.Bucket([]byte("none")); return nil })
	db.Update(func(tx *kv.Tx) error {
		b, _ := tx.CreateBucketIfNotExists([]byte("x"))
		b.Put([]byte("k"), []byte("v"))
		return fmt.Errorf("refused")
	})
	if len(l.log) != 0 {
		t.Fatalf("shared store got %d commits, want 0", len(l.log))
	}
	err := db.Update(func(tx *kv.Tx) error {
		b, _ := tx.CreateBucketIfNotExists([]byte("x"))
		nb, _ := b.CreateBucketIfNotExists([]byte("nested"))
		nb.Put([]byte("k"), []byte("v"))
		c := b.Cursor()
		c.First()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(l.log) != 1 || !bytes.Equal(l.meta[0], []byte("3")) {
		t.Fatalf("shared store got %v (meta %q), want one commit of 3 mutations", l.log, l.meta)
	}
	other := openNode(t, l)
	l.follow(t, other)
	other.View(func(tx *kv.Tx) error {
		if got := tx.Bucket([]byte("x")).Bucket([]byte("nested")).Get([]byte("k")); string(got) != "v" {
			t.Errorf("replayed copy has %q", got)
		}
		return nil
	})
}

// put is a one-key transaction's mutations.
func put(k string) []kv.Mutation {
	return []kv.Mutation{{Op: kv.Put, Bucket: [][]byte{[]byte("x")}, Key: []byte(k), Value: []byte(k)}}
}

// Commits that arrive together are applied in one bbolt transaction; a
// revision the copy has already (its own commit, come back) is skipped.
func TestCommitsArrivingTogetherShareOneTransaction(t *testing.T) {
	l := &sharedLog{}
	db := openNode(t, l)
	if _, err := db.Apply(1, put("a")); err != nil {
		t.Fatal(err)
	}
	var id0 int
	db.Bolt().View(func(tx *bbolt.Tx) error { id0 = tx.ID(); return nil })
	applied, err := db.ApplyAll([]kv.Commit{{Rev: 1, Muts: put("a")}, {Rev: 2, Muts: put("b")}, {Rev: 3, Muts: put("c")}})
	if err != nil {
		t.Fatal(err)
	}
	if want := []bool{false, true, true}; fmt.Sprint(applied) != fmt.Sprint(want) {
		t.Errorf("applied %v, want %v", applied, want)
	}
	var id1 int
	db.Bolt().View(func(tx *bbolt.Tx) error { id1 = tx.ID(); return nil })
	if id1 != id0+1 {
		t.Errorf("%d bbolt commits for two new revisions, want 1", id1-id0)
	}
	if db.Applied() != 3 {
		t.Errorf("copy at %d, want 3", db.Applied())
	}
	db.View(func(tx *kv.Tx) error {
		for _, k := range []string{"a", "b", "c"} {
			if tx.Bucket([]byte("x")).Get([]byte(k)) == nil {
				t.Errorf("%s missing", k)
			}
		}
		return nil
	})
}

// countingLog counts the commits proposed to it.
type countingLog struct {
	sharedLog
	proposed int
}

func (l *countingLog) Commit(ctx context.Context, base int64, muts []kv.Mutation, meta []byte) (int64, error) {
	l.mu.Lock()
	l.proposed++
	l.mu.Unlock()
	return l.sharedLog.Commit(ctx, base, muts, meta)
}

// A write on a copy older than what the watch has shown is not proposed
// (it would be refused): it waits for the apply, then proposes once.
func TestWriteBehindTheWatchWaitsInsteadOfProposing(t *testing.T) {
	l := &countingLog{}
	db := openNode(t, l)
	// another node committed revision 1; the watch shows it, and applies
	// it only a moment later
	l.sharedLog.Commit(t.Context(), 0, put("other"), nil)
	db.Saw(1)
	done := make(chan error, 1)
	go func() {
		done <- db.Update(func(tx *kv.Tx) error {
			b, err := tx.CreateBucketIfNotExists([]byte("x"))
			if err != nil {
				return err
			}
			return b.Put([]byte("mine"), []byte("1"))
		})
	}()
	select {
	case err := <-done:
		t.Fatalf("the write finished (%v) before the copy caught up", err)
	case <-time.After(100 * time.Millisecond):
		// long enough for a write that does not wait to have proposed
		// (counted below); nothing depends on it being longer
	}
	if _, err := db.Apply(1, put("other")); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the write did not go on after the copy caught up")
	}
	if l.proposed != 1 {
		t.Errorf("%d proposals, want 1 (none refused)", l.proposed)
	}
}
