package kv

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"go.etcd.io/bbolt"
)

// ReplicaBucket is local to each node's copy and never replicated: it
// holds the revision of the shared store the copy reflects. Backups and
// `kogge store copy` leave it out, so that what they write is a
// single-machine store.
const ReplicaBucket = "_replica"

var (
	bucketReplica = []byte(ReplicaBucket)
	keyRevision   = []byte("revision")
	// keyIdentity names the shared store the copy belongs to (the
	// replicator's choice: for etcd the cluster and the store's first
	// commit), so that a copy is never continued from another store's
	// history.
	keyIdentity = []byte("identity")
)

// commitTimeout bounds one replicated commit (a shared store that does not
// answer must not hold the local writer forever).
const commitTimeout = 10 * time.Second

// Replicated returns a DB whose writes go through repl first; meta, if
// set, is what each write transaction tells the other nodes besides its
// keys. The copy's revision is read from the file.
func Replicated(db *bbolt.DB, repl Replicator, meta func(*Tx) []byte) (*DB, error) {
	d := Wrap(db)
	d.repl, d.meta = repl, meta
	err := db.View(func(tx *bbolt.Tx) error {
		d.applied = revisionIn(tx)
		return nil
	})
	return d, err
}

// Applied is the shared store's revision the local copy reflects (0: never
// synchronised).
func (db *DB) Applied() int64 {
	db.mu.Lock()
	defer db.mu.Unlock()
	return db.applied
}

// WaitApplied waits until the local copy reflects revision rev.
func (db *DB) WaitApplied(ctx context.Context, rev int64) error {
	for {
		db.mu.Lock()
		at, moved := db.applied, db.moved
		db.mu.Unlock()
		if at >= rev {
			return nil
		}
		select {
		case <-moved:
		case <-ctx.Done():
			return fmt.Errorf("kv: local copy at revision %d, waiting for %d: %w (%w)", at, rev, ErrUnavailable, ctx.Err())
		}
	}
}

// revisionIn is the revision the copy reflects, as tx sees it. Every
// decision that must match the transaction's reads (the base of a commit,
// whether a watched revision is new) reads it here, under the writer lock,
// never from memory: bbolt runs commit handlers only after it has let the
// next writer in.
func revisionIn(btx *bbolt.Tx) int64 {
	if b := btx.Bucket(bucketReplica); b != nil {
		if v := b.Get(keyRevision); len(v) == 8 {
			return int64(binary.BigEndian.Uint64(v))
		}
	}
	return 0
}

// writeRevision records rev in tx.
func writeRevision(btx *bbolt.Tx, rev int64) error {
	b, err := btx.CreateBucketIfNotExists(bucketReplica)
	if err != nil {
		return err
	}
	return b.Put(keyRevision, binary.BigEndian.AppendUint64(nil, uint64(rev)))
}

// noteApplied tells waiters the copy reached rev (after its commit); a
// reset may move it back.
func (db *DB) noteApplied(rev int64, reset bool) {
	db.mu.Lock()
	if rev > db.applied || (reset && rev != db.applied) {
		db.applied = rev
		close(db.moved)
		db.moved = make(chan struct{})
	}
	db.mu.Unlock()
}

// replicate offers tx's mutations to the replicator; it runs inside the
// local write transaction, so the local writer lock keeps the copy still
// between the revision read and the commit. The base revision is the one
// this transaction sees in the file (revisionIn), and it returns the new
// revision.
func (db *DB) replicate(tx *Tx) (int64, error) {
	var meta []byte
	if db.meta != nil {
		meta = db.meta(tx)
	}
	base := revisionIn(tx.Tx)
	if seen := db.seen.Load(); seen > base {
		return 0, BehindAt(seen) // wait for the watch's apply (Saw)
	}
	ctx, cancel := context.WithTimeout(context.Background(), commitTimeout)
	defer cancel()
	rev, err := db.repl.Commit(ctx, base, tx.rec.muts, meta)
	if err != nil {
		return 0, err
	}
	return rev, writeRevision(tx.Tx, rev)
}

// Commit is one commit of the shared store as the watch delivers it.
type Commit struct {
	Rev  int64
	Muts []Mutation
}

// Apply writes what another node committed at revision rev to the local
// copy (ApplyAll of one commit).
func (db *DB) Apply(rev int64, muts []Mutation) (applied bool, err error) {
	done, err := db.ApplyAll([]Commit{{Rev: rev, Muts: muts}})
	return len(done) == 1 && done[0], err
}

