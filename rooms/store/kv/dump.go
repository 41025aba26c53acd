package kv

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"slices"

	"go.etcd.io/bbolt"
)

// Dump, Load and Summarize move a store between a bbolt file and another
// place (`kogge store copy`, with rooms/store/etcdrepl for etcd): a store
// is then the list of mutations that builds it, a CreateBucket for every
// bucket and a Put for every key.

// Dump lists every bucket and key of db, leaving out the node-local
// ReplicaBucket. It reads in one read transaction, so the list is one
// consistent state of the file.
func Dump(db *bbolt.DB) ([]Mutation, error) {
	var muts []Mutation
	err := db.View(func(btx *bbolt.Tx) error {
		return btx.ForEach(func(name []byte, b *bbolt.Bucket) error {
			if string(name) == ReplicaBucket {
				return nil
			}
			return dumpBucket(&muts, [][]byte{clone(name)}, b)
		})
	})
	return muts, err
}

func dumpBucket(muts *[]Mutation, path [][]byte, b *bbolt.Bucket) error {
	// Kogge never uses a bucket's sequence (Tx refuses it when recording,
	// and etcd has no place for it): one that is set would be lost.
	if b.Sequence() != 0 {
		return fmt.Errorf("bucket %s has a sequence number, which a copy cannot carry", pathString(path))
	}
	*muts = append(*muts, Mutation{Op: CreateBucket, Bucket: path})
	return b.ForEach(func(k, v []byte) error {
		if nested := b.Bucket(k); nested != nil && v == nil {
			return dumpBucket(muts, append(slices.Clip(path), clone(k)), nested)
		}
		*muts = append(*muts, Mutation{Op: Put, Bucket: path, Key: clone(k), Value: clone(v)})
		return nil
	})
}

// Load applies muts to db in write transactions of at most batch
// mutations each (one huge transaction would hold the whole store in
// memory twice).
func Load(db *bbolt.DB, muts []Mutation, batch int) error {
	if batch <= 0 {
		batch = 10000
	}
	for len(muts) > 0 {
		n := min(batch, len(muts))
		err := db.Update(func(btx *bbolt.Tx) error {
			for _, m := range muts[:n] {
				if err := applyOne(btx, m); err != nil {
					return fmt.Errorf("bucket %s: %w", pathString(m.Bucket), err)
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		muts = muts[n:]
	}
	return nil
}

// BucketSum is what a copy is checked by, for one top-level bucket: how
// many keys it holds (nested buckets' included), how many nested buckets,
// and a SHA-256 over every bucket path, key and value in it, taken in a
// canonical order so that both sides of a copy compute it alike.
type BucketSum struct {
	Name    string
	Keys    int
	Buckets int
	SHA256  [sha256.Size]byte
}

// Summarize is the BucketSum of every top-level bucket in muts (CreateBucket
// and Put only), sorted by name.
func Summarize(muts []Mutation) []BucketSum {
	records := map[string][][]byte{}
	sums := map[string]*BucketSum{}
	for _, m := range muts {
		top := string(m.Bucket[0])
		s := sums[top]
		if s == nil {
			s = &BucketSum{Name: top}
			sums[top] = s
		}
		switch m.Op {
		case Put:
			s.Keys++
		case CreateBucket:
			if len(m.Bucket) > 1 {
				s.Buckets++
			}
		}
		records[top] = append(records[top], record(m))
	}
	out := make([]BucketSum, 0, len(sums))
	for name, s := range sums {
		recs := records[name]
		slices.SortFunc(recs, bytes.Compare)
		h := sha256.New()
		for _, r := range recs {
			h.Write(r)
		}
		h.Sum(s.SHA256[:0])
		out = append(out, *s)
	}
	slices.SortFunc(out, func(a, b BucketSum) int { return bytes.Compare([]byte(a.Name), []byte(b.Name)) })
	return out
}

// record encodes m unambiguously: every part with its length before it.
func record(m Mutation) []byte {
	r := binary.AppendUvarint(nil, uint64(len(m.Bucket)))
	for _, p := range m.Bucket {
		r = binary.AppendUvarint(r, uint64(len(p)))
		r = append(r, p...)
	}
	if m.Op == CreateBucket {
		return append(r, 0)
	}
	r = append(r, 1)
	r = binary.AppendUvarint(r, uint64(len(m.Key)))
	r = append(r, m.Key...)
	r = binary.AppendUvarint(r, uint64(len(m.Value)))
	return append(r, m.Value...)
}

func pathString(path [][]byte) string {
	return string(bytes.Join(path, []byte("/")))
}
