package main

import (
	"bytes"
	"image/png"
	"net/http"
	"testing"

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
