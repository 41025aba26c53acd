package accounts

import (
	"encoding/json"
	"errors"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/kogge-project/kogge/rooms/store/kv"
)

func TestAddUser(t *testing.T) {
	e := newEnv(t, nil)
	e.mustAddUser(t, "anna", RoleAdmin)

	tests := []struct {
		name, user string
		role       Role
		password   string
		want       error
	}{
		{"ok secretary", "bernd.k", RoleSecretary, goodPassword, nil},
		{"ok digits first", "2nd_floor-desk", RoleSecretary, goodPassword, nil},
		{"umlaut in name", "jörg", RoleSecretary, "äöüäöüäöüäöü", ErrInvalidName},
		{"ok umlaut password", "joerg", RoleSecretary, "äöüäöüäöüäöü", nil},
		{"duplicate", "anna", RoleSecretary, goodPassword, ErrUserExists},
		{"one char", "a", RoleAdmin, goodPassword, ErrInvalidName},
		{"too long", strings.Repeat("a", 65), RoleAdmin, goodPassword, ErrInvalidName},
		{"max length", strings.Repeat("a", 64), RoleAdmin, goodPassword, nil},
		{"upper case", "Anna2", RoleAdmin, goodPassword, ErrInvalidName},
		{"leading dot", ".anna", RoleAdmin, goodPassword, ErrInvalidName},
		{"leading dash", "-anna", RoleAdmin, goodPassword, ErrInvalidName},
		{"space", "an na", RoleAdmin, goodPassword, ErrInvalidName},
		{"slash", "an/na", RoleAdmin, goodPassword, ErrInvalidName},
		{"empty", "", RoleAdmin, goodPassword, ErrInvalidName},
		{"short password", "carla", RoleAdmin, "elevenchars", ErrWeakPassword},
		{"one repeated char", "carla", RoleAdmin, strings.Repeat("x", 30), ErrWeakPassword},
		{"repeated umlaut", "carla", RoleAdmin, strings.Repeat("ä", 12), ErrWeakPassword},
		{"huge password", "carla", RoleAdmin, strings.Repeat("ab", 600), ErrWeakPassword},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			u, err := e.svc.AddUser(tc.user, tc.role, tc.password)
			if !errors.Is(err, tc.want) {
				t.Fatalf("AddUser(%q) = %v, want %v", tc.user, err, tc.want)
			}
			if tc.want == nil && (u.Name != tc.user || u.Role != tc.role || u.Created.IsZero() || u.TOTPEnabled) {
				t.Errorf("unexpected user %+v", u)
			}
		})
	}
	if _, err := e.svc.AddUser("dora", Role("guest"), goodPassword); err == nil {
		t.Error("unknown role accepted")
	}
}

func TestUsersSortedAndCount(t *testing.T) {
	e := newEnv(t, nil)
	for _, n := range []string{"zora", "anna", "mia.k", "bernd"} {
		e.mustAddUser(t, n, RoleSecretary)
	}
	us, err := e.svc.Users()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, u := range us {
		names = append(names, u.Name)
	}
	if got := strings.Join(names, ","); got != "anna,bernd,mia.k,zora" {
		t.Errorf("Users order = %s", got)
	}
	if n, err := e.svc.Count(); err != nil || n != 4 {
		t.Errorf("Count = %d, %v", n, err)
	}
	if _, err := e.svc.User("nobody"); !errors.Is(err, ErrNoSuchUser) {
		t.Errorf("User(nobody) = %v", err)
	}
	if u, err := e.svc.User("mia.k"); err != nil || u.Role != RoleSecretary {
		t.Errorf("User(mia.k) = %+v, %v", u, err)
	}
}

func TestRoleValid(t *testing.T) {
	for r, want := range map[Role]bool{RoleAdmin: true, RoleSecretary: true, "": false, "panel": false, "Admin": false} {
		if r.Valid() != want {
			t.Errorf("Role(%q).Valid() = %v", r, !want)
		}
	}
}

var phcRE = regexp.MustCompile(`^\$argon2id\$v=19\$m=64,t=1,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$`)

