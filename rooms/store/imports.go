package store

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/kogge-project/kogge/rooms/store/kv"
)

// Import state: what an import from another system (the council
// information system, integrations/oparl) must remember between runs and
// across restarts: where its next delta starts, which records it refused
// in which version, the agendas it read. The store does not interpret the
// values; each import keeps its own nested bucket, named by the import,
// of key -> opaque value (the import's JSON).

// bucketImports holds import name -> (key -> value) (schema 8).
var bucketImports = []byte("imports")

// migrateV7toV8 adds the import state. Imports before it kept their
// state in memory, so there is nothing to carry over: their first run
// after the upgrade is a full one.
func migrateV7toV8(tx *kv.Tx) error {
	if _, err := tx.CreateBucketIfNotExists(bucketImports); err != nil {
		return fmt.Errorf("create bucket %s: %w", bucketImports, err)
	}
	return nil
}

// ImportGet returns the value of key in import imp's state (nil if none).
func (s *Store) ImportGet(imp, key string) ([]byte, error) {
	var out []byte
	err := s.view("import.get", func(tx *kv.Tx) error {
		if b := importBucket(tx, imp); b != nil {
			out = bytes.Clone(b.Get([]byte(key)))
		}
		return nil
	})
	return out, err
}

// ImportPut writes several keys of import imp's state in one transaction,
// so that a cursor and the refusals it passed over are stored together; a
// nil or empty value deletes its key.
func (s *Store) ImportPut(imp string, values map[string][]byte) error {
	if imp == "" {
		return errors.New("import state: empty import name")
	}
	return s.update("import.put", func(tx *kv.Tx) error {
		b, err := tx.Bucket(bucketImports).CreateBucketIfNotExists([]byte(imp))
		if err != nil {
			return err
		}
		for k, v := range values {
			if k == "" {
				return errors.New("import state: empty key")
			}
			if len(v) == 0 {
				err = b.Delete([]byte(k))
			} else {
				err = b.Put([]byte(k), bytes.Clone(v))
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
}

// ImportScan calls fn for every key of import imp's state that begins with
// prefix, in key order, until fn returns an error (which it returns).
func (s *Store) ImportScan(imp, prefix string, fn func(key string, value []byte) error) error {
	return s.view("import.scan", func(tx *kv.Tx) error {
		b := importBucket(tx, imp)
		if b == nil {
			return nil
		}
		c := b.Cursor()
		p := []byte(prefix)
		for k, v := c.Seek(p); k != nil && bytes.HasPrefix(k, p); k, v = c.Next() {
			if err := fn(string(k), bytes.Clone(v)); err != nil {
				return err
			}
		}
		return nil
	})
}

func importBucket(tx *kv.Tx, imp string) *kv.Bucket {
	root := tx.Bucket(bucketImports)
	if root == nil || imp == "" {
		return nil
	}
	return root.Bucket([]byte(imp))
}
