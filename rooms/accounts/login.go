package accounts

import (
	"errors"
	"fmt"
	"strings"

	"github.com/kogge-project/kogge/rooms/store/kv"
)

// invalidNameKey is the single limiter bucket shared by all login names that
// cannot be valid account names, so junk names do not fill the limiter map.
const invalidNameKey = "\x00invalid"

// loginFailure carries the reason for the audit log out of a transaction;
// the caller only ever sees ErrInvalidCredentials.
type loginFailure struct{ reason string }

func (f *loginFailure) Error() string { return "login failed: " + f.reason }

// Login checks a password (and TOTP code) and creates a session. The steps,
// in order:
//
//  1. Rate limits per (account name, address) pair and per address, both
//     checked before any hashing; a refusal is a *RateLimitError and
//     consumes nothing. Every other attempt uses one token of each,
//     successful ones included (a success resets nothing). Failures from
//     one address never refuse the account to another address: the
//     account's own ceiling over all addresses only slows (a bounded
//     accountSlowdown before hashing), so the right password from a fresh
//     address always gets through.
//  2. The password is verified with argon2id; an unknown user is verified
//     against a dummy hash so timing does not reveal which names exist.
//  3. Unknown user, wrong password, disabled account: ErrInvalidCredentials.
//  4. TOTP enabled and code empty: ErrTOTPRequired. The password was right,
//     so the account attempt is given back: the normal two-step login costs
//     one account attempt, not two. The address attempt is kept, because it
//     bounds the argon2 work anyone can make us do.
//  5. Wrong code, or a code for a time step already used: ErrInvalidCredentials.
//  6. With RequireTOTP, a user without TOTP gets a session with
//     MustEnrolTOTP set, which the daemon only lets enrol.
//
// The name is lower-cased (phones capitalise the first letter; names are
// lower case). The token is returned once; only its SHA-256 is stored.
func (s *Service) Login(name, password, code, addr string) (token string, sess Session, u User, err error) {
	now := s.now()
	name = strings.ToLower(strings.TrimSpace(name))
	code = strings.ReplaceAll(code, " ", "") // apps show "123 456"
	nameOK := validName(name)
	limitKey, auditName := name, name
	if !nameOK {
		// Never echo an invalid name into the audit log: it is often a
		// password typed into the wrong field, and it may hold control
		// characters.
		limitKey, auditName = invalidNameKey, "(invalid name)"
	}
	addrK := addrKey(addr)
	// The audit gets the address as given (not the /64 the limiter uses),
	// quoted and bounded because it comes from the network layer.
	auditAddr := fmt.Sprintf("addr=%q", truncate(addr, maxAddrKeyLen))

	// The pair key: an address is at most maxAddrKeyLen and names have no
	// NUL, so the key is unambiguous.
	accRes, accWait, accLock := s.pairs.reserve(limitKey+"\x00"+addrK, now)
	addrRes, addrWait, addrLock := s.addrs.reserve(addrK, now)
	if accWait > 0 || addrWait > 0 {
		accRes.cancel()
		addrRes.cancel()
		// Audit when a lockout begins, not every refused attempt, so a flood
		// does not flood the audit log too.
		if accLock {
			s.audit(auditName, "login.lockout", auditAddr+" scope=account_address")
		}
		if addrLock {
			s.audit(auditName, "login.lockout", auditAddr+" scope=address")
		}
		return "", Session{}, User{}, &RateLimitError{RetryAfter: max(accWait, addrWait)}
	}

	// The account's ceiling over all addresses slows, never refuses: a
	// refusal here would be the lockout an attacker elsewhere could cause.
	// The slowed attempt takes no token, so the wait stays bounded.
	if _, wait, slowed := s.accounts.reserve(limitKey, now); wait > 0 {
		if slowed {
			s.audit(auditName, "login.slowed", auditAddr)
		}
		s.opts.Sleep(min(wait, accountSlowdown))
	}

	fail := func(reason string) (string, Session, User, error) {
		s.audit(auditName, "login.failure", auditAddr+" reason="+reason)
		return "", Session{}, User{}, ErrInvalidCredentials
	}

	var rec *userRecord
	if nameOK {
		err = s.db.View(func(tx *kv.Tx) error {
			rec, err = getUser(tx, name)
			return err
		})
		if err != nil && !errors.Is(err, ErrNoSuchUser) {
			return "", Session{}, User{}, err
		}
	}
	hash := s.dummyHash
	if rec != nil {
		hash = rec.PasswordHash
	}
	pw := password
	if len(pw) > maxPasswordBytes {
		pw = "" // cannot match any stored password; still pay the hash
	}
	ok, stale := s.verifyPassword(hash, pw)
	switch {
	case rec == nil:
		return fail("unknown user")
	case !ok || pw == "":
		return fail("wrong password")
	case rec.Disabled:
		return fail("disabled")
	case rec.TOTPSecret != "" && code == "":
		accRes.cancel()
		s.audit(name, "login.totp_required", auditAddr)
		return "", Session{}, User{}, ErrTOTPRequired
	}

	// A code is about to be checked: it costs a token of the account's
	// code limit unless it is right.
	var codeRes reservation // zero: nothing to give back
	if rec.TOTPSecret != "" {
		res, wait, locked := s.codes.reserve(name, now)
		if wait > 0 {
			res.cancel()
			accRes.cancel() // the password was right; the login limit is not the point here
			if locked {
				s.audit(name, "login.lockout", auditAddr+" scope=code")
			}
			return "", Session{}, User{}, &RateLimitError{RetryAfter: wait}
		}
		codeRes = res
	}

	// Upgrade a hash made with older parameters while we hold the password.
	// Best effort: a failure here must not fail the login.
	var newHash string
	if stale {
		newHash, _ = s.hashPassword(password)
	}

	token, id := newSecret()
	err = s.db.Update(func(tx *kv.Tx) error {
		r, err := getUser(tx, name)
		if errors.Is(err, ErrNoSuchUser) {
			return &loginFailure{"unknown user"}
		}
		if err != nil {
			return err
		}
		// Re-check what may have changed since the View above.
		if r.PasswordHash != rec.PasswordHash {
			return &loginFailure{"password changed concurrently"}
		}
		if r.Disabled {
			return &loginFailure{"disabled"}
		}
		if r.TOTPSecret != "" {
			if code == "" {
				return ErrTOTPRequired // enabled concurrently
			}
			// The step check and its update share this write
			// transaction, so two parallel logins cannot both use one code.
			step, ok := matchTOTP(r.TOTPSecret, code, now)
			if !ok {
				return &loginFailure{"wrong code"}
			}
			if step <= r.TOTPLastStep {
				return &loginFailure{"reused code"}
			}
			r.TOTPLastStep = step
		}
		r.LastLogin = now.UTC()
		if newHash != "" {
			r.PasswordHash = newHash
		}
		if err := putUser(tx, r); err != nil {
			return err
		}
		sess = Session{
			ID: id, User: name, Created: now.UTC(), Expires: now.Add(s.opts.SessionTTL).UTC(),
			MustEnrolTOTP: s.opts.RequireTOTP && r.TOTPSecret == "",
		}
		u = r.public()
		return putSession(tx, id, sessionRecord{
			User: name, Created: sess.Created, Expires: sess.Expires, MustEnrolTOTP: sess.MustEnrolTOTP,
		})
	})
	var lf *loginFailure
	if err == nil || !errors.As(err, &lf) || (lf.reason != "wrong code" && lf.reason != "reused code") {
		codeRes.cancel() // only wrong (or replayed) codes count
	}
	switch {
	case errors.As(err, &lf):
		return fail(lf.reason)
	case errors.Is(err, ErrTOTPRequired):
		accRes.cancel()
		return "", Session{}, User{}, err
	case err != nil:
		return "", Session{}, User{}, err
	}
	detail := auditAddr
	if sess.MustEnrolTOTP {
		detail += " must_enrol_totp"
	}
	s.audit(name, "login.success", detail)
	return token, sess, u, nil
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
