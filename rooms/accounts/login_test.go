package accounts

import (
	"errors"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/kogge-project/kogge/rooms/store/kv"
	"go.etcd.io/bbolt"
)

func TestLoginSuccess(t *testing.T) {
	e := newEnv(t, nil)
	e.mustAddUser(t, "anna", RoleAdmin)
	e.clock.Advance(time.Hour)

	// Phones capitalise the first letter; the name is lower-cased.
	tok, sess, u, err := e.svc.Login(" Anna", goodPassword, "", "192.0.2.7:51234")
	if err != nil {
		t.Fatal(err)
	}
	if len(tok) != 43 || strings.ContainsAny(tok, "+/=") {
		t.Errorf("token %q is not 32 bytes of unpadded base64url", tok)
	}
	if sess.ID != hashHex(tok) || sess.ID == tok || len(sess.ID) != 64 {
		t.Errorf("session ID %q is not the hex SHA-256 of the token", sess.ID)
	}
	now := e.clock.Now()
	if sess.User != "anna" || !sess.Created.Equal(now) || !sess.Expires.Equal(now.Add(defaultSessionTTL)) || sess.MustEnrolTOTP {
		t.Errorf("session %+v", sess)
	}
	if !u.LastLogin.Equal(now) {
		t.Errorf("LastLogin = %v, want %v", u.LastLogin, now)
	}
	if stored, _ := e.svc.User("anna"); !stored.LastLogin.Equal(now) {
		t.Errorf("stored LastLogin = %v", stored.LastLogin)
	}
	gotSess, gotUser, err := e.svc.Session(tok)
	if err != nil || gotSess != sess || gotUser.Name != "anna" {
		t.Errorf("Session = %+v, %+v, %v", gotSess, gotUser, err)
	}
	if e.audit.count("login.success") != 1 {
		t.Errorf("audit: %+v", e.audit.all())
	}
	e.audit.assertNotContains(t, goodPassword, tok)
}

// TestLoginFailuresLookAlike: every kind of failure returns the very same
// error, so a caller cannot learn whether an account exists or is disabled.
func TestLoginFailuresLookAlike(t *testing.T) {
	e := newEnv(t, nil)
	e.mustAddUser(t, "anna", RoleAdmin)
	e.mustAddUser(t, "olaf", RoleSecretary)
	if err := e.svc.SetDisabled("olaf", true); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name, user, password, reason string
	}{
		{"unknown user", "nobody", goodPassword, "reason=unknown user"},
		{"wrong password", "anna", "wrong password!", "reason=wrong password"},
		{"empty password", "anna", "", "reason=wrong password"},
		{"password too long", "anna", strings.Repeat("x", maxPasswordBytes+1), "reason=wrong password"},
		{"disabled", "olaf", goodPassword, "reason=disabled"},
		{"invalid name", "a b$c", goodPassword, "reason=unknown user"},
		{"empty name", "", goodPassword, "reason=unknown user"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := len(e.audit.all())
			tok, sess, u, err := e.svc.Login(tc.user, tc.password, "", "198.51.100.9")
			if err != ErrInvalidCredentials { // identity, not just errors.Is
				t.Fatalf("Login = %v, want ErrInvalidCredentials", err)
			}
			if tok != "" || sess != (Session{}) || u != (User{}) {
				t.Errorf("failure returned data: %q %+v %+v", tok, sess, u)
			}
			entries := e.audit.all()[before:]
			if len(entries) != 1 || entries[0].action != "login.failure" ||
				!strings.Contains(entries[0].detail, `addr="198.51.100.9"`) || !strings.Contains(entries[0].detail, tc.reason) {
				t.Fatalf("audit = %+v", entries)
			}
			wantActor := tc.user
			if !validName(tc.user) {
				wantActor = "(invalid name)"
			}
			if entries[0].actor != wantActor {
				t.Errorf("audit actor = %q, want %q", entries[0].actor, wantActor)
			}
		})
	}
	e.audit.assertNotContains(t, goodPassword, "wrong password!", "a b$c")
}

