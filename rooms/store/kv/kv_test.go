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

func openNode(t *testing.T, l *sharedLog) *kv.DB {
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
