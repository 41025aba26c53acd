package store

import (
	"encoding/json"

	"github.com/oklog/ulid/v2"

	"github.com/kogge-project/kogge/rooms"
	"github.com/kogge-project/kogge/rooms/store/kv"
)

// skip logs a damaged record a list leaves out, once per record: lists are
// asked for on every page load, the log should not repeat it each time.
func (s *Store) skip(d *rooms.DamagedRecordError) {
	if _, seen := s.reported.LoadOrStore(d.Bucket+"\x00"+d.Key, true); seen {
		return
	}
	s.log.Error("damaged record skipped; run `kogge check-db` to list all",
		"bucket", d.Bucket, "key", d.Key, "err", d.Err)
}

// storeRecords are the buckets of records DamagedRecords decodes; the
// index buckets hold keys only and bbolt's own check covers them.
var storeRecords = []struct {
	bucket  []byte
	ulidKey bool
	decode  func([]byte) error
}{
	{bucketBookings, true, func(v []byte) error { var b rooms.Booking; return decodeBooking(v, &b) }},
	{bucketSeries, true, decodeJSON[rooms.Series]},
	{bucketJoinSettings, true, decodeJSON[joinRecord]},
	{bucketAllocations, true, decodeJSON[allocRecord]},
	{bucketAudit, true, decodeJSON[AuditEntry]},
	{bucketFeedTokens, false, decodeJSON[FeedToken]},
}

func decodeJSON[T any](v []byte) error {
	var r T
	return json.Unmarshal(v, &r)
}

// DamagedRecords lists every record of the store's record buckets that
// does not decode, for `kogge check-db`. Keys that are IDs show as IDs.
func (s *Store) DamagedRecords() ([]*rooms.DamagedRecordError, error) {
	var out []*rooms.DamagedRecordError
	err := s.view("check_records", func(tx *kv.Tx) error {
		for _, br := range storeRecords {
			b := tx.Bucket(br.bucket)
			if b == nil {
				continue // a bucket a later schema adds
			}
			err := b.ForEach(func(k, v []byte) error {
				if v == nil {
					return nil // a nested bucket
				}
				if err := br.decode(v); err != nil {
					d := rooms.Damaged(br.bucket, k, err)
					var id ulid.ULID
					if br.ulidKey && len(k) == len(id) {
						copy(id[:], k)
						d.Key = id.String()
					}
					out = append(out, d)
				}
				return nil
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
	return out, err
}
