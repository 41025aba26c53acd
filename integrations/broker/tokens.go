package broker

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"sync"

	"github.com/kogge-project/kogge/integrations/gotomeeting"
	"github.com/kogge-project/kogge/rooms/store"
)

// secretStore is the part of *store.Store tokens live in.
type secretStore interface {
	PutSecret(name string, value []byte) error
	Secret(name string) ([]byte, error)
}

// SecretTokenStore keeps GoTo organizers' tokens in the store, sealed
// with AES-256-GCM under the daemon's credentials key. Each secret is
// named "goto/<organizer>", has a random nonce and is authenticated with
// its name, so a sealed token copied to another organizer's name does not
// open.
type SecretTokenStore struct {
	st   secretStore
	aead cipher.AEAD
	mu   sync.Mutex // one Save at a time: the newest refresh token wins
}

var _ gotomeeting.TokenStore = (*SecretTokenStore)(nil)

// NewSecretTokenStore needs a 32-byte key.
func NewSecretTokenStore(st *store.Store, key []byte) (*SecretTokenStore, error) {
	if st == nil {
		return nil, errors.New("broker: token store without a store")
	}
	return newSecretTokenStore(st, key)
}

func newSecretTokenStore(st secretStore, key []byte) (*SecretTokenStore, error) {
	if len(key) != 32 {
		return nil, fmt.Errorf("broker: token key must be 32 bytes, not %d", len(key))
	}
	blk, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(blk)
	if err != nil {
		return nil, err
	}
	return &SecretTokenStore{st: st, aead: aead}, nil
}

func secretName(org string) string { return "goto/" + org }

// Load returns the organizer's token; gotomeeting.ErrNotFound if none.
func (s *SecretTokenStore) Load(org string) (gotomeeting.Token, error) {
	name := secretName(org)
	sealed, err := s.st.Secret(name)
	if err != nil {
		return gotomeeting.Token{}, err
	}
	if sealed == nil {
		return gotomeeting.Token{}, fmt.Errorf("broker: no token for organizer %q: %w", org, gotomeeting.ErrNotFound)
	}
	n := s.aead.NonceSize()
	if len(sealed) < n {
		return gotomeeting.Token{}, fmt.Errorf("%w: token of organizer %q is truncated", errBackend, org)
	}
	plain, err := s.aead.Open(nil, sealed[:n], sealed[n:], []byte(name))
	if err != nil {
		// Never say more: wrong key, tampering or a moved secret.
		return gotomeeting.Token{}, fmt.Errorf("%w: token of organizer %q does not open with this key", errBackend, org)
	}
	var t gotomeeting.Token
	if err := json.Unmarshal(plain, &t); err != nil {
		return gotomeeting.Token{}, fmt.Errorf("%w: token of organizer %q: %w", errBackend, org, err)
	}
	return t, nil
}

// Save seals and stores the organizer's token.
func (s *SecretTokenStore) Save(org string, t gotomeeting.Token) error {
	plain, err := json.Marshal(t)
	if err != nil {
		return err
	}
	nonce := make([]byte, s.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return err
	}
	name := secretName(org)
	sealed := s.aead.Seal(nonce, nonce, plain, []byte(name))
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st.PutSecret(name, sealed)
}
