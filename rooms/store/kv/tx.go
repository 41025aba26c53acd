package kv

import (
	"errors"
	"slices"

	"go.etcd.io/bbolt"
)

// Tx is a bbolt transaction whose writes are recorded when the DB is
// replicated. Reads (Get, Cursor, ForEach) are bbolt's own.
type Tx struct {
	*bbolt.Tx
	rec *recorder // nil: not recording (read, or not replicated)
}

type recorder struct{ muts []Mutation }

func (tx *Tx) record(m Mutation) {
	if tx.rec != nil {
		tx.rec.muts = append(tx.rec.muts, m)
	}
}

// Mutations are the changes recorded so far (nil when not recording).
func (tx *Tx) Mutations() []Mutation {
	if tx.rec == nil {
		return nil
	}
	return tx.rec.muts
}

// Bucket is the top-level bucket name, or nil.
func (tx *Tx) Bucket(name []byte) *Bucket {
	return tx.wrap(tx.Tx.Bucket(name), nil, name)
}

// CreateBucketIfNotExists is bbolt's, recorded when the bucket is new.
func (tx *Tx) CreateBucketIfNotExists(name []byte) (*Bucket, error) {
	if b := tx.Bucket(name); b != nil {
		return b, nil
	}
	return tx.CreateBucket(name)
}

// CreateBucket is bbolt's, recorded.
func (tx *Tx) CreateBucket(name []byte) (*Bucket, error) {
	b, err := tx.Tx.CreateBucket(name)
	if err != nil {
		return nil, err
	}
	w := tx.wrap(b, nil, name)
	tx.record(Mutation{Op: CreateBucket, Bucket: w.path})
	return w, nil
}

// DeleteBucket is bbolt's, recorded.
func (tx *Tx) DeleteBucket(name []byte) error {
	if err := tx.Tx.DeleteBucket(name); err != nil {
		return err
	}
	tx.record(Mutation{Op: DeleteBucket, Bucket: [][]byte{clone(name)}})
	return nil
}

func (tx *Tx) wrap(b *bbolt.Bucket, parent [][]byte, name []byte) *Bucket {
	if b == nil {
		return nil
	}
	w := &Bucket{bb: b, tx: tx}
	if tx.rec != nil { // the path is only needed to record
		w.path = append(slices.Clip(parent), clone(name))
	}
	return w
}

// Bucket is a bbolt bucket whose writes are recorded.
type Bucket struct {
	bb   *bbolt.Bucket
	tx   *Tx
	path [][]byte
}

// Raw is the bbolt bucket (reads only: writes through it are not recorded).
func (b *Bucket) Raw() *bbolt.Bucket { return b.bb }

// Get, ForEach, ForEachBucket, Sequence and Stats are bbolt's.
func (b *Bucket) Get(key []byte) []byte                       { return b.bb.Get(key) }
func (b *Bucket) ForEach(fn func(k, v []byte) error) error    { return b.bb.ForEach(fn) }
func (b *Bucket) ForEachBucket(fn func(k []byte) error) error { return b.bb.ForEachBucket(fn) }
func (b *Bucket) Sequence() uint64                            { return b.bb.Sequence() }
func (b *Bucket) Stats() bbolt.BucketStats                    { return b.bb.Stats() }

// Put is bbolt's, recorded.
func (b *Bucket) Put(key, value []byte) error {
	if err := b.bb.Put(key, value); err != nil {
		return err
	}
	b.tx.record(Mutation{Op: Put, Bucket: b.path, Key: clone(key), Value: clone(value)})
	return nil
}

// Delete is bbolt's, recorded.
func (b *Bucket) Delete(key []byte) error {
	if err := b.bb.Delete(key); err != nil {
		return err
	}
	b.tx.record(Mutation{Op: Delete, Bucket: b.path, Key: clone(key)})
	return nil
}

// Bucket is the nested bucket name, or nil.
func (b *Bucket) Bucket(name []byte) *Bucket {
	return b.tx.wrap(b.bb.Bucket(name), b.path, name)
}

// CreateBucketIfNotExists is bbolt's, recorded when the bucket is new.
func (b *Bucket) CreateBucketIfNotExists(name []byte) (*Bucket, error) {
	if nb := b.Bucket(name); nb != nil {
		return nb, nil
	}
	return b.CreateBucket(name)
}

// CreateBucket is bbolt's, recorded.
func (b *Bucket) CreateBucket(name []byte) (*Bucket, error) {
	nb, err := b.bb.CreateBucket(name)
	if err != nil {
		return nil, err
	}
	w := b.tx.wrap(nb, b.path, name)
	b.tx.record(Mutation{Op: CreateBucket, Bucket: w.path})
	return w, nil
}

// DeleteBucket is bbolt's, recorded.
func (b *Bucket) DeleteBucket(name []byte) error {
	if err := b.bb.DeleteBucket(name); err != nil {
		return err
	}
	b.tx.record(Mutation{Op: DeleteBucket, Bucket: append(slices.Clip(b.path), clone(name))})
	return nil
}

// errNotReplicated: bucket sequences have no place in the shared layout.
var errNotReplicated = errors.New("kv: bucket sequences are not replicated; use keys")

// NextSequence is refused when recording (a sequence is bucket metadata
// that a replica would not see).
func (b *Bucket) NextSequence() (uint64, error) {
	if b.tx.rec != nil {
		return 0, errNotReplicated
	}
	return b.bb.NextSequence()
}

// SetSequence: as NextSequence.
func (b *Bucket) SetSequence(v uint64) error {
	if b.tx.rec != nil {
		return errNotReplicated
	}
	return b.bb.SetSequence(v)
}

// Cursor is bbolt's; a cursor's Delete is recorded.
func (b *Bucket) Cursor() *Cursor { return &Cursor{Cursor: b.bb.Cursor(), b: b} }

// Cursor remembers its position's key so that Delete can be recorded.
type Cursor struct {
	*bbolt.Cursor
	b   *Bucket
	key []byte
}

func (c *Cursor) at(k, v []byte) ([]byte, []byte) { c.key = k; return k, v }

// First, Last, Next, Prev and Seek are bbolt's.
func (c *Cursor) First() ([]byte, []byte)           { return c.at(c.Cursor.First()) }
func (c *Cursor) Last() ([]byte, []byte)            { return c.at(c.Cursor.Last()) }
func (c *Cursor) Next() ([]byte, []byte)            { return c.at(c.Cursor.Next()) }
func (c *Cursor) Prev() ([]byte, []byte)            { return c.at(c.Cursor.Prev()) }
func (c *Cursor) Seek(seek []byte) ([]byte, []byte) { return c.at(c.Cursor.Seek(seek)) }

// Delete removes the key at the cursor, recorded.
func (c *Cursor) Delete() error {
	key := clone(c.key)
	if err := c.Cursor.Delete(); err != nil {
		return err
	}
	c.b.tx.record(Mutation{Op: Delete, Bucket: c.b.path, Key: key})
	return nil
}

func clone(b []byte) []byte { return append([]byte(nil), b...) }

// SetFillPercent sets bbolt's page fill for this transaction (appends).
func (b *Bucket) SetFillPercent(f float64) { b.bb.FillPercent = f }
