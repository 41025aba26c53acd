package accounts

import (
	"encoding/json"
	"errors"

	"github.com/kogge-project/kogge/rooms"
	"github.com/kogge-project/kogge/rooms/store/kv"
)

// skip logs a damaged record a list leaves out, once per record: the list
// is asked for on every page load, the log should not repeat it each time.
func (s *Service) skip(d *rooms.DamagedRecordError) {
	if _, seen := s.reported.LoadOrStore(d.Bucket+"\x00"+d.Key, true); seen {
		return
	}
	s.opts.Logger.Error("damaged record skipped; run `kogge check-db` to list all",
		"bucket", d.Bucket, "key", d.Key, "err", d.Err)
}

// accountRecords are the buckets whose records DamagedRecords decodes, each
// with a decoder into its record type. panel_tokens maps a digest to a
// panel id (plain text) and is not JSON.
var accountRecords = []struct {
	bucket []byte
	decode func([]byte) error
}{
	{bucketUsers, decodeAs[userRecord]},
	{bucketSessions, decodeAs[sessionRecord]},
	{bucketTokens, decodeAs[tokenRecord]},
	{bucketPanels, decodeAs[panelRecord]},
	{bucketPairings, decodeAs[pairingRecord]},
}

func decodeAs[T any](v []byte) error {
	var r T
	return json.Unmarshal(v, &r)
}

// DamagedRecords lists every record of the account buckets that does not
// decode, for `kogge check-db`.
func (s *Service) DamagedRecords() ([]*rooms.DamagedRecordError, error) {
	var out []*rooms.DamagedRecordError
	err := s.db.View(func(tx *kv.Tx) error {
		for _, br := range accountRecords {
			b := tx.Bucket(br.bucket)
			if b == nil {
				return errors.New("accounts: missing bucket " + string(br.bucket))
			}
			err := b.ForEach(func(k, v []byte) error {
				if err := br.decode(v); err != nil {
					out = append(out, rooms.Damaged(br.bucket, k, err))
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
