package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kogge-project/kogge/rooms/accounts"
	"github.com/kogge-project/kogge/rooms/store"
)

// openAccounts opens the data dir's database the way the daemon does.
func openAccounts(t *testing.T, dir string) (*accounts.Service, func()) {
	t.Helper()
	st, err := store.Open(filepath.Join(dir, "kogge.db"), store.Options{OpenTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	acc, err := accounts.Open(st.DB(), accounts.Options{Argon2: accounts.Argon2Params{Time: 1, Memory: 64, Threads: 1, KeyLen: 32}})
	if err != nil {
		st.Close()
		t.Fatal(err)
	}
	return acc, func() { st.Close() }
}

// A restored backup must not bring back a session that was logged out
// after the backup was taken; the tokens it brings back are listed, and
// -revoke-tokens revokes them.
func TestRestoreEndsSessionsAndListsTokens(t *testing.T) {
	dir := t.TempDir()
	cfg := writeConfig(t, dir, testRoomsTOML)
	acc, closeDB := openAccounts(t, dir)
	if _, err := acc.AddUser("anna", accounts.RoleSecretary, testPassword); err != nil {
		t.Fatal(err)
	}
	session, _, _, err := acc.Login("anna", testPassword, "", "192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	token, tok, err := acc.CreateToken("anna", "Outlook-Kalender")
	if err != nil {
		t.Fatal(err)
	}
	closeDB()

	backup := filepath.Join(t.TempDir(), "backup.db")
	if code, _, errOut := kogge(t, "", "backup", "-o", backup, "-config", cfg); code != 0 {
		t.Fatalf("backup: %s", errOut)
	}
	// After the backup: anna logs out and revokes her token.
	acc, closeDB = openAccounts(t, dir)
	acc.Logout(session)
	acc.RevokeToken(tok.ID)
	closeDB()
	before, _ := os.ReadFile(backup)

	code, out, errOut := kogge(t, "", "restore", "-from", backup, "-config", cfg)
	if code != 0 {
		t.Fatalf("restore: %d %q %q", code, out, errOut)
	}
	if !strings.Contains(out, "1 sessions ended") || !regexpLine(out, tok.ID, "anna", "Outlook-Kalender") || !strings.Contains(out, "before-restore") {
		t.Fatalf("restore says:\n%s", out)
	}
	if after, _ := os.ReadFile(backup); string(after) != string(before) {
		t.Fatal("the backup file was changed")
	}
	kept, _ := filepath.Glob(filepath.Join(dir, "kogge.db.before-restore-*"))
	if len(kept) != 1 {
		t.Fatalf("the previous file is not kept: %v", kept)
	}
	acc, closeDB = openAccounts(t, dir)
	if _, _, err := acc.Session(session); !errors.Is(err, accounts.ErrInvalidSession) {
		t.Fatalf("a session logged out after the backup works again: %v", err)
	}
	if _, err := acc.TokenUser(token); err != nil {
		t.Fatalf("the token is not back as the output says: %v", err)
	}
	closeDB()

	if code, out, errOut := kogge(t, "", "restore", "-from", backup, "-revoke-tokens", "-config", cfg); code != 0 || !strings.Contains(out, "1 API tokens revoked") {
		t.Fatalf("restore -revoke-tokens: %d %q %q", code, out, errOut)
	}
	acc, closeDB = openAccounts(t, dir)
	defer closeDB()
	if _, err := acc.TokenUser(token); !errors.Is(err, accounts.ErrInvalidToken) {
		t.Fatalf("token after -revoke-tokens: %v", err)
	}
}
