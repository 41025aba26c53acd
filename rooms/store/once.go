package store

import (
	"bytes"
	"time"

	"github.com/kogge-project/kogge/rooms/store/kv"
)

// Once-only actions: an action outside the store that must happen once
// however many nodes decide to do it (the scenes the timeline starts, on a
// cluster whose leader died and whose successor replays what it heard
// while nobody led). The action's record is committed before it is done;
// whoever commits it first does it, the others find it done. A node that
// dies between the commit and the action leaves it undone: at most once,
// never twice.

// bucketOnce (meta/once) holds time(8) key -> empty: the actions recorded.
// The time first keeps the pruning a walk from the start.
var bucketOnce = []byte("once")

// onceKeep is how long a record is kept after its action was due: far
// longer than any replay (daemon/scenes.go keeps 10 minutes).
const onceKeep = 7 * 24 * time.Hour

// Once records the action key, due at at, and reports whether this call
// recorded it first: the caller does the action only then. Records of
// actions due more than a week before at are removed on the way.
func (s *Store) Once(key string, at time.Time) (first bool, err error) {
	k := append(appendTime(nil, clampTime(at)), key...)
	err = s.update("once", func(tx *kv.Tx) error {
		b, err := tx.Bucket(bucketMeta).CreateBucketIfNotExists(bucketOnce)
		if err != nil {
			return err
		}
		first = false // the transaction may run again on newer state
		if b.Get(k) != nil {
			return nil
		}
		cutoff := appendTime(nil, clampTime(at.Add(-onceKeep)))
		var old [][]byte
		c := b.Cursor()
		for ok, _ := c.First(); ok != nil && bytes.Compare(ok[:min(len(ok), timeLen)], cutoff) < 0; ok, _ = c.Next() {
			old = append(old, bytes.Clone(ok))
		}
		for _, ok := range old {
			if err := b.Delete(ok); err != nil {
				return err
			}
		}
		first = true
		return b.Put(k, []byte{})
	})
	return first && err == nil, err
}
