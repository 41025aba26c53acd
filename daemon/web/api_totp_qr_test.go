package web

import (
	"bytes"
	"image/png"
	"net/http"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/kogge-project/kogge/rooms/accounts"
)

// TestTOTPQRCode: the QR code exists only for a pending enrolment, is a
// PNG never cached, and needs a session, including one that must still
// enrol.
func TestTOTPQRCode(t *testing.T) {
	e := newTestEnv(t, func(o *accounts.Options) { o.RequireTOTP = true })
	e.anonymous().do("GET", "/api/v1/session/totp/qr", nil).problem(t, 401, "unauthenticated")

	r := e.loginOverHTTP("anna", testPassword, "")
	anna := &client{e: e, cookie: sessionCookieOf(t, r)}
	anna.do("GET", "/api/v1/session/totp/qr", nil).problem(t, 404, "totp-not-pending")

	if r := anna.do("POST", "/api/v1/session/totp", map[string]string{"password": testPassword}); r.status != http.StatusCreated {
		t.Fatalf("begin: %d %s", r.status, r.body)
	}
	r = anna.do("GET", "/api/v1/session/totp/qr", nil)
	if r.status != http.StatusOK {
		t.Fatalf("qr: %d %s", r.status, r.body)
	}
	if ct := r.header.Get("Content-Type"); ct != "image/png" {
		t.Errorf("Content-Type %q", ct)
	}
	if cc := r.header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q", cc)
	}
	img, err := png.Decode(bytes.NewReader(r.body))
	if err != nil {
		t.Fatalf("not a PNG: %v", err)
	}
	if b := img.Bounds(); b.Dx() < 100 || b.Dy() != b.Dx() {
		t.Errorf("QR code %v", b)
	}

	// Someone else's session sees no pending enrolment of theirs; a token
	// may not fetch it.
	e.login("bernd").do("GET", "/api/v1/session/totp/qr", nil).problem(t, 404, "totp-not-pending")
	e.token("anna").do("GET", "/api/v1/session/totp/qr", nil).problem(t, 403, "forbidden")
}

// TestTOTPEnrolmentBoundToSession: a second session of the same user (a
// stolen cookie, without the password) can neither fetch the QR code of
// an enrolment another session began nor confirm it; the beginning session
// can, and replacing the factor ends the other session.
func TestTOTPEnrolmentBoundToSession(t *testing.T) {
	e := newTestEnv(t)
	anna, thief := e.login("anna"), e.login("anna")

	var enrol struct{ Secret string }
	anna.do("POST", "/api/v1/session/totp", map[string]string{"password": testPassword}).json(t, &enrol)
	code, err := totp.GenerateCode(enrol.Secret, e.now)
	if err != nil {
		t.Fatal(err)
	}
	thief.do("GET", "/api/v1/session/totp/qr", nil).problem(t, 404, "totp-not-pending")
	thief.do("POST", "/api/v1/session/totp/confirm", map[string]string{"code": code}).problem(t, 409, "totp-not-pending")
	if r := anna.do("GET", "/api/v1/session/totp/qr", nil); r.status != http.StatusOK {
		t.Fatalf("qr from the beginning session: %d %s", r.status, r.body)
	}
	if r := anna.do("POST", "/api/v1/session/totp/confirm", map[string]string{"code": code}); r.status != http.StatusNoContent {
		t.Fatalf("confirm: %d %s", r.status, r.body)
	}

	// Replace the factor: the other session ends, this one stays.
	// An enrolment left for the TTL is gone for the beginning session too.
	active := enrol.Secret
	e.now = e.now.Add(time.Minute)
	code, _ = totp.GenerateCode(active, e.now)
	begin(t, anna, code, &enrol)
	e.now = e.now.Add(totpPendingTTLForTest)
	code, _ = totp.GenerateCode(enrol.Secret, e.now)
	anna.do("GET", "/api/v1/session/totp/qr", nil).problem(t, 404, "totp-not-pending")
	anna.do("POST", "/api/v1/session/totp/confirm", map[string]string{"code": code}).problem(t, 409, "totp-not-pending")

	code, _ = totp.GenerateCode(active, e.now)
	begin(t, anna, code, &enrol)
	e.now = e.now.Add(30 * time.Second)
	code, _ = totp.GenerateCode(enrol.Secret, e.now)
	if r := anna.do("POST", "/api/v1/session/totp/confirm", map[string]string{"code": code}); r.status != http.StatusNoContent {
		t.Fatalf("replace: %d %s", r.status, r.body)
	}
	thief.do("GET", "/api/v1/session", nil).problem(t, 401, "unauthenticated")
	if r := anna.do("GET", "/api/v1/session", nil); r.status != http.StatusOK {
		t.Fatalf("own session after replacing: %d %s", r.status, r.body)
	}
}

func begin(t *testing.T, c *client, code string, enrol any) {
	t.Helper()
	r := c.do("POST", "/api/v1/session/totp", map[string]string{"password": testPassword, "code": code})
	if r.status != http.StatusCreated {
		t.Fatalf("begin: %d %s", r.status, r.body)
	}
	r.json(t, enrol)
}

// totpPendingTTLForTest mirrors accounts' totpPendingTTL (15 minutes).
const totpPendingTTLForTest = 15 * time.Minute
