package web

import (
	"net/http"
	"testing"
	"time"
)

// TestPairingsPerNetworkOverHTTP: a third waiting pairing from the same
// /24 is refused with 429 while another network still pairs, and the
// admin's list shows each pairing's network and age.
func TestPairingsPerNetworkOverHTTP(t *testing.T) {
	e := newTestEnv(t)
	first := e.startPairing() // the test server's clients come from 127.0.0.1
	e.now = e.now.Add(2 * time.Minute)
	e.startPairing()
	r := e.anonymous().do("POST", "/api/v1/panels/pairings", nil)
	r.problem(t, http.StatusTooManyRequests, "too-many-pairings-here")
	if ra := r.header.Get("Retry-After"); ra != "481" {
		t.Errorf("Retry-After %q, want 481 (the oldest one's expiry, rounded up)", ra)
	}
	if _, _, err := e.accounts.CreatePairing("198.51.100.7:4000"); err != nil {
		t.Fatalf("another network: %v", err)
	}

	var list struct {
		Pairings []struct {
			Code       string `json:"code"`
			Network    string `json:"network"`
			AgeSeconds int64  `json:"age_seconds"`
		} `json:"pairings"`
	}
	e.login("admin").do("GET", "/api/v1/panels/pairings", nil).json(t, &list)
	if len(list.Pairings) != 3 {
		t.Fatalf("pairings %+v", list)
	}
	if p := list.Pairings[0]; p.Code != first.Code || p.Network != "127.0.0.0/24" || p.AgeSeconds != 120 {
		t.Errorf("oldest pairing %+v", p)
	}
	other := 0
	for _, p := range list.Pairings {
		if p.Network == "198.51.100.0/24" && p.AgeSeconds == 0 {
			other++
		}
	}
	if other != 1 {
		t.Errorf("pairings %+v, want one from 198.51.100.0/24", list.Pairings)
	}
}
