package accounts

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/kogge-project/kogge/rooms"
	"github.com/kogge-project/kogge/rooms/store/kv"
)

// Session is a browser login. ID is the hex SHA-256 of the token the client
// holds; the token itself is never stored, so a copy of the database does not
// let anyone take over a session.
type Session struct {
	ID            string
	User          string
	Created       time.Time
	Expires       time.Time
	MustEnrolTOTP bool
}

// sessionRecord is the value in the "sessions" bucket, keyed by Session.ID.
type sessionRecord struct {
	User          string    `json:"user"`
	Created       time.Time `json:"created"`
	Expires       time.Time `json:"expires"`
	MustEnrolTOTP bool      `json:"must_enrol_totp,omitempty"`
}

const (
	tokenBytes = 32
	// maxTokenLen rejects absurd inputs before hashing them.
	maxTokenLen = 128
)

// newSecret returns 32 random bytes as unpadded base64url and the hex
// SHA-256 under which it is stored.
func newSecret() (plain, id string) {
	b := make([]byte, tokenBytes)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	plain = base64.RawURLEncoding.EncodeToString(b)
	return plain, hashHex(plain)
}

func hashHex(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

func putSession(tx *kv.Tx, id string, r sessionRecord) error {
	v, err := json.Marshal(r)
	if err != nil {
		return err
	}
	return tx.Bucket(bucketSessions).Put([]byte(id), v)
}

// Session returns the session and user for a token. Unknown, expired (then
// deleted), and sessions of disabled or removed users all give
// ErrInvalidSession. MustEnrolTOTP is also set when RequireTOTP was switched
// on after the session was created and the user still has no TOTP.
func (s *Service) Session(token string) (Session, User, error) {
	if token == "" || len(token) > maxTokenLen {
		return Session{}, User{}, ErrInvalidSession
	}
	id := hashHex(token)
	now := s.now()
	var (
		sess  Session
		u     User
		stale bool
	)
	err := s.db.View(func(tx *kv.Tx) error {
		v := tx.Bucket(bucketSessions).Get([]byte(id))
		if v == nil {
			return ErrInvalidSession
		}
		var r sessionRecord
		if err := json.Unmarshal(v, &r); err != nil {
			return rooms.Damaged(bucketSessions, []byte(id), err)
		}
		if !now.Before(r.Expires) {
			stale = true
			return ErrInvalidSession
		}
		ur, err := getUser(tx, r.User)
		if errors.Is(err, ErrNoSuchUser) {
			stale = true
			return ErrInvalidSession
		}
		if err != nil {
			return err
		}
		if ur.Disabled {
			// SetDisabled already deleted the sessions; this guards a
			// session created concurrently with the disabling.
			return ErrInvalidSession
		}
		u = ur.public()
		sess = Session{
			ID: id, User: r.User, Created: r.Created, Expires: r.Expires,
			MustEnrolTOTP: r.MustEnrolTOTP || (s.opts.RequireTOTP && !u.TOTPEnabled),
		}
		return nil
	})
	if stale {
		// Best effort: PruneSessions catches whatever this misses.
		_ = s.db.Update(func(tx *kv.Tx) error {
			return tx.Bucket(bucketSessions).Delete([]byte(id))
		})
	}
	if err != nil {
		return Session{}, User{}, err
	}
	return sess, u, nil
}

// Logout deletes the session. It is idempotent: logging out an unknown or
// expired session is not an error, the user is logged out either way.
func (s *Service) Logout(token string) error {
	if token == "" || len(token) > maxTokenLen {
		return nil
	}
	id := hashHex(token)
	var user string
	err := s.db.Update(func(tx *kv.Tx) error {
		b := tx.Bucket(bucketSessions)
		if v := b.Get([]byte(id)); v != nil {
			var r sessionRecord
			if json.Unmarshal(v, &r) == nil {
				user = r.User
			}
		}
		return b.Delete([]byte(id))
	})
	if err == nil && user != "" {
		s.audit(user, "logout", "")
	}
	return err
}

// PruneSessions deletes expired sessions and returns how many. The daemon
// runs it periodically; Session also deletes an expired one it meets.
func (s *Service) PruneSessions() (int, error) {
	now := s.now()
	return s.deleteSessions(func(_ string, r sessionRecord) bool { return !now.Before(r.Expires) })
}

// deleteSessions deletes, in one transaction, the sessions matching del.
func (s *Service) deleteSessions(del func(id string, r sessionRecord) bool) (int, error) {
	var n int
	err := s.db.Update(func(tx *kv.Tx) error {
		var err error
		n, err = deleteSessionsTx(tx, del)
		return err
	})
	return n, err
}

func deleteSessionsTx(tx *kv.Tx, del func(id string, r sessionRecord) bool) (int, error) {
	b := tx.Bucket(bucketSessions)
	// Collect first: deleting under a bbolt cursor can skip the next key.
	var keys [][]byte
	err := b.ForEach(func(k, v []byte) error {
		var r sessionRecord
		if err := json.Unmarshal(v, &r); err != nil || del(string(k), r) {
			// An undecodable session can never be used; drop it too.
			keys = append(keys, append([]byte(nil), k...))
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	for _, k := range keys {
		if err := b.Delete(k); err != nil {
			return 0, err
		}
	}
	return len(keys), nil
}

// deleteUserSessions ends every session of one user, inside tx. Sessions are
// few (staff logins), so a scan is cheaper than keeping an index.
func deleteUserSessions(tx *kv.Tx, name string) (int, error) {
	return deleteSessionsTx(tx, func(_ string, r sessionRecord) bool { return r.User == name })
}

// EndAllSessions deletes every session, for a restored backup: sessions
// logged out after the backup was taken would otherwise work again.
func (s *Service) EndAllSessions() (int, error) {
	n, err := s.deleteSessions(func(string, sessionRecord) bool { return true })
	if err == nil {
		s.audit("", "sessions.end_all", fmt.Sprintf("sessions_revoked=%d", n))
	}
	return n, err
}
