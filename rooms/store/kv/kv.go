// Package kv is bbolt with a seam for replication: the store and the
// accounts run their transactions through it, and every write transaction
// can be handed, as the list of keys it puts and deletes, to a Replicator
// (rooms/store/etcdrepl) before it commits locally.
//
// Without a Replicator (the default, one machine) a DB is bbolt as it is:
// Update is bbolt's write transaction and nothing is recorded.
//
// With one, the local bbolt file is this node's copy of the shared data. A
// write transaction runs against the copy as usual; if it changed
// anything, its changes are offered to the Replicator as one atomic step
// that succeeds only if nobody committed since the revision the copy
// reflects. On success the local transaction commits with that revision;
// if someone else was first (ErrBehind) it rolls back, waits until the
// copy has caught up, and runs again. A transaction that changes nothing —
// a refused booking, a conflict — never reaches the Replicator. Because
// every write is checked against the revision its reads saw, the rules
// the store enforces in a transaction (no two bookings of one room at
// once, no two holders of one licence) hold across machines exactly as
// they do inside one bbolt file.
package kv

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"go.etcd.io/bbolt"
)

// Op is what a Mutation does.
type Op uint8

const (
	// Put sets Key in Bucket to Value.
	Put Op = iota + 1
	// Delete removes Key from Bucket.
	Delete
	// CreateBucket creates Bucket (its path) if it is missing.
	CreateBucket
	// DeleteBucket removes Bucket with everything in it.
	DeleteBucket
)

// Mutation is one change a write transaction made.
type Mutation struct {
	Op Op
	// Bucket is the bucket's path from the top (["meta", "allocSpans"]).
	Bucket [][]byte
	Key    []byte
	Value  []byte
}

// Replicator writes a transaction's mutations to the shared store.
type Replicator interface {
	// Commit writes muts and meta as one atomic step if the shared store
	// is still at revision base, and returns the new revision. If
	// someone committed since, it returns an error wrapping ErrBehind
	// (and writes nothing).
	Commit(ctx context.Context, base int64, muts []Mutation, meta []byte) (int64, error)
}

// ErrBehind: another node committed first; the local copy must catch up
// and the transaction run again.
var ErrBehind = errors.New("kv: the local copy is behind the shared store")

// ErrUnavailable: the shared store did not answer in time (the
// replicator's own errors wrap their causes in it too).
var ErrUnavailable = errors.New("the shared store cannot be reached")

// updateTimeout bounds one Update's attempts while other nodes keep
// committing first.
const updateTimeout = 30 * time.Second

// DB is a bbolt database, possibly replicated.
type DB struct {
	bolt *bbolt.DB
	repl Replicator
	// meta, if set, gives the replicator what a transaction means beyond
	// its keys (the store's change feed entries), for other nodes.
	meta func(*Tx) []byte

	// seen is the newest revision of the shared store the watch
	// delivered (Saw).
	seen atomic.Int64

	mu      sync.Mutex
	applied int64         // revision of the local copy
	moved   chan struct{} // closed and replaced when applied changes
}

// Wrap returns a DB over an open bbolt database, not replicated.
func Wrap(db *bbolt.DB) *DB {
	return &DB{bolt: db, moved: make(chan struct{})}
}

// Bolt is the bbolt database underneath (backups, checks, stats).
func (db *DB) Bolt() *bbolt.DB { return db.bolt }

// Close closes the bbolt file.
func (db *DB) Close() error { return db.bolt.Close() }

// View runs fn in a read transaction of the local copy.
func (db *DB) View(fn func(*Tx) error) error {
	return db.bolt.View(func(btx *bbolt.Tx) error { return fn(&Tx{Tx: btx}) })
}

// Begin starts a read transaction the caller must roll back (streaming
// reads that outlive a closure).
func (db *DB) Begin() (*Tx, error) {
	btx, err := db.bolt.Begin(false)
	if err != nil {
		return nil, err
	}
	return &Tx{Tx: btx}, nil
}

// Update runs fn in a write transaction. fn may run more than once when
// the store is replicated (another node committed first): it must not
// have effects outside the transaction that a second run would repeat.
func (db *DB) Update(fn func(*Tx) error) error {
	if db.repl == nil {
		return db.bolt.Update(func(btx *bbolt.Tx) error { return fn(&Tx{Tx: btx}) })
	}
	deadline := time.Now().Add(updateTimeout)
	for {
		var behind *behindError
		var rev int64
		err := db.bolt.Update(func(btx *bbolt.Tx) error {
			tx := &Tx{Tx: btx, rec: &recorder{}}
			if err := fn(tx); err != nil {
				return err
			}
			if len(tx.rec.muts) == 0 {
				return nil
			}
			var err error
			rev, err = db.replicate(tx)
			return err
		})
		if err == nil && rev > 0 {
			db.noteApplied(rev, false)
		}
		if !errors.As(err, &behind) {
			return err
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("kv: still behind the shared store after %v: %w", updateTimeout, ErrUnavailable)
		}
		ctx, cancel := context.WithTimeout(context.Background(), commitTimeout)
		err = db.WaitApplied(ctx, behind.current)
		cancel()
		if err != nil {
			return err
		}
	}
}

// behindError carries the shared store's revision a write lost to.
type behindError struct{ current int64 }

func (e *behindError) Error() string {
	return fmt.Sprintf("kv: local copy behind revision %d", e.current)
}
func (e *behindError) Unwrap() error { return ErrBehind }

// BehindAt is the error a Replicator returns when the shared store has
// moved on to revision current.
func BehindAt(current int64) error { return &behindError{current} }