// ApplyAll writes commits (in revision order) to the local copy in one
// bbolt transaction: commits that arrive together cost one commit's two
// fdatasyncs, not two each. A revision the copy already reflects (this
// node's own commits come back through the watch) is skipped; applied
// says which were new. A batch with nothing new neither waits for the
// writer lock when it can tell at once nor commits: an empty bbolt
// commit still costs two fdatasyncs, and every own commit comes back
// this way.
func (db *DB) ApplyAll(commits []Commit) (applied []bool, err error) {
	applied = make([]bool, len(commits))
	if len(commits) == 0 || commits[len(commits)-1].Rev <= db.Applied() {
		return applied, nil
	}
	var at int64
	err = db.bolt.Update(func(btx *bbolt.Tx) error {
		at = revisionIn(btx)
		wrote := false
		for i, c := range commits {
			if c.Rev <= at {
				continue
			}
			for _, m := range c.Muts {
				if err := applyOne(btx, m); err != nil {
					return err
				}
			}
			applied[i], wrote, at = true, true, c.Rev
		}
		if !wrote {
			return errSkip // roll back: nothing to write, nothing to sync
		}
		return writeRevision(btx, at)
	})
	if errors.Is(err, errSkip) {
		return applied, nil
	}
	if err != nil {
		return make([]bool, len(commits)), err
	}
	db.noteApplied(at, false)
	return applied, nil
}

// Saw tells db that the shared store has reached revision rev (the watch
// delivered it; its apply may still wait for the writer lock). A write
// transaction on a copy older than that is not proposed: its condition
// would fail, and the refusal would cost a Raft round of its own.
func (db *DB) Saw(rev int64) {
	for {
		s := db.seen.Load()
		if rev <= s || db.seen.CompareAndSwap(s, rev) {
			return
		}
	}
}

// errSkip rolls back an Apply of a revision the copy has.
var errSkip = errors.New("kv: revision already applied")

// Identity is the shared store the copy belongs to ("" when not known).
func (db *DB) Identity() (id string, err error) {
	err = db.bolt.View(func(tx *bbolt.Tx) error {
		if b := tx.Bucket(bucketReplica); b != nil {
			id = string(b.Get(keyIdentity))
		}
		return nil
	})
	return id, err
}

// SetIdentity records which shared store the copy belongs to.
func (db *DB) SetIdentity(id string) error {
	return db.bolt.Update(func(tx *bbolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucketReplica)
		if err != nil {
			return err
		}
		return b.Put(keyIdentity, []byte(id))
	})
}

// Reset replaces every replicated bucket of the local copy with a snapshot
// of the shared store at revision rev (a new node, or one whose watch fell
// behind the shared store's compaction). muts are the snapshot's buckets
// and keys.
func (db *DB) Reset(rev int64, muts []Mutation) error {
	err := db.bolt.Update(func(btx *bbolt.Tx) error {
		var names [][]byte
		err := btx.ForEach(func(name []byte, _ *bbolt.Bucket) error {
			if string(name) != string(bucketReplica) {
				names = append(names, clone(name))
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, n := range names {
			if err := btx.DeleteBucket(n); err != nil {
				return err
			}
		}
		for _, m := range muts {
			if err := applyOne(btx, m); err != nil {
				return err
			}
		}
		return writeRevision(btx, rev)
	})
	if err == nil {
		db.noteApplied(rev, true)
	}
	return err
}

// applyOne applies m; buckets on a write's path are created as needed, a
// delete in a bucket that is gone already is done.
func applyOne(btx *bbolt.Tx, m Mutation) error {
	if len(m.Bucket) == 0 {
		return fmt.Errorf("kv: mutation without a bucket")
	}
	switch m.Op {
	case Put, CreateBucket:
		b, err := bucketAt(btx, m.Bucket)
		if err != nil || m.Op == CreateBucket {
			return err
		}
		return b.Put(m.Key, m.Value)
	case Delete:
		if b := findBucket(btx, m.Bucket); b != nil {
			return b.Delete(m.Key)
		}
		return nil
	case DeleteBucket:
		parentPath, name := m.Bucket[:len(m.Bucket)-1], m.Bucket[len(m.Bucket)-1]
		if len(parentPath) == 0 {
			return ignoreMissing(btx.DeleteBucket(name))
		}
		if p := findBucket(btx, parentPath); p != nil {
			return ignoreMissing(p.DeleteBucket(name))
		}
		return nil
	}
	return fmt.Errorf("kv: unknown mutation %d", m.Op)
}

// findBucket is the bucket at path, or nil.
func findBucket(btx *bbolt.Tx, path [][]byte) *bbolt.Bucket {
	b := btx.Bucket(path[0])
	for _, name := range path[1:] {
		if b == nil {
			return nil
		}
		b = b.Bucket(name)
	}
	return b
}

// bucketAt is the bucket at path, created where missing.
func bucketAt(btx *bbolt.Tx, path [][]byte) (*bbolt.Bucket, error) {
	b, err := btx.CreateBucketIfNotExists(path[0])
	for _, name := range path[1:] {
		if err != nil {
			return nil, err
		}
		b, err = b.CreateBucketIfNotExists(name)
	}
	return b, err
}

func ignoreMissing(err error) error {
	if errors.Is(err, bbolt.ErrBucketNotFound) {
		return nil
	}
	return err
}
