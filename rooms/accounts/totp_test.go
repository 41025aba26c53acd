package accounts

import (
	"errors"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"
)

func codeAt(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	c, err := totp.GenerateCode(secret, at)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// enrolTOTP adds name (if needed) and enrols TOTP at the current fake time.
func enrolTOTP(t *testing.T, e *env, name string) string {
	t.Helper()
	if _, err := e.svc.User(name); errors.Is(err, ErrNoSuchUser) {
		e.mustAddUser(t, name, RoleSecretary)
	}
	secret, _, err := e.svc.BeginTOTP(name, testSession)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.svc.ConfirmTOTP(name, testSession, codeAt(t, secret, e.clock.Now())); err != nil {
		t.Fatal(err)
	}
	return secret
}

func TestTOTPEnrolment(t *testing.T) {
	e := newEnv(t, nil)
	e.mustAddUser(t, "anna", RoleAdmin)

	if err := e.svc.ConfirmTOTP("anna", testSession, "123456"); !errors.Is(err, ErrTOTPNotPending) {
		t.Fatalf("confirm without begin: %v", err)
	}
	if _, _, err := e.svc.BeginTOTP("nobody", testSession); !errors.Is(err, ErrNoSuchUser) {
		t.Fatalf("BeginTOTP(nobody): %v", err)
	}
	secret, rawURL, err := e.svc.BeginTOTP("anna", testSession)
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	if u.Scheme != "otpauth" || u.Host != "totp" || u.Path != "/Kogge:anna" || q.Get("secret") != secret ||
		q.Get("issuer") != "Kogge" || q.Get("algorithm") != "SHA1" || q.Get("digits") != "6" || q.Get("period") != "30" {
		t.Errorf("otpauth URL %q", rawURL)
	}
	// Pending is not enabled: login still needs no code.
	if u, _ := e.svc.User("anna"); u.TOTPEnabled {
		t.Error("enabled before confirmation")
	}
	e.mustLogin(t, "anna", "")

	now := e.clock.Now()
	if err := e.svc.ConfirmTOTP("anna", testSession, codeAt(t, secret, now.Add(-2*time.Minute))); !errors.Is(err, ErrInvalidCredentials) {
		t.Fatalf("confirm with old code: %v", err)
	}
	if err := e.svc.ConfirmTOTP("anna", testSession, "12345"); !errors.Is(err, ErrInvalidCredentials) {
		t.Fatalf("confirm with short code: %v", err)
	}
	code := codeAt(t, secret, now)
	if err := e.svc.ConfirmTOTP("anna", testSession, code); err != nil {
		t.Fatal(err)
	}
	if u, _ := e.svc.User("anna"); !u.TOTPEnabled {
		t.Error("not enabled after confirmation")
	}
	if err := e.svc.ConfirmTOTP("anna", testSession, code); !errors.Is(err, ErrTOTPNotPending) {
		t.Errorf("second confirm: %v", err)
	}
	e.audit.assertNotContains(t, secret, code)
}

func TestTOTPLogin(t *testing.T) {
	// Many wrong codes in a row on purpose: the code limit is tested apart.
	e := newEnv(t, func(o *Options) { o.CodeBurst = 100 })
	secret := enrolTOTP(t, e, "anna")
	enrolCode := codeAt(t, secret, e.clock.Now())
	login := func(code string) error {
		_, _, _, err := e.svc.Login("anna", goodPassword, code, "192.0.2.1")
		return err
	}

	if err := login(""); !errors.Is(err, ErrTOTPRequired) {
		t.Fatalf("no code: %v", err)
	}
	if _, _, _, err := e.svc.Login("anna", "wrong password!", "", "192.0.2.1"); !errors.Is(err, ErrInvalidCredentials) {
		t.Fatalf("wrong password must not reveal TOTP: %v", err)
	}
	if _, _, _, err := e.svc.Login("anna", "wrong password!", enrolCode, "192.0.2.1"); !errors.Is(err, ErrInvalidCredentials) {
		t.Fatalf("wrong password with code: %v", err)
	}
	if err := login(enrolCode); !errors.Is(err, ErrInvalidCredentials) {
		t.Fatalf("the confirmation code was accepted again: %v", err)
	}

	e.clock.Advance(30 * time.Second)
	now := e.clock.Now()
	tests := []struct {
		name string
		code string
		want error
	}{
		{"wrong code", "000000", ErrInvalidCredentials},
		{"not digits", "abcdef", ErrInvalidCredentials},
		{"too far in the past", codeAt(t, secret, now.Add(-60*time.Second)), ErrInvalidCredentials},
		{"current code with space", codeAt(t, secret, now)[:3] + " " + codeAt(t, secret, now)[3:], nil},
		{"current code reused", codeAt(t, secret, now), ErrInvalidCredentials},
		{"previous step after current", codeAt(t, secret, now.Add(-30*time.Second)), ErrInvalidCredentials},
		{"next step (clock skew)", codeAt(t, secret, now.Add(30*time.Second)), nil},
		{"too far in the future", codeAt(t, secret, now.Add(90*time.Second)), ErrInvalidCredentials},
	}
	for _, tc := range tests {
		if tc.code == "000000" && tc.code == codeAt(t, secret, now) {
			continue // one in a million
		}
		t.Run(tc.name, func(t *testing.T) {
			if err := login(tc.code); !errors.Is(err, tc.want) {
				t.Fatalf("Login = %v, want %v", err, tc.want)
			}
		})
	}

	// A code from the previous step is accepted while no later one was used.
	e.clock.Advance(5 * time.Minute)
	if err := login(codeAt(t, secret, e.clock.Now().Add(-30*time.Second))); err != nil {
		t.Errorf("previous-step code (skew): %v", err)
	}
	e.audit.assertNotContains(t, secret, goodPassword)
}

// TestTOTPCodeUsedOnce: parallel logins with one code, exactly one wins.
func TestTOTPCodeUsedOnce(t *testing.T) {
	e := newEnv(t, nil)
	secret := enrolTOTP(t, e, "anna")
	e.clock.Advance(30 * time.Second)
	code := codeAt(t, secret, e.clock.Now())

	var (
		wg sync.WaitGroup
		mu sync.Mutex
		ok int
	)
	for range 8 {
		wg.Go(func() {
			if _, _, _, err := e.svc.Login("anna", goodPassword, code, "192.0.2.1"); err == nil {
				mu.Lock()
				ok++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if ok != 1 {
		t.Errorf("%d logins succeeded with one code, want 1", ok)
	}
}

func TestRequireTOTP(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.RequireTOTP = true })
	e.mustAddUser(t, "anna", RoleAdmin)
	tok, sess := e.mustLogin(t, "anna", "")
	tok2, _ := e.mustLogin(t, "anna", "")
	if !sess.MustEnrolTOTP {
		t.Fatal("session without TOTP is not marked MustEnrolTOTP")
	}
	if s, _, err := e.svc.Session(tok); err != nil || !s.MustEnrolTOTP {
		t.Fatalf("Session = %+v, %v", s, err)
	}

	secret, _, err := e.svc.BeginTOTP("anna", testSession)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.svc.ConfirmTOTP("anna", testSession, codeAt(t, secret, e.clock.Now())); err != nil {
		t.Fatal(err)
	}
	for _, tk := range []string{tok, tok2} {
		if s, u, err := e.svc.Session(tk); err != nil || s.MustEnrolTOTP || !u.TOTPEnabled {
			t.Errorf("after ConfirmTOTP: %+v, %+v, %v", s, u, err)
		}
	}
	e.clock.Advance(30 * time.Second)
	_, sess, _, err = e.svc.Login("anna", goodPassword, codeAt(t, secret, e.clock.Now()), "192.0.2.1")
	if err != nil || sess.MustEnrolTOTP {
		t.Errorf("login with TOTP: %+v, %v", sess, err)
	}
}

// TestRequireTOTPSwitchedOnLater: sessions from before the switch must enrol.
func TestRequireTOTPSwitchedOnLater(t *testing.T) {
	e := newEnv(t, nil)
	e.mustAddUser(t, "anna", RoleAdmin)
	tok, _ := e.mustLogin(t, "anna", "")
	strict, err := Open(e.db, Options{Now: e.clock.Now, Argon2: tinyArgon2, RequireTOTP: true})
	if err != nil {
		t.Fatal(err)
	}
	if s, _, err := strict.Session(tok); err != nil || !s.MustEnrolTOTP {
		t.Errorf("Session = %+v, %v", s, err)
	}
}

func TestDisableTOTP(t *testing.T) {
	e := newEnv(t, nil)
	secret := enrolTOTP(t, e, "anna")
	e.clock.Advance(30 * time.Second)
	tok, _ := e.mustLogin(t, "anna", codeAt(t, secret, e.clock.Now()))

	// Re-enrolment keeps the old secret until the new one is confirmed.
	if _, _, err := e.svc.BeginTOTP("anna", testSession); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(30 * time.Second)
	e.mustLogin(t, "anna", codeAt(t, secret, e.clock.Now()))

	if err := e.svc.DisableTOTP("anna"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.svc.Session(tok); !errors.Is(err, ErrInvalidSession) {
		t.Errorf("session survived DisableTOTP: %v", err)
	}
	if err := e.svc.ConfirmTOTP("anna", testSession, "123456"); !errors.Is(err, ErrTOTPNotPending) {
		t.Errorf("pending secret survived DisableTOTP: %v", err)
	}
	e.mustLogin(t, "anna", "")
	if err := e.svc.DisableTOTP("nobody"); !errors.Is(err, ErrNoSuchUser) {
		t.Errorf("DisableTOTP(nobody) = %v", err)
	}
}

// testSession stands for the ID of the session that begins an enrolment.
const testSession = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

// TestTOTPPendingBoundToSession: only the session that began an enrolment
// sees its URL and confirms it, and only for totpPendingTTL, so a stolen
// cookie cannot pick up an abandoned enrolment and swap the factor.
func TestTOTPPendingBoundToSession(t *testing.T) {
	e := newEnv(t, nil)
	e.mustAddUser(t, "anna", RoleSecretary)
	_, own := e.mustLogin(t, "anna", "")
	_, other := e.mustLogin(t, "anna", "")

	if _, _, err := e.svc.BeginTOTP("anna", ""); err == nil {
		t.Fatal("BeginTOTP without a session")
	}
	secret, _, err := e.svc.BeginTOTP("anna", own.ID)
	if err != nil {
		t.Fatal(err)
	}
	code := codeAt(t, secret, e.clock.Now())
	for _, id := range []string{other.ID, ""} {
		if _, err := e.svc.PendingTOTPURL("anna", id); !errors.Is(err, ErrTOTPNotPending) {
			t.Errorf("PendingTOTPURL from session %q: %v", id, err)
		}
		if err := e.svc.ConfirmTOTP("anna", id, code); !errors.Is(err, ErrTOTPNotPending) {
			t.Errorf("ConfirmTOTP from session %q: %v", id, err)
		}
	}
	if _, err := e.svc.PendingTOTPURL("anna", own.ID); err != nil {
		t.Errorf("PendingTOTPURL from the beginning session: %v", err)
	}

	// Abandoned: after the TTL the same session cannot use it either.
	e.clock.Advance(totpPendingTTL)
	if _, err := e.svc.PendingTOTPURL("anna", own.ID); !errors.Is(err, ErrTOTPNotPending) {
		t.Errorf("PendingTOTPURL after %v: %v", totpPendingTTL, err)
	}
	if err := e.svc.ConfirmTOTP("anna", own.ID, codeAt(t, secret, e.clock.Now())); !errors.Is(err, ErrTOTPNotPending) {
		t.Errorf("ConfirmTOTP after %v: %v", totpPendingTTL, err)
	}
	if u, _ := e.svc.User("anna"); u.TOTPEnabled {
		t.Error("enabled from an expired enrolment")
	}

	// Begun again, it works just before the TTL.
	secret, _, err = e.svc.BeginTOTP("anna", own.ID)
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(totpPendingTTL - time.Second)
	if err := e.svc.ConfirmTOTP("anna", own.ID, codeAt(t, secret, e.clock.Now())); err != nil {
		t.Fatalf("ConfirmTOTP within the TTL: %v", err)
	}
}

// TestTOTPReplaceEndsOtherSessions: confirming a new factor in place of an
// existing one ends the user's other sessions, not the confirming one nor
// other users'; a first enrolment ends none.
func TestTOTPReplaceEndsOtherSessions(t *testing.T) {
	e := newEnv(t, nil)
	e.mustAddUser(t, "anna", RoleSecretary)
	e.mustAddUser(t, "bernd", RoleSecretary)
	ownTok, own := e.mustLogin(t, "anna", "")
	otherTok, _ := e.mustLogin(t, "anna", "")
	berndTok, _ := e.mustLogin(t, "bernd", "")

	old, _, err := e.svc.BeginTOTP("anna", own.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.svc.ConfirmTOTP("anna", own.ID, codeAt(t, old, e.clock.Now())); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.svc.Session(otherTok); err != nil {
		t.Fatalf("first enrolment ended another session: %v", err)
	}

	e.clock.Advance(time.Minute)
	secret, _, err := e.svc.BeginTOTP("anna", own.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.svc.ConfirmTOTP("anna", own.ID, codeAt(t, secret, e.clock.Now())); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.svc.Session(otherTok); !errors.Is(err, ErrInvalidSession) {
		t.Errorf("other session survived the replacement: %v", err)
	}
	if _, _, err := e.svc.Session(ownTok); err != nil {
		t.Errorf("confirming session ended: %v", err)
	}
	if _, _, err := e.svc.Session(berndTok); err != nil {
		t.Errorf("another user's session ended: %v", err)
	}
}

// Whoever has the password cannot guess codes at the login rate: after
// codeBurst wrong codes the account waits, even for the right one, and a
// right code costs nothing.
func TestWrongCodesAreLimitedApart(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.AccountBurst = 1000 })
	secret := enrolTOTP(t, e, "anna")
	e.clock.Advance(time.Minute)
	login := func(code string) error {
		_, _, _, err := e.svc.Login("anna", goodPassword, code, "192.0.2.1")
		return err
	}
	if err := login(codeAt(t, secret, e.clock.Now())); err != nil {
		t.Fatalf("right code: %v", err)
	}
	for i := range codeBurst {
		e.clock.Advance(30 * time.Second) // a fresh step each time
		if err := login("000000"); !errors.Is(err, ErrInvalidCredentials) {
			t.Fatalf("wrong code %d: %v", i, err)
		}
	}
	e.clock.Advance(30 * time.Second)
	var rl *RateLimitError
	if err := login(codeAt(t, secret, e.clock.Now())); !errors.As(err, &rl) {
		t.Fatalf("after %d wrong codes: %v", codeBurst, err)
	}
	e.clock.Advance(codeEvery)
	if err := login(codeAt(t, secret, e.clock.Now())); err != nil {
		t.Fatalf("after waiting: %v", err)
	}
	locked := false
	for _, a := range e.audit.all() {
		locked = locked || (a.action == "login.lockout" && strings.Contains(a.detail, "scope=code"))
	}
	if !locked {
		t.Error("the code lockout is not audited")
	}
}
