package accounts

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestTokens(t *testing.T) {
	e := newEnv(t, nil)
	e.mustAddUser(t, "anna", RoleAdmin)
	e.mustAddUser(t, "bernd", RoleSecretary)

	plain, tk, err := e.svc.CreateToken("anna", "Exchange-Kalender")
	if err != nil {
		t.Fatal(err)
	}
	body, ok := strings.CutPrefix(plain, "kgt_")
	if raw, err := base64.RawURLEncoding.DecodeString(body); !ok || err != nil || len(raw) != 32 {
		t.Fatalf("token %q is not kgt_ + 32 bytes base64url", plain)
	}
	if tk.Owner != "anna" || tk.Label != "Exchange-Kalender" || tk.ID == "" || !tk.Created.Equal(e.clock.Now()) {
		t.Errorf("token %+v", tk)
	}
	plainB, _, err := e.svc.CreateToken("bernd", "")
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name, in string
		want     string
		err      error
	}{
		{"anna's token", plain, "anna", nil},
		{"bernd's token", plainB, "bernd", nil},
		{"no prefix", body, "", ErrInvalidToken},
		{"tampered", tamper(plain), "", ErrInvalidToken},
		{"empty", "", "", ErrInvalidToken},
		{"prefix only", "kgt_", "", ErrInvalidToken},
		{"huge", "kgt_" + strings.Repeat("a", 5000), "", ErrInvalidToken},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			u, err := e.svc.TokenUser(tc.in)
			if !errors.Is(err, tc.err) || u.Name != tc.want {
				t.Fatalf("TokenUser = %+v, %v; want %q, %v", u, err, tc.want, tc.err)
			}
		})
	}

	if all, err := e.svc.Tokens(""); err != nil || len(all) != 2 {
		t.Errorf("Tokens(\"\") = %+v, %v", all, err)
	}
	if mine, err := e.svc.Tokens("anna"); err != nil || len(mine) != 1 || mine[0].ID != tk.ID {
		t.Errorf("Tokens(anna) = %+v, %v", mine, err)
	}

	if err := e.svc.RevokeToken("nope"); !errors.Is(err, ErrInvalidToken) {
		t.Errorf("RevokeToken(unknown) = %v", err)
	}
	if err := e.svc.RevokeToken(tk.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.TokenUser(plain); !errors.Is(err, ErrInvalidToken) {
		t.Errorf("revoked token works: %v", err)
	}
	if _, err := e.svc.TokenUser(plainB); err != nil {
		t.Errorf("other token revoked too: %v", err)
	}
	if e.audit.count("token.create") != 2 || e.audit.count("token.revoke") != 1 {
		t.Errorf("audit: %+v", e.audit.all())
	}
	e.audit.assertNotContains(t, plain, body, plainB)
}

func TestCreateTokenValidation(t *testing.T) {
	e := newEnv(t, nil)
	e.mustAddUser(t, "anna", RoleAdmin)
	tests := []struct {
		name, owner, label string
		want               error
	}{
		{"unknown owner", "nobody", "x", ErrNoSuchUser},
		{"100 runes", "anna", strings.Repeat("ä", 100), nil},
		{"101 runes", "anna", strings.Repeat("a", 101), ErrInvalidLabel},
		{"control character", "anna", "a\nb", ErrInvalidLabel},
		{"invalid utf-8", "anna", "a\xffb", ErrInvalidLabel},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, _, err := e.svc.CreateToken(tc.owner, tc.label); !errors.Is(err, tc.want) {
				t.Fatalf("CreateToken = %v, want %v", err, tc.want)
			}
		})
	}
}

// TestTokenLastUsed: recorded on use, but written at most once a minute.
func TestTokenLastUsed(t *testing.T) {
	e := newEnv(t, nil)
	e.mustAddUser(t, "anna", RoleAdmin)
	plain, _, err := e.svc.CreateToken("anna", "sync")
	if err != nil {
		t.Fatal(err)
	}
	lastUsed := func() time.Time {
		ts, err := e.svc.Tokens("anna")
		if err != nil || len(ts) != 1 {
			t.Fatalf("Tokens = %+v, %v", ts, err)
		}
		return ts[0].LastUsed
	}
	if !lastUsed().IsZero() {
		t.Fatal("LastUsed set before use")
	}
	first := e.clock.Now()
	if _, err := e.svc.TokenUser(plain); err != nil {
		t.Fatal(err)
	}
	if got := lastUsed(); !got.Equal(first) {
		t.Fatalf("LastUsed = %v, want %v", got, first)
	}
	e.clock.Advance(59 * time.Second)
	if _, err := e.svc.TokenUser(plain); err != nil {
		t.Fatal(err)
	}
	if got := lastUsed(); !got.Equal(first) {
		t.Errorf("LastUsed written again within a minute: %v", got)
	}
	e.clock.Advance(time.Second)
	if _, err := e.svc.TokenUser(plain); err != nil {
		t.Fatal(err)
	}
	if got := lastUsed(); !got.Equal(e.clock.Now()) {
		t.Errorf("LastUsed = %v, want %v", got, e.clock.Now())
	}
}

// tamper changes the token's last character to a different one (appending
// a fixed letter would resubmit the genuine token whenever it ends in it).
func tamper(token string) string {
	last := token[len(token)-1]
	repl := byte('A')
	if last == 'A' {
		repl = 'B'
	}
	return token[:len(token)-1] + string(repl)
}
