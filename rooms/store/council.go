package store

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/kogge-project/kogge/rooms/store/kv"
)

// Council sessions: the record rooms/council keeps per council booking
// (members, agenda, attendance, votes), as opaque JSON, written together
// with its audit entries so that an acknowledged vote or presence change
// and its audit line are one commit (nothing is lost on kill -9).
//
// The bucket is created by the first write, not by a schema migration: a
// file without it simply has no council sessions, and an older kogge
// that opens a file with it leaves it alone.

// bucketCouncil holds booking id -> the session record (JSON).
var bucketCouncil = []byte("council")

// CouncilGet returns the council session record of a booking (nil if it
// has none yet).
func (s *Store) CouncilGet(bookingID string) ([]byte, error) {
	var out []byte
	err := s.view("council.get", func(tx *kv.Tx) error {
		if b := tx.Bucket(bucketCouncil); b != nil {
			out = bytes.Clone(b.Get([]byte(bookingID)))
		}
		return nil
	})
	return out, err
}

// CouncilUpdate runs fn on a booking's council record (nil if none) and
// stores what it returns, with its audit entries (about that booking), in
// one transaction. fn's error aborts without a write. The booking must
// exist.
func (s *Store) CouncilUpdate(bookingID string, fn func(cur []byte) (next []byte, audit []AuditEntry, err error)) error {
	uid, err := parseID(bookingID)
	if err != nil {
		return err
	}
	now := s.now().UTC()
	return s.update("council.update", func(tx *kv.Tx) error {
		if _, err := load(tx, uid); err != nil {
			return err
		}
		b, err := tx.CreateBucketIfNotExists(bucketCouncil)
		if err != nil {
			return fmt.Errorf("create bucket %s: %w", bucketCouncil, err)
		}
		next, entries, err := fn(bytes.Clone(b.Get([]byte(bookingID))))
		if err != nil {
			return err
		}
		if len(next) == 0 {
			return errors.New("council: empty record")
		}
		if err := b.Put([]byte(bookingID), next); err != nil {
			return err
		}
		for _, e := range entries {
			if e.Time.IsZero() {
				e.Time = now
			}
			e.Time = e.Time.UTC()
			e.BookingID = bookingID
			id, err := s.ids.next(e.Time)
			if err != nil {
				return err
			}
			e.ID = id.String()
			if err := appendAudit(tx, e); err != nil {
				return err
			}
		}
		return nil
	})
}
