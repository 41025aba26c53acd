package accounts

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestSessionExpiry(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.SessionTTL = time.Hour })
	e.mustAddUser(t, "anna", RoleAdmin)
	tok, sess := e.mustLogin(t, "anna", "")
	if !sess.Expires.Equal(e.clock.Now().Add(time.Hour)) {
		t.Fatalf("Expires = %v", sess.Expires)
	}
	e.clock.Advance(time.Hour - time.Second)
	if _, _, err := e.svc.Session(tok); err != nil {
		t.Fatalf("before expiry: %v", err)
	}
	// Absolute TTL: use does not extend it.
	e.clock.Advance(time.Second)
	if _, _, err := e.svc.Session(tok); !errors.Is(err, ErrInvalidSession) {
		t.Fatalf("at expiry: %v", err)
	}
	if n := countKeys(t, e.db, bucketSessions); n != 0 {
		t.Errorf("expired session not deleted: %d left", n)
	}
}

func TestSessionInvalidTokens(t *testing.T) {
	e := newEnv(t, nil)
	e.mustAddUser(t, "anna", RoleAdmin)
	tok, sess := e.mustLogin(t, "anna", "")
	for _, bad := range []string{"", "x", sess.ID, tok + "x", strings.Repeat("A", 10_000), tok[:len(tok)-1]} {
		if _, _, err := e.svc.Session(bad); !errors.Is(err, ErrInvalidSession) {
			t.Errorf("Session(%.20q) = %v", bad, err)
		}
	}
}

func TestLogout(t *testing.T) {
	e := newEnv(t, nil)
	e.mustAddUser(t, "anna", RoleAdmin)
	tok, _ := e.mustLogin(t, "anna", "")
	other, _ := e.mustLogin(t, "anna", "")
	if err := e.svc.Logout(tok); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.svc.Session(tok); !errors.Is(err, ErrInvalidSession) {
		t.Errorf("session after logout: %v", err)
	}
	if _, _, err := e.svc.Session(other); err != nil {
		t.Errorf("logout ended another session: %v", err)
	}
	// Idempotent.
	if err := e.svc.Logout(tok); err != nil {
		t.Errorf("second logout: %v", err)
	}
	if err := e.svc.Logout(""); err != nil {
		t.Errorf("empty logout: %v", err)
	}
	e.audit.assertNotContains(t, tok, other)
}

func TestPruneSessions(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.SessionTTL = time.Hour })
	e.mustAddUser(t, "anna", RoleAdmin)
	for range 3 {
		e.mustLogin(t, "anna", "")
	}
	e.clock.Advance(time.Hour)
	fresh, _ := e.mustLogin(t, "anna", "")
	n, err := e.svc.PruneSessions()
	if err != nil || n != 3 {
		t.Fatalf("PruneSessions = %d, %v; want 3", n, err)
	}
	if _, _, err := e.svc.Session(fresh); err != nil {
		t.Errorf("fresh session pruned: %v", err)
	}
	if n, _ := e.svc.PruneSessions(); n != 0 {
		t.Errorf("second prune removed %d", n)
	}
}
