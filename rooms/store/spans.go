package store

import (
	"time"

	"github.com/kogge-project/kogge/rooms"
	"github.com/kogge-project/kogge/rooms/store/kv"
)

// RecomputeSpans sets every room's overlap bound (see doc.go, "The overlap
// bound") to the longest occupied span the room holds now. The bound only
// ever grows while bookings are written, so one mistaken year-long booking
// would widen every scan of its room long after it was fixed; the purge
// job calls this after deleting old bookings. It reads every booking in
// one write transaction (writers wait meanwhile: a weekly job's cost).
// It returns how many rooms' bounds went down.
func (s *Store) RecomputeSpans() (lowered int, err error) {
	err = s.update("recompute-spans", func(tx *kv.Tx) error {
		lowered = 0
		spans := map[string]time.Duration{}
		var global time.Duration
		err := tx.Bucket(bucketBookings).ForEach(func(_, v []byte) error {
			var b rooms.Booking
			if err := decodeBooking(v, &b); err != nil {
				return err
			}
			span := b.OccupiedUntil().Sub(b.OccupiedFrom())
			spans[b.Room] = max(spans[b.Room], span)
			global = max(global, span)
			return nil
		})
		if err != nil {
			return err
		}
		meta := tx.Bucket(bucketMeta)
		if err := meta.Put(keyMaxSpan, appendDuration(global)); err != nil {
			return err
		}
		rs := meta.Bucket(bucketSpans)
		var gone [][]byte
		err = rs.ForEach(func(k, v []byte) error {
			now, ok := spans[string(k)]
			if now < getDuration(v) {
				lowered++
			}
			if !ok {
				gone = append(gone, append([]byte(nil), k...))
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, k := range gone {
			if err := rs.Delete(k); err != nil {
				return err
			}
		}
		for room, span := range spans {
			if err := rs.Put([]byte(room), appendDuration(span)); err != nil {
				return err
			}
		}
		return nil
	})
	return lowered, err
}
