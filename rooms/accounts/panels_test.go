package accounts

import (
	"errors"
	"fmt"
	"regexp"
	"testing"
	"time"
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
	var oldest Pairing
	var oldestSecret string
	for i := range MaxPendingPairings {
		e.clock.Advance(time.Millisecond) // ids, and so ages, in order
		p, secret, err := e.svc.CreatePairing(fmt.Sprintf("198.51.%d.7", i))
		if err != nil {
			t.Fatal(err)
		}
		if codes[p.Code] {
			t.Fatalf("code %s twice", p.Code)
		}
		codes[p.Code] = true
		if i == 0 {
			oldest, oldestSecret = p, secret
		}
	}
	// Past the bound the oldest waiting pairing gives way.
	e.clock.Advance(time.Millisecond)
	if _, _, err := e.svc.CreatePairing("203.0.113.1"); err != nil {
		t.Fatalf("past the bound: %v", err)
	}
	if _, _, _, err := e.svc.ClaimPairing(oldest.ID, oldestSecret); !errors.Is(err, ErrNoSuchPairing) {
		t.Fatalf("the oldest pairing after giving way: %v", err)
	}
	if ps, err := e.svc.Pairings(); err != nil || len(ps) != MaxPendingPairings {
		t.Fatalf("%d pairings waiting, want %d: %v", len(ps), MaxPendingPairings, err)
	}
	var rl *RateLimitError
	e = newEnv(t, nil)
	for range pairingBurst {
		// Approved at once: the per-network bound counts waiting ones only.
		p, _, err := e.svc.CreatePairing("203.0.113.2:1")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.ApprovePairing(p.Code, "ratssaal", "Tür", "admin"); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := e.svc.CreatePairing("203.0.113.2:2"); !errors.As(err, &rl) {
		t.Fatalf("rate limit: %v", err)
	}
}

// TestPairingsPerNetwork: one /24 (IPv4) or /64 (IPv6) may have only
// MaxPendingPairingsPerNetwork pairings waiting, so one caller cannot fill
// the table that MaxPendingPairings bounds for everyone; other networks
// still pair, and approved or expired pairings free the place.
func TestPairingsPerNetwork(t *testing.T) {
	e := newEnv(t, nil)
	first, _, err := e.svc.CreatePairing("192.0.2.7:5000")
	if err != nil {
		t.Fatal(err)
	}
	if first.Network != "192.0.2.0/24" {
		t.Errorf("network %q", first.Network)
	}
	e.clock.Advance(time.Minute)
	if _, _, err := e.svc.CreatePairing("192.0.2.200"); err != nil {
		t.Fatal(err)
	}
	var here *PairingsWaitingError
	_, _, err = e.svc.CreatePairing("192.0.2.99:1")
	if !errors.As(err, &here) || !errors.Is(err, ErrTooManyPairingsHere) {
		t.Fatalf("third from the same /24: %v", err)
	}
	if want := PairingTTL - time.Minute; here.RetryAfter != want {
		t.Errorf("RetryAfter %v, want %v (the oldest one's expiry)", here.RetryAfter, want)
	}
	if p, _, err := e.svc.CreatePairing("192.0.3.7"); err != nil || p.Network != "192.0.3.0/24" {
		t.Fatalf("another network: %+v, %v", p, err)
	}

	// IPv6: the /64 counts, the interface part does not.
	for _, a := range []string{"[2001:db8:1:2::1]:443", "2001:db8:1:2:aaaa::9"} {
		if _, _, err := e.svc.CreatePairing(a); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := e.svc.CreatePairing("2001:db8:1:2:ffff::1"); !errors.Is(err, ErrTooManyPairingsHere) {
		t.Fatalf("third from the same /64: %v", err)
	}
	if p, _, err := e.svc.CreatePairing("2001:db8:1:3::1"); err != nil || p.Network != "2001:db8:1:3::/64" {
		t.Fatalf("another /64: %+v, %v", p, err)
	}

	// Approving one frees a place.
	if _, err := e.svc.ApprovePairing(first.Code, "ratssaal", "Tür", "admin"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.svc.CreatePairing("192.0.2.99"); err != nil {
		t.Fatalf("after an approval: %v", err)
	}
	ps, err := e.svc.Pairings()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range ps {
		if p.Network == "" {
			t.Errorf("pairing %+v without its network", p)
		}
	}
}

// TestPollingDoesNotWrite: a waiting panel's polls (and wrong secrets) are
// read transactions; anyone can poll in a loop, and each commit would be an
// fsync of the shared database. Only the claim after approval writes.
func TestPollingDoesNotWrite(t *testing.T) {
	e := newEnv(t, nil)
	p, secret, err := e.svc.CreatePairing("192.0.2.7")
	if err != nil {
		t.Fatal(err)
	}
	writes := func() int64 { st := e.db.Bolt().Stats(); return st.TxStats.GetWrite() }
	before := writes()
	for range 5 {
		if _, panel, _, err := e.svc.ClaimPairing(p.ID, secret); err != nil || panel != nil {
			t.Fatalf("poll: %v %v", panel, err)
		}
		if _, _, _, err := e.svc.ClaimPairing(p.ID, "wrong"); !errors.Is(err, ErrNoSuchPairing) {
			t.Fatalf("wrong secret: %v", err)
		}
	}
	if got := writes(); got != before {
		t.Errorf("polling a waiting pairing committed %d writes", got-before)
	}

	if _, err := e.svc.ApprovePairing(p.Code, "ratssaal", "Tür", "admin"); err != nil {
		t.Fatal(err)
	}
	before = writes()
	if _, panel, tok, err := e.svc.ClaimPairing(p.ID, secret); err != nil || panel == nil || tok == "" {
		t.Fatalf("claim: %v %v", panel, err)
	}
	if writes() == before {
		t.Error("the claim wrote nothing")
	}
}

// An approval the tablet never fetched goes away with its pairing, so the
// admin's list holds only panels that exist at a door.
func TestUnclaimedApprovalExpires(t *testing.T) {
	e := newEnv(t, nil)
	p, _, err := e.svc.CreatePairing("192.0.2.9:1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.ApprovePairing(p.Code, "ratssaal", "Tür", "admin"); err != nil {
		t.Fatal(err)
	}
	if ps, _ := e.svc.Panels(); len(ps) != 1 {
		t.Fatalf("panels after approval: %+v", ps)
	}
	e.clock.Advance(PairingTTL)
	if _, _, err := e.svc.CreatePairing("198.51.100.1:1"); err != nil { // a write that sweeps expired pairings
		t.Fatal(err)
	}
	if ps, _ := e.svc.Panels(); len(ps) != 0 {
		t.Fatalf("an unclaimed approval outlived its pairing: %+v", ps)
	}
}
