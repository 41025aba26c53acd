package store

// Opaque secrets (encrypted by their owners), e.g. GoTo refresh tokens.

import (
	"bytes"
	"errors"

	"github.com/kogge-project/kogge/rooms/store/kv"
)

// PutSecret stores an opaque (already encrypted) secret under name, e.g.
// a GoTo organizer's refresh token; Secret reads it back (nil if none).
// An empty value deletes the secret.
func (s *Store) PutSecret(name string, value []byte) error {
	if name == "" {
		return errors.New("put secret: empty name")
	}
	return s.update("secret", func(tx *kv.Tx) error {
		if len(value) == 0 {
			return tx.Bucket(bucketSecrets).Delete([]byte(name))
		}
		return tx.Bucket(bucketSecrets).Put([]byte(name), bytes.Clone(value))
	})
}

func (s *Store) Secret(name string) ([]byte, error) {
	var out []byte
	err := s.view("secret", func(tx *kv.Tx) error {
		if name != "" {
			out = bytes.Clone(tx.Bucket(bucketSecrets).Get([]byte(name)))
		}
		return nil
	})
	return out, err
}
