package accounts

import (
	"errors"
	"regexp"
	"testing"
)

func TestPanelPairingLifecycle(t *testing.T) {
	e := newEnv(t, nil)
	p, secret, err := e.svc.CreatePairing("192.0.2.7:5000")
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^[0-9]{6}$`).MatchString(p.Code) || secret == "" {
		t.Fatalf("pairing %+v", p)
	}
	// Before approval: pending, no token; a wrong secret is no pairing.
	if _, panel, tok, err := e.svc.ClaimPairing(p.ID, secret); err != nil || panel != nil || tok != "" {
		t.Fatalf("poll before approval: %v %v %q", err, panel, tok)
	}
	if _, _, _, err := e.svc.ClaimPairing(p.ID, "wrong"); !errors.Is(err, ErrNoSuchPairing) {
		t.Fatalf("wrong secret: %v", err)
	}
	if _, err := e.svc.ApprovePairing("000000x", "ratssaal", "Tür", "admin"); !errors.Is(err, ErrNoSuchPairing) {
		t.Fatalf("wrong code: %v", err)
	}
	dev, err := e.svc.ApprovePairing(p.Code, "ratssaal", "Tür Ratssaal", "admin")
	if err != nil {
		t.Fatal(err)
	}
	_, panel, tok, err := e.svc.ClaimPairing(p.ID, secret)
	if err != nil || panel == nil || panel.ID != dev.ID || tok == "" {
		t.Fatalf("claim: %v %+v", err, panel)
	}
	if _, _, _, err := e.svc.ClaimPairing(p.ID, secret); !errors.Is(err, ErrNoSuchPairing) {
		t.Fatalf("second claim: %v", err)
	}
	got, err := e.svc.PanelByToken(tok)
	if err != nil || got.Room != "ratssaal" {
		t.Fatalf("panel by token: %v %+v", err, got)
	}
	if _, err := e.svc.RevokePanel(dev.ID, "admin"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.PanelByToken(tok); !errors.Is(err, ErrInvalidPanel) || e.svc.PanelAlive(dev.ID) {
		t.Fatalf("after revocation: %v", err)
	}
	e.audit.assertNotContains(t, tok, secret)
}

func TestPairingsExpireAndAreBounded(t *testing.T) {
	e := newEnv(t, nil)
	p, secret, err := e.svc.CreatePairing("192.0.2.8")
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(PairingTTL)
	if _, _, _, err := e.svc.ClaimPairing(p.ID, secret); !errors.Is(err, ErrNoSuchPairing) {
		t.Fatalf("expired: %v", err)
	}
	codes := map[string]bool{}
	for i := range MaxPendingPairings {
		p, _, err := e.svc.CreatePairing("198.51.100." + string(rune('0'+i%10)) + string(rune('0'+i/10)))
		if err != nil {
			t.Fatal(err)
		}
		if codes[p.Code] {
			t.Fatalf("code %s twice", p.Code)
		}
		codes[p.Code] = true
	}
	if _, _, err := e.svc.CreatePairing("203.0.113.1"); !errors.Is(err, ErrTooManyPairings) {
		t.Fatalf("past the bound: %v", err)
	}
	var rl *RateLimitError
	e = newEnv(t, nil)
	for range pairingBurst {
		if _, _, err := e.svc.CreatePairing("203.0.113.2:1"); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := e.svc.CreatePairing("203.0.113.2:2"); !errors.As(err, &rl) {
		t.Fatalf("rate limit: %v", err)
	}
}