// TestLoginPasswordInNameField: a password typed into the name field must not
// end up in the audit log.
func TestLoginPasswordInNameField(t *testing.T) {
	e := newEnv(t, nil)
	_, _, _, err := e.svc.Login(goodPassword, goodPassword, "", "192.0.2.1")
	if !errors.Is(err, ErrInvalidCredentials) {
		t.Fatal(err)
	}
	e.audit.assertNotContains(t, goodPassword)
}

// TestLoginUpgradesHash: a hash made with older parameters is replaced on the
// next successful login.
func TestLoginUpgradesHash(t *testing.T) {
	db, _ := mustOpenDB(t)
	old, err := Open(db, Options{Argon2: Argon2Params{Time: 1, Memory: 32, Threads: 1, KeyLen: 16}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := old.AddUser("anna", RoleAdmin, goodPassword); err != nil {
		t.Fatal(err)
	}
	svc, err := Open(db, Options{Argon2: tinyArgon2})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := svc.Login("anna", goodPassword, "", "192.0.2.1"); err != nil {
		t.Fatal(err)
	}
	r := storedUser(t, svc, "anna")
	if !phcRE.MatchString(r.PasswordHash) {
		t.Errorf("hash not upgraded: %s", r.PasswordHash)
	}
	if _, _, _, err := svc.Login("anna", goodPassword, "", "192.0.2.1"); err != nil {
		t.Errorf("login after upgrade: %v", err)
	}
}

func TestParsePHCRejectsJunk(t *testing.T) {
	for _, h := range []string{
		"",
		"$argon2i$v=19$m=64,t=1,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=16$m=64,t=1,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=19$m=99999999,t=1,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=19$m=64,t=0,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=19$m=64,t=1,p=1,x=2$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=19$m=64,t=1,p=1$!!!$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHRzYWx0$aGFzaA",
	} {
		if _, _, _, err := parsePHC(h); err == nil {
			t.Errorf("parsePHC(%q) accepted", h)
		}
	}
}

func TestGeneratePassword(t *testing.T) {
	seen := map[string]bool{}
	for range 50 {
		p := GeneratePassword()
		if len(p) != 20 || strings.Trim(p, passwordAlphabet) != "" {
			t.Fatalf("GeneratePassword() = %q", p)
		}
		if err := checkPassword(p); err != nil {
			t.Fatalf("generated password fails the policy: %v", err)
		}
		if seen[p] {
			t.Fatal("repeated password")
		}
		seen[p] = true
	}
	if strings.ContainsAny(passwordAlphabet, "0O1lI") {
		t.Error("alphabet has ambiguous characters")
	}
}

func TestArgon2Defaults(t *testing.T) {
	p, err := Argon2Params{}.withDefaults()
	if err != nil || p != (Argon2Params{Time: 1, Memory: 64 * 1024, Threads: 2, KeyLen: 32}) {
		t.Errorf("defaults = %+v, %v", p, err)
	}
	if _, err := (Argon2Params{Memory: 8, Threads: 4}).withDefaults(); err == nil {
		t.Error("memory below 8 KiB per thread accepted")
	}
}

// Opening the service with the production parameters runs no argon2 (it
// took 64 MiB at every start, most of an idle daemon's memory); the dummy
// hash an unknown user is checked against still has the current
// parameters, so that login costs what a real one costs.
func TestOpenRunsNoArgon2(t *testing.T) {
	db, err := bbolt.Open(filepath.Join(t.TempDir(), "kogge.db"), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	s, err := Open(kv.Wrap(db), Options{}) // the defaults: 64 MiB per hash
	if err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 8<<20 {
		t.Errorf("Open allocated %d MiB: it ran argon2", grew>>20)
	}
	p, salt, key, err := parsePHC(s.dummyHash)
	if err != nil || p != s.argon || len(salt) != saltLen || len(key) != int(p.KeyLen) {
		t.Errorf("dummy hash %q: params %+v, salt %d, key %d bytes, %v; want %+v", s.dummyHash, p, len(salt), len(key), err, s.argon)
	}
	if ok, stale := s.verifyPassword(s.dummyHash, ""); ok || stale {
		t.Errorf("the dummy hash verified (%v) or is stale (%v)", ok, stale)
	}
}
