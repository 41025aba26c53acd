package admission

import (
	"testing"
	"time"
)

// The vector is computed the way coturn's use-auth-secret checks it
// (turnserver's README, "TURN REST API"): HMAC-SHA1 over the username
// with the static-auth-secret, base64.
func TestTURNCredentialMatchesCoturnScheme(t *testing.T) {
	user, pass := turnCredential([]byte("north"), "p1", time.Unix(1700000000, 0))
	if user != "1700000000:p1" {
		t.Fatalf("user %q", user)
	}
	// printf '1700000000:p1' | openssl dgst -sha1 -hmac north -binary | base64
	if pass != "qmV1Ez2SwzrylXCPMqxg9P1hY0Y=" {
		t.Fatalf("password %q", pass)
	}
}
