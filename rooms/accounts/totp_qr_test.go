package accounts

import (
	"errors"
	"testing"
)

// The pending URL (drawn as a QR code) is the one BeginTOTP handed out,
// and there is none before BeginTOTP or after ConfirmTOTP.
func TestPendingTOTPURL(t *testing.T) {
	e := newEnv(t, nil)
	s := e.svc
	e.mustAddUser(t, "anna", RoleSecretary)
	if _, err := s.PendingTOTPURL("anna", testSession); !errors.Is(err, ErrTOTPNotPending) {
		t.Fatalf("before BeginTOTP: %v", err)
	}
	if _, err := s.PendingTOTPURL("nobody", testSession); !errors.Is(err, ErrNoSuchUser) {
		t.Fatalf("unknown user: %v", err)
	}
	_, url, err := s.BeginTOTP("anna", testSession)
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.PendingTOTPURL("anna", testSession)
	if err != nil || got != url {
		t.Fatalf("pending URL %q, %v; BeginTOTP gave %q", got, err, url)
	}
}
