package store

import (
	"encoding/binary"
	"encoding/json"
	"fmt"

	"github.com/oklog/ulid/v2"

	"github.com/kogge-project/kogge/rooms"
	"github.com/kogge-project/kogge/rooms/store/kv"
)

// SchemaVersion is the layout this code reads and writes (see doc.go).
const SchemaVersion = 8

// migration upgrades a file by one schema version, inside the transaction
// that records the new version: a crash mid-migration leaves the old file.
type migration func(tx *kv.Tx) error

// migrations[v] upgrades schema v to v+1. Add one entry per schema change;
// never edit an entry that has shipped.
var migrations = map[uint64]migration{
	0: migrateV0toV1,
	1: migrateV1toV2,
	2: migrateV2toV3,
	3: migrateV3toV4,
	4: migrateV4toV5,
	5: migrateV5toV6, // joinlinks.go
	6: migrateV6toV7, // allocations.go
	7: migrateV7toV8, // imports.go
}

// migrateV0toV1 creates the v1 buckets in a new (or pre-versioning) file.
func migrateV0toV1(tx *kv.Tx) error {
	return createBuckets(tx)
}

// migrateV1toV2 re-encodes bookings from JSON to the binary codec (codec.go).
func migrateV1toV2(tx *kv.Tx) error {
	bk := tx.Bucket(bucketBookings)
	type kv struct{ k, v []byte }
	var rewrites []kv
	err := bk.ForEach(func(k, v []byte) error {
		var b rooms.Booking
		if err := json.Unmarshal(v, &b); err != nil {
			return fmt.Errorf("booking %x: %w", k, err)
		}
		rewrites = append(rewrites, kv{append([]byte(nil), k...), encodeBooking(&b)})
		return nil
	})
	if err != nil {
		return err
	}
	for _, r := range rewrites { // never Put while ForEach iterates
		if err := bk.Put(r.k, r.v); err != nil {
			return err
		}
	}
	return nil
}

// migrateV2toV3 adds the series and their occurrence index. Bookings
// already linked to a series (codecV2 records written before this schema)
// are indexed; a link that is no series id cannot be, and is left alone.
func migrateV2toV3(tx *kv.Tx) error {
	for _, name := range [][]byte{bucketSeries, bucketBySeries} {
		if _, err := tx.CreateBucketIfNotExists(name); err != nil {
			return fmt.Errorf("create bucket %s: %w", name, err)
		}
	}
	idx := tx.Bucket(bucketBySeries)
	return tx.Bucket(bucketBookings).ForEach(func(k, v []byte) error {
		var b rooms.Booking
		if err := decodeBooking(v, &b); err != nil {
			return fmt.Errorf("booking %x: %w", k, err)
		}
		if len(k) != idLen {
			return fmt.Errorf("booking key %x is no id", k)
		}
		if sk, ok := seriesKey(&b, ulid.ULID(k)); ok {
			return idx.Put(sk, nil) // another bucket: safe during ForEach
		}
		return nil
	})
}

// migrateV4toV5 adds the external reference index. There is nothing to
// index: a schema 4 kogge writes codecV2 records, which hold no reference.
func migrateV4toV5(tx *kv.Tx) error {
	if _, err := tx.CreateBucketIfNotExists(bucketByExternal); err != nil {
		return fmt.Errorf("create bucket %s: %w", bucketByExternal, err)
	}
	return nil
}

// migrate brings the file to SchemaVersion, or refuses a newer one without
// writing to it.
func (s *Store) migrate() error {
	return s.update("migrate", func(tx *kv.Tx) error {
		v := schemaOf(tx)
		if v > SchemaVersion {
			return fmt.Errorf("%s has schema version %d but this kogge knows only up to %d; upgrade kogge or restore a backup: %w",
				s.path, v, SchemaVersion, ErrSchemaTooNew)
		}
		for ; v < SchemaVersion; v++ {
			m, ok := migrations[v]
			if !ok {
				return fmt.Errorf("no migration from schema %d to %d", v, v+1)
			}
			if err := m(tx); err != nil {
				return fmt.Errorf("migrate schema %d to %d: %w", v, v+1, err)
			}
			if err := setSchema(tx, v+1); err != nil {
				return err
			}
			s.log.Info("migrated store schema", "path", s.path, "from", v, "to", v+1)
		}
		return nil
	})
}

func schemaOf(tx *kv.Tx) uint64 {
	meta := tx.Bucket(bucketMeta)
	if meta == nil {
		return 0
	}
	v := meta.Get(keySchema)
	if len(v) != 8 {
		return 0
	}
	return binary.BigEndian.Uint64(v)
}

func setSchema(tx *kv.Tx, v uint64) error {
	meta, err := tx.CreateBucketIfNotExists(bucketMeta)
	if err != nil {
		return err
	}
	return meta.Put(keySchema, binary.BigEndian.AppendUint64(nil, v))
}
