package accounts

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/oklog/ulid/v2"

	"github.com/kogge-project/kogge/rooms"
	"github.com/kogge-project/kogge/rooms/store/kv"
)

// Token is the public view of an API token, for listing and revoking. The
// plaintext is shown once by CreateToken and never stored.
type Token struct {
	ID       string    `json:"id"`
	Owner    string    `json:"owner"`
	Label    string    `json:"label"`
	Created  time.Time `json:"created"`
	LastUsed time.Time `json:"last_used,omitzero"`
}

// tokenRecord is the value in "api_tokens", keyed by the raw SHA-256 of the
// plaintext, so a presented token is found with one lookup.
type tokenRecord struct {
	Token
	Hash []byte `json:"hash"`
}

const (
	// tokenPrefix marks Kogge API tokens so secret scanners (and people)
	// recognise a leaked one.
	tokenPrefix = "kgt_"
	maxLabelLen = 100
	// lastUsedGranularity: TokenUser writes LastUsed at most this often, so
	// a busy integration does not cost a disk sync per request.
	lastUsedGranularity = time.Minute
)

func validLabel(label string) bool {
	if !utf8.ValidString(label) || utf8.RuneCountInString(label) > maxLabelLen {
		return false
	}
	return !strings.ContainsFunc(label, unicode.IsControl)
}

// CreateToken creates an API token for owner and returns its plaintext,
// "kgt_" followed by 32 random bytes in unpadded base64url. Only the SHA-256
// is stored.
func (s *Service) CreateToken(owner, label string) (plaintext string, t Token, err error) {
	if !validLabel(label) {
		return "", Token{}, ErrInvalidLabel
	}
	secret, _ := newSecret()
	plaintext = tokenPrefix + secret
	h := sha256.Sum256([]byte(plaintext))
	now := s.now().UTC()
	id, err := ulid.New(ulid.Timestamp(now), rand.Reader)
	if err != nil {
		return "", Token{}, err
	}
	t = Token{ID: id.String(), Owner: owner, Label: label, Created: now}
	err = s.db.Update(func(tx *kv.Tx) error {
		if _, err := getUser(tx, owner); err != nil {
			return err
		}
		return putToken(tx, &tokenRecord{Token: t, Hash: h[:]})
	})
	if err != nil {
		return "", Token{}, err
	}
	s.audit(owner, "token.create", fmt.Sprintf("id=%s label=%q", t.ID, label))
	return plaintext, t, nil
}

func putToken(tx *kv.Tx, r *tokenRecord) error {
	v, err := json.Marshal(r)
	if err != nil {
		return err
	}
	return tx.Bucket(bucketTokens).Put(r.Hash, v)
}

// forEachToken visits every token record. Tokens are few, so listing and
// revoking by ID scan instead of keeping a second index. A damaged record
// is skipped (and logged once): it must not stop the revocation of others.
func (s *Service) forEachToken(tx *kv.Tx, fn func(k []byte, r *tokenRecord) error) error {
	return tx.Bucket(bucketTokens).ForEach(func(k, v []byte) error {
		var r tokenRecord
		if err := json.Unmarshal(v, &r); err != nil {
			s.skip(rooms.Damaged(bucketTokens, k, err))
			return nil
		}
		return fn(k, &r)
	})
}

// Tokens lists the tokens of owner, or all tokens if owner is "", oldest
// first (IDs are ULIDs).
func (s *Service) Tokens(owner string) ([]Token, error) {
	var out []Token
	err := s.db.View(func(tx *kv.Tx) error {
		return s.forEachToken(tx, func(_ []byte, r *tokenRecord) error {
			if owner == "" || r.Owner == owner {
				out = append(out, r.Token)
			}
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	sortTokens(out)
	return out, nil
}

// RevokeToken deletes a token by ID; an unknown ID is ErrInvalidToken.
func (s *Service) RevokeToken(id string) error {
	var found *tokenRecord
	err := s.db.Update(func(tx *kv.Tx) error {
		var key []byte
		err := s.forEachToken(tx, func(k []byte, r *tokenRecord) error {
			if r.ID == id {
				key, found = append([]byte(nil), k...), r
			}
			return nil
		})
		if err != nil {
			return err
		}
		if key == nil {
			return ErrInvalidToken
		}
		return tx.Bucket(bucketTokens).Delete(key)
	})
	if err != nil {
		return err
	}
	s.audit(found.Owner, "token.revoke", fmt.Sprintf("id=%s label=%q", found.ID, found.Label))
	return nil
}

// TokenUser returns the owner of an API token. Unknown tokens, tokens of a
// removed or disabled owner: ErrInvalidToken.
func (s *Service) TokenUser(plaintext string) (User, error) {
	if !strings.HasPrefix(plaintext, tokenPrefix) || len(plaintext) > maxTokenLen {
		return User{}, ErrInvalidToken
	}
	h := sha256.Sum256([]byte(plaintext))
	now := s.now().UTC()
	var (
		u     User
		touch bool
	)
	err := s.db.View(func(tx *kv.Tx) error {
		v := tx.Bucket(bucketTokens).Get(h[:])
		if v == nil {
			return ErrInvalidToken
		}
		var r tokenRecord
		if err := json.Unmarshal(v, &r); err != nil {
			return rooms.Damaged(bucketTokens, h[:], err)
		}
		// The lookup was by hash already; the constant-time comparison is a
		// second check that does not rely on how bbolt compares keys.
		if subtle.ConstantTimeCompare(r.Hash, h[:]) != 1 {
			return ErrInvalidToken
		}
		ur, err := getUser(tx, r.Owner)
		if err != nil || ur.Disabled {
			return ErrInvalidToken
		}
		u = ur.public()
		touch = now.Sub(r.LastUsed) >= lastUsedGranularity
		return nil
	})
	if err != nil {
		return User{}, err
	}
	if touch {
		// Best effort: failing to record use must not refuse the request.
		_ = s.db.Update(func(tx *kv.Tx) error {
			v := tx.Bucket(bucketTokens).Get(h[:])
			if v == nil {
				return nil // revoked meanwhile
			}
			var r tokenRecord
			if err := json.Unmarshal(v, &r); err != nil {
				return err
			}
			if now.Sub(r.LastUsed) < lastUsedGranularity {
				return nil // a parallel request already did it
			}
			r.LastUsed = now
			return putToken(tx, &r)
		})
	}
	return u, nil
}

func sortTokens(ts []Token) {
	slices.SortFunc(ts, func(a, b Token) int { return strings.Compare(a.ID, b.ID) })
}
