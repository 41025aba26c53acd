package main

import (
	"strings"
	"testing"
)

// Hybrid bookings from before providers existed get their meeting placed
// when the daemon starts; one that fits nowhere stays on our SFU.
func TestBackfillPlacesOldHybridBookings(t *testing.T) {
	e := newTestEnv(t)
	e.store.SetAllocator(nil) // as before the upgrade
	anna := e.token("anna")
	small := anna.create(map[string]any{"hybrid": map[string]any{"enabled": true, "expected_remote": 5}})
	big := anna.create(map[string]any{"start": "2026-12-02T16:00:00+01:00", "end": "2026-12-02T18:00:00+01:00",
		"hybrid": map[string]any{"enabled": true, "expected_remote": 90}})
	anna.create(map[string]any{"start": "2026-12-03T16:00:00+01:00", "end": "2026-12-03T18:00:00+01:00"}) // not hybrid
	for _, id := range []string{small.ID, big.ID} {
		if _, ok, _ := e.store.Allocation(id); ok {
			t.Fatal("a booking got an allocation without an allocator")
		}
	}
	e.restart()
	if a, ok, _ := e.store.Allocation(small.ID); !ok || a.Provider != "builtin" {
		t.Fatalf("small after the restart: %+v", a)
	}
	if _, ok, _ := e.store.Allocation(big.ID); ok {
		t.Fatal("a booking no provider takes got an allocation")
	}
}

func TestCodeFromRedirect(t *testing.T) {
	for _, c := range []struct{ in, code, err string }{
		{"abc123", "abc123", ""},
		{"https://raeume.stadt.example/oauth/goto?code=xyz&state=s1", "xyz", ""},
		{"https://raeume.stadt.example/oauth/goto?code=xyz&state=other", "", "another authorization"},
		{"https://raeume.stadt.example/oauth/goto?state=s1&code=", "", "no code"},
		{"", "", "no code given"},
	} {
		got, err := codeFrom(c.in, "s1")
		if got != c.code || (c.err == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), c.err)) {
			t.Errorf("%q: %q %v", c.in, got, err)
		}
	}
}