// TestNoSecretsAtRest checks the hash format and that neither the password
// nor any token appears anywhere in the database file.
func TestNoSecretsAtRest(t *testing.T) {
	e := newEnv(t, nil)
	e.mustAddUser(t, "anna", RoleAdmin)
	sessTok, _ := e.mustLogin(t, "anna", "")
	apiTok, _, err := e.svc.CreateToken("anna", "calendar sync")
	if err != nil {
		t.Fatal(err)
	}
	if err := e.svc.SetPassword("anna", otherPassword); err != nil {
		t.Fatal(err)
	}

	var rec userRecord
	err = e.db.View(func(tx *kv.Tx) error {
		return json.Unmarshal(tx.Bucket(bucketUsers).Get([]byte("anna")), &rec)
	})
	if err != nil {
		t.Fatal(err)
	}
	if !phcRE.MatchString(rec.PasswordHash) {
		t.Errorf("hash %q is not a PHC argon2id string", rec.PasswordHash)
	}

	if err := e.db.Close(); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(e.path)
	if err != nil {
		t.Fatal(err)
	}
	for what, secret := range map[string]string{
		"password": goodPassword, "new password": otherPassword,
		"session token": sessTok, "api token": apiTok, "api token body": strings.TrimPrefix(apiTok, tokenPrefix),
	} {
		if strings.Contains(string(raw), secret) {
			t.Errorf("%s found in the database file", what)
		}
	}
	e.audit.assertNotContains(t, goodPassword, otherPassword, sessTok, apiTok, rec.PasswordHash)
}

func TestUserJSONHasNoSecrets(t *testing.T) {
	e := newEnv(t, nil)
	u := e.mustAddUser(t, "anna", RoleAdmin)
	b, err := json.Marshal(u)
	if err != nil {
		t.Fatal(err)
	}
	if s := string(b); strings.Contains(s, "hash") || strings.Contains(s, "secret") || strings.Contains(s, "argon") {
		t.Errorf("User JSON leaks: %s", s)
	}
}

func TestSetPasswordRevokesSessions(t *testing.T) {
	e := newEnv(t, nil)
	e.mustAddUser(t, "anna", RoleAdmin)
	e.mustAddUser(t, "bernd", RoleSecretary)
	annaTok, _ := e.mustLogin(t, "anna", "")
	berndTok, _ := e.mustLogin(t, "bernd", "")

	if err := e.svc.SetPassword("anna", "short"); !errors.Is(err, ErrWeakPassword) {
		t.Fatalf("weak SetPassword = %v", err)
	}
	if err := e.svc.SetPassword("nobody", otherPassword); !errors.Is(err, ErrNoSuchUser) {
		t.Fatalf("SetPassword(nobody) = %v", err)
	}
	if err := e.svc.SetPassword("anna", otherPassword); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.svc.Session(annaTok); !errors.Is(err, ErrInvalidSession) {
		t.Errorf("anna's session survived the password change: %v", err)
	}
	if _, _, err := e.svc.Session(berndTok); err != nil {
		t.Errorf("bernd's session was revoked: %v", err)
	}
	if _, _, _, err := e.svc.Login("anna", goodPassword, "", "192.0.2.1"); !errors.Is(err, ErrInvalidCredentials) {
		t.Errorf("old password still works: %v", err)
	}
	if _, _, _, err := e.svc.Login("anna", otherPassword, "", "192.0.2.1"); err != nil {
		t.Errorf("new password refused: %v", err)
	}
}

func TestSetDisabled(t *testing.T) {
	e := newEnv(t, nil)
	e.mustAddUser(t, "anna", RoleSecretary)
	sessTok, _ := e.mustLogin(t, "anna", "")
	apiTok, _, err := e.svc.CreateToken("anna", "sync")
	if err != nil {
		t.Fatal(err)
	}

	if err := e.svc.SetDisabled("anna", true); err != nil {
		t.Fatal(err)
	}
	if u, _ := e.svc.User("anna"); !u.Disabled {
		t.Error("user not marked disabled")
	}
	if _, _, err := e.svc.Session(sessTok); !errors.Is(err, ErrInvalidSession) {
		t.Errorf("session of disabled user: %v", err)
	}
	if _, err := e.svc.TokenUser(apiTok); !errors.Is(err, ErrInvalidToken) {
		t.Errorf("token of disabled user: %v", err)
	}
	if _, _, _, err := e.svc.Login("anna", goodPassword, "", "192.0.2.1"); !errors.Is(err, ErrInvalidCredentials) {
		t.Errorf("disabled user logged in: %v", err)
	}

	// Re-enabling restores the API token, not the revoked session.
	if err := e.svc.SetDisabled("anna", false); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.TokenUser(apiTok); err != nil {
		t.Errorf("token after re-enable: %v", err)
	}
	if _, _, err := e.svc.Session(sessTok); !errors.Is(err, ErrInvalidSession) {
		t.Errorf("revoked session came back: %v", err)
	}
	if err := e.svc.SetDisabled("nobody", true); !errors.Is(err, ErrNoSuchUser) {
		t.Errorf("SetDisabled(nobody) = %v", err)
	}
	if e.audit.count("user.disable") != 1 || e.audit.count("user.enable") != 1 {
		t.Errorf("audit: %+v", e.audit.all())
	}
}
