package accounts

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/kogge-project/kogge/rooms"
	"github.com/kogge-project/kogge/rooms/store/kv"
)

// userRecord is what the "users" bucket stores under the user's name. It
// holds the secrets User must never carry.
type userRecord struct {
	Name         string    `json:"name"`
	Role         Role      `json:"role"`
	Disabled     bool      `json:"disabled,omitempty"`
	Created      time.Time `json:"created"`
	LastLogin    time.Time `json:"last_login,omitzero"`
	PasswordHash string    `json:"password_hash"`
	// TOTPSecret is the confirmed base32 seed; empty means TOTP is off.
	TOTPSecret string `json:"totp_secret,omitempty"`
	// TOTPPending is a seed handed out by BeginTOTP and not yet confirmed.
	TOTPPending string `json:"totp_pending,omitempty"`
	// TOTPPendingSession is the ID (SHA-256 of the token) of the session
	// that began the pending enrolment, and TOTPPendingSince when: only that
	// session may see or confirm it, and only for totpPendingTTL.
	TOTPPendingSession string    `json:"totp_pending_session,omitempty"`
	TOTPPendingSince   time.Time `json:"totp_pending_since,omitzero"`
	// TOTPLastStep is the last accepted 30 s time step; a code for it or an
	// earlier step is refused, so an observed code cannot be replayed.
	TOTPLastStep int64 `json:"totp_last_step,omitempty"`
}

func (r *userRecord) public() User {
	return User{
		Name:        r.Name,
		Role:        r.Role,
		Disabled:    r.Disabled,
		TOTPEnabled: r.TOTPSecret != "",
		Created:     r.Created,
		LastLogin:   r.LastLogin,
	}
}

const (
	minNameLen = 2
	maxNameLen = 64
)

// validName: 2-64 characters [a-z0-9._-], starting with a letter or digit.
// Lower case only, so "Anna" and "anna" cannot be two accounts.
func validName(name string) bool {
	if len(name) < minNameLen || len(name) > maxNameLen {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		case (c == '.' || c == '_' || c == '-') && i > 0:
		default:
			return false
		}
	}
	return true
}

func getUser(tx *kv.Tx, name string) (*userRecord, error) {
	v := tx.Bucket(bucketUsers).Get([]byte(name))
	if v == nil {
		return nil, ErrNoSuchUser
	}
	var r userRecord
	if err := json.Unmarshal(v, &r); err != nil {
		return nil, rooms.Damaged(bucketUsers, []byte(name), err)
	}
	return &r, nil
}

func putUser(tx *kv.Tx, r *userRecord) error {
	v, err := json.Marshal(r)
	if err != nil {
		return err
	}
	return tx.Bucket(bucketUsers).Put([]byte(r.Name), v)
}

// updateUser loads, changes and stores one user in a single transaction.
func (s *Service) updateUser(name string, change func(tx *kv.Tx, r *userRecord) error) (User, error) {
	var u User
	err := s.db.Update(func(tx *kv.Tx) error {
		r, err := getUser(tx, name)
		if err != nil {
			return err
		}
		if err := change(tx, r); err != nil {
			return err
		}
		u = r.public()
		return putUser(tx, r)
	})
	return u, err
}

// AddUser creates a user. The password is hashed before the transaction so
// the write lock is not held during argon2.
func (s *Service) AddUser(name string, role Role, password string) (User, error) {
	if !validName(name) {
		return User{}, ErrInvalidName
	}
	if !role.Valid() {
		return User{}, fmt.Errorf("accounts: unknown role %q", role)
	}
	if err := checkPassword(password); err != nil {
		return User{}, err
	}
	hash, err := s.hashPassword(password)
	if err != nil {
		return User{}, err
	}
	r := &userRecord{Name: name, Role: role, Created: s.now().UTC(), PasswordHash: hash}
	err = s.db.Update(func(tx *kv.Tx) error {
		if tx.Bucket(bucketUsers).Get([]byte(name)) != nil {
			return ErrUserExists
		}
		return putUser(tx, r)
	})
	if err != nil {
		return User{}, err
	}
	s.audit(name, "user.add", "role="+string(role))
	return r.public(), nil
}

// SetPassword replaces the password and ends all of the user's sessions: a
// password change is how someone locks out whoever learned the old one. API
// tokens stay; they are revoked on their own.
func (s *Service) SetPassword(name, password string) error {
	if err := checkPassword(password); err != nil {
		return err
	}
	hash, err := s.hashPassword(password)
	if err != nil {
		return err
	}
	var revoked int
	_, err = s.updateUser(name, func(tx *kv.Tx, r *userRecord) error {
		r.PasswordHash = hash
		revoked, err = deleteUserSessions(tx, name)
		return err
	})
	if err != nil {
		return err
	}
	s.audit(name, "user.password", fmt.Sprintf("sessions_revoked=%d", revoked))
	return nil
}

// SetDisabled disables or re-enables a user. Disabling ends the user's
// sessions; their API tokens are kept but refused while disabled (TokenUser
// checks), so re-enabling an account restores its integrations.
func (s *Service) SetDisabled(name string, disabled bool) error {
	var revoked int
	_, err := s.updateUser(name, func(tx *kv.Tx, r *userRecord) error {
		r.Disabled = disabled
		if disabled {
			var err error
			revoked, err = deleteUserSessions(tx, name)
			return err
		}
		return nil
	})
	if err != nil {
		return err
	}
	if disabled {
		s.audit(name, "user.disable", fmt.Sprintf("sessions_revoked=%d", revoked))
	} else {
		s.audit(name, "user.enable", "")
	}
	return nil
}

// Users lists all users sorted by name (bbolt keeps keys in byte order, and
// names are lower-case ASCII). A damaged record is left out (and logged
// once): one bad account must not hide all the others.
func (s *Service) Users() ([]User, error) {
	var users []User
	err := s.db.View(func(tx *kv.Tx) error {
		return tx.Bucket(bucketUsers).ForEach(func(k, v []byte) error {
			var r userRecord
			if err := json.Unmarshal(v, &r); err != nil {
				s.skip(rooms.Damaged(bucketUsers, k, err))
				return nil
			}
			users = append(users, r.public())
			return nil
		})
	})
	return users, err
}

// User returns one user or ErrNoSuchUser.
func (s *Service) User(name string) (User, error) {
	var u User
	err := s.db.View(func(tx *kv.Tx) error {
		r, err := getUser(tx, name)
		if err != nil {
			return err
		}
		u = r.public()
		return nil
	})
	return u, err
}

// Count returns the number of users; the daemon uses it to decide whether
// to create the first admin.
func (s *Service) Count() (int, error) {
	var n int
	err := s.db.View(func(tx *kv.Tx) error {
		c := tx.Bucket(bucketUsers).Cursor()
		for k, _ := c.First(); k != nil; k, _ = c.Next() {
			n++
		}
		return nil
	})
	return n, err
}
