package store

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/kogge-project/kogge/rooms"
	"github.com/kogge-project/kogge/rooms/store/kv"
)

// bucketFeedTokens holds iCalendar feed tokens: SHA-256 of the token ->
// FeedToken as JSON. The token itself is shown once and never stored.
var bucketFeedTokens = []byte("feed_tokens")

// FeedToken lets a calendar client read one feed without logging in. It
// carries its owner's rights at creation: what the owner may read in
// confidential bookings, the feed shows.
type FeedToken struct {
	ID         string    `json:"id"`
	Kind       string    `json:"kind"`   // room, organizer or committee
	Target     string    `json:"target"` // the room id, organizer or committee name
	Owner      string    `json:"owner"`
	OwnerAdmin bool      `json:"owner_admin"`
	Created    time.Time `json:"created"`
	hash       []byte
}

const feedTokenPrefix = "kgf_"

func migrateV3toV4(tx *kv.Tx) error {
	_, err := tx.CreateBucketIfNotExists(bucketFeedTokens)
	return err
}

func feedHash(plain string) []byte {
	h := sha256.Sum256([]byte(plain))
	return h[:]
}

// CreateFeedToken stores a new feed token and returns it in plain text,
// once.
func (s *Store) CreateFeedToken(ft FeedToken) (string, FeedToken, error) {
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", FeedToken{}, err
	}
	plain := feedTokenPrefix + base64.RawURLEncoding.EncodeToString(raw)
	h := feedHash(plain)
	ft.ID = hex.EncodeToString(h[:8])
	ft.Created = s.now().UTC()
	v, err := json.Marshal(ft)
	if err != nil {
		return "", FeedToken{}, err
	}
	err = s.update("feed_token", func(tx *kv.Tx) error {
		return tx.Bucket(bucketFeedTokens).Put(h, v)
	})
	if err != nil {
		return "", FeedToken{}, err
	}
	return plain, ft, nil
}

// FeedTokenFor looks a token up; unknown or revoked tokens wrap
// rooms.ErrNotFound.
func (s *Store) FeedTokenFor(plain string) (FeedToken, error) {
	var ft FeedToken
	if !strings.HasPrefix(plain, feedTokenPrefix) || len(plain) > 100 {
		return ft, fmt.Errorf("feed token: %w", rooms.ErrNotFound)
	}
	h := feedHash(plain)
	err := s.view("feed_token", func(tx *kv.Tx) error {
		b := tx.Bucket(bucketFeedTokens)
		k, v := b.Cursor().Seek(h)
		// The lookup is by hash already; the constant-time comparison is a
		// second check that does not depend on how bbolt compares keys.
		if k == nil || subtle.ConstantTimeCompare(k, h) != 1 {
			return fmt.Errorf("feed token: %w", rooms.ErrNotFound)
		}
		if err := json.Unmarshal(v, &ft); err != nil {
			return rooms.Damaged(bucketFeedTokens, k, err)
		}
		return nil
	})
	return ft, err
}

// FeedTokens lists the tokens of owner ("" = all), newest first. A damaged
// record is left out (and logged once), so the others still list.
func (s *Store) FeedTokens(owner string) ([]FeedToken, error) {
	var out []FeedToken
	err := s.view("feed_token", func(tx *kv.Tx) error {
		return tx.Bucket(bucketFeedTokens).ForEach(func(k, v []byte) error {
			var ft FeedToken
			if err := json.Unmarshal(v, &ft); err != nil {
				s.skip(rooms.Damaged(bucketFeedTokens, k, err))
				return nil
			}
			if owner == "" || ft.Owner == owner {
				ft.hash = append([]byte(nil), k...)
				out = append(out, ft)
			}
			return nil
		})
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Created.After(out[j].Created) })
	return out, err
}

// RevokeFeedToken deletes a token by id: its calendar stops updating at once.
func (s *Store) RevokeFeedToken(id string) error {
	return s.update("feed_token", func(tx *kv.Tx) error {
		b := tx.Bucket(bucketFeedTokens)
		c := b.Cursor()
		for k, _ := c.First(); k != nil; k, _ = c.Next() {
			if hex.EncodeToString(k[:8]) == id {
				return b.Delete(k)
			}
		}
		return fmt.Errorf("feed token %s: %w", id, rooms.ErrNotFound)
	})
}
