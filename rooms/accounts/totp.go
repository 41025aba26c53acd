package accounts

import (
	"crypto/subtle"
	"encoding/base32"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/kogge-project/kogge/rooms/store/kv"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/hotp"
	"github.com/pquerna/otp/totp"
)

// TOTP as authenticator apps expect it: SHA-1, 6 digits, 30 s steps (RFC 6238
// defaults; most apps ignore other values in the otpauth URL).
const (
	totpIssuer = "Kogge"
	totpPeriod = 30
	// totpSkew accepts the previous and next step too, for clock drift and
	// the seconds it takes to type a code.
	totpSkew = 1
	// totpPendingTTL is how long a begun enrolment can be shown (QR code)
	// and confirmed; after that it has to be begun again, with the password.
	totpPendingTTL = 15 * time.Minute
)

var totpOpts = hotp.ValidateOpts{Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

// matchTOTP reports which time step code belongs to (within ±totpSkew of
// now). It returns the step so Login can refuse replays; pquerna's
// totp.ValidateCustom only says yes or no.
func matchTOTP(secret, code string, now time.Time) (int64, bool) {
	if len(code) != totpOpts.Digits.Length() {
		return 0, false
	}
	cur := now.Unix() / totpPeriod
	matched, found := int64(0), 0
	// Check every candidate step, so the time taken does not depend on
	// which one matched.
	for step := cur - totpSkew; step <= cur+totpSkew; step++ {
		if step < 0 {
			continue
		}
		want, err := hotp.GenerateCodeCustom(secret, uint64(step), totpOpts)
		if err != nil {
			return 0, false
		}
		if subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 && found == 0 {
			matched, found = step, 1
		}
	}
	return matched, found == 1
}

// pendingFor returns r's pending secret if the session sessionID began it
// less than totpPendingTTL before now, else "". Another session of the same
// user (a stolen cookie, without the password BeginTOTP asks for) must not
// fetch or confirm it, nor may an abandoned enrolment be picked up later.
func (r *userRecord) pendingFor(sessionID string, now time.Time) string {
	if r.TOTPPending == "" || sessionID == "" || r.TOTPPendingSession == "" {
		return ""
	}
	if subtle.ConstantTimeCompare([]byte(r.TOTPPendingSession), []byte(sessionID)) != 1 {
		return ""
	}
	if now.Before(r.TOTPPendingSince) || !now.Before(r.TOTPPendingSince.Add(totpPendingTTL)) {
		return ""
	}
	return r.TOTPPending
}

// BeginTOTP creates a new secret and keeps it pending until ConfirmTOTP,
// for the session sessionID (Session.ID) only and for totpPendingTTL.
// A user who already has TOTP keeps using the old secret until the new one
// is confirmed, so an abandoned re-enrolment locks nobody out. The secret and
// URL are for the enrolment page only (QR code); do not log them.
func (s *Service) BeginTOTP(name, sessionID string) (secret, otpauthURL string, err error) {
	if !validName(name) {
		return "", "", ErrNoSuchUser
	}
	if sessionID == "" {
		return "", "", ErrInvalidSession
	}
	now := s.now()
	key, err := totpKey(name, nil)
	if err != nil {
		return "", "", fmt.Errorf("accounts: generate TOTP secret: %w", err)
	}
	_, err = s.updateUser(name, func(_ *kv.Tx, r *userRecord) error {
		r.TOTPPending = key.Secret()
		r.TOTPPendingSession, r.TOTPPendingSince = sessionID, now
		return nil
	})
	if err != nil {
		return "", "", err
	}
	s.audit(name, "totp.begin", "")
	return key.Secret(), key.URL(), nil
}

// PendingTOTPURL returns the otpauth URL of the user's pending enrolment
// (the one BeginTOTP handed out to the session sessionID), for drawing its QR
// code, or ErrTOTPNotPending (also for another session, or after
// totpPendingTTL). Like BeginTOTP's, the URL holds the secret: do not log it.
func (s *Service) PendingTOTPURL(name, sessionID string) (string, error) {
	if !validName(name) {
		return "", ErrNoSuchUser
	}
	now := s.now()
	var pending string
	err := s.db.View(func(tx *kv.Tx) error {
		r, err := getUser(tx, name)
		if err != nil {
			return err
		}
		pending = r.pendingFor(sessionID, now)
		return nil
	})
	if err != nil {
		return "", err
	}
	if pending == "" {
		return "", ErrTOTPNotPending
	}
	raw, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(pending)
	if err != nil {
		return "", fmt.Errorf("accounts: decode pending TOTP secret: %w", err)
	}
	// The same options as BeginTOTP, with the stored secret: the same URL.
	key, err := totpKey(name, raw)
	if err != nil {
		return "", fmt.Errorf("accounts: TOTP URL: %w", err)
	}
	return key.URL(), nil
}

// ConfirmTOTP checks code against the secret pending for the session
// sessionID (see BeginTOTP) and makes it the active one. The confirming
// code's step counts as used, so it cannot be replayed for a login. Sessions
// that had to enrol are released. When the confirmed secret replaces an
// existing one, the user's other sessions end, like any change of
// credentials (see DisableTOTP).
//
// A wrong code gives ErrInvalidCredentials; no enrolment of this session, or
// one older than totpPendingTTL, gives ErrTOTPNotPending. There is no rate
// limit here: the caller holds the session that began the enrolment, and the
// secret being confirmed is one they were just shown.
func (s *Service) ConfirmTOTP(name, sessionID, code string) error {
	now := s.now()
	var released, revoked int
	_, err := s.updateUser(name, func(tx *kv.Tx, r *userRecord) error {
		pending := r.pendingFor(sessionID, now)
		if pending == "" {
			return ErrTOTPNotPending
		}
		step, ok := matchTOTP(pending, code, now)
		if !ok {
			return ErrInvalidCredentials
		}
		replaced := r.TOTPSecret != ""
		r.TOTPSecret, r.TOTPLastStep = pending, step
		r.TOTPPending, r.TOTPPendingSession, r.TOTPPendingSince = "", "", time.Time{}
		var err error
		if replaced {
			revoked, err = deleteOtherSessions(tx, name, sessionID)
			if err != nil {
				return err
			}
		}
		released, err = clearMustEnrol(tx, name)
		return err
	})
	if err != nil {
		if errors.Is(err, ErrInvalidCredentials) {
			s.audit(name, "totp.confirm_failure", "reason=wrong code")
		}
		return err
	}
	s.audit(name, "totp.enable", fmt.Sprintf("sessions_released=%d sessions_revoked=%d", released, revoked))
	return nil
}

// DisableTOTP removes the second factor (an admin resetting a lost phone, or
// the user) and ends the user's sessions, like any change of credentials.
// With RequireTOTP the next login has to enrol again.
func (s *Service) DisableTOTP(name string) error {
	var revoked int
	_, err := s.updateUser(name, func(tx *kv.Tx, r *userRecord) error {
		r.TOTPSecret, r.TOTPPending, r.TOTPLastStep = "", "", 0
		r.TOTPPendingSession, r.TOTPPendingSince = "", time.Time{}
		var err error
		revoked, err = deleteUserSessions(tx, name)
		return err
	})
	if err != nil {
		return err
	}
	s.audit(name, "totp.disable", fmt.Sprintf("sessions_revoked=%d", revoked))
	return nil
}

// totpKey makes the key of name's authenticator entry: a new secret when
// secret is nil, else the given one (the pending enrolment's QR code).
func totpKey(name string, secret []byte) (*otp.Key, error) {
	return totp.Generate(totp.GenerateOpts{
		Issuer:      totpIssuer,
		AccountName: name,
		Period:      totpPeriod,
		Digits:      otp.DigitsSix,
		Algorithm:   otp.AlgorithmSHA1,
		Secret:      secret,
	})
}

// deleteOtherSessions ends every session of name except keep, inside tx.
func deleteOtherSessions(tx *kv.Tx, name, keep string) (int, error) {
	return deleteSessionsTx(tx, func(id string, r sessionRecord) bool { return id != keep && r.User == name })
}

// clearMustEnrol releases the user's enrol-only sessions after enrolment.
func clearMustEnrol(tx *kv.Tx, name string) (int, error) {
	b := tx.Bucket(bucketSessions)
	type upd struct {
		k []byte
		r sessionRecord
	}
	var todo []upd
	err := b.ForEach(func(k, v []byte) error {
		var r sessionRecord
		if json.Unmarshal(v, &r) == nil && r.User == name && r.MustEnrolTOTP {
			r.MustEnrolTOTP = false
			todo = append(todo, upd{append([]byte(nil), k...), r})
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	for _, u := range todo {
		if err := putSession(tx, string(u.k), u.r); err != nil {
			return 0, err
		}
	}
	return len(todo), nil
}
