package main

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kogge-project/kogge/daemon/config"
	"github.com/kogge-project/kogge/rooms/store"
)

// A provider dies ten minutes before a hybrid meeting placed there:
// without anyone touching the booking, the daemon's own provider watch
// moves the meeting to the next provider that fits within a minute, and
// the guest link people already have, unchanged, now leads there.
func TestProviderDeathMovesTheMeetingByItself(t *testing.T) {
	e := newTestEnv(t, withProviders, func(e *testEnv) {
		// Probed every second instead of every 15 s: the same two
		// failures in a row, sooner.
		e.cfg.Providers.HealthCheckEvery = config.Duration{Duration: time.Second}
	})
	start := e.now.Add(10 * time.Minute)
	b := e.token("anna").create(map[string]any{
		"title": "Ausschuss für Digitales", "start": start.Format(time.RFC3339), "end": start.Add(time.Hour).Format(time.RFC3339),
		// Too many for our own SFU (25): Pexip first, then GoToMeeting.
		"hybrid": map[string]any{"enabled": true, "expected_remote": 40},
	})
	provisionedAt := func(provider string) store.Allocation {
		t.Helper()
		deadline := time.Now().Add(time.Minute)
		for {
			a, ok, err := e.store.Allocation(b.ID)
			if err != nil {
				t.Fatal(err)
			}
			if ok && a.Provider == provider && a.State == store.AllocProvisioned {
				return a
			}
			if time.Now().After(deadline) {
				t.Fatalf("not provisioned at %s within a minute: %+v", provider, a)
			}
			time.Sleep(50 * time.Millisecond) // polling the store, with a deadline
		}
	}
	var links struct {
		GuestURL string `json:"guest_url"`
	}
	e.token("anna").do("GET", "/api/v1/bookings/"+b.ID+"/join", nil).json(t, &links)
	guest, err := url.Parse(links.GuestURL)
	if err != nil || !strings.HasPrefix(guest.Path, "/j/") {
		t.Fatalf("guest link %q: %v", links.GuestURL, err)
	}
	redirect := func() string {
		t.Helper()
		c := &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		resp, err := c.Get(e.srv.URL + guest.Path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("guest link: status %d, want a redirect to the provider", resp.StatusCode)
		}
		return resp.Header.Get("Location")
	}

	atPexip := provisionedAt("pexip")
	if got := redirect(); got != atPexip.JoinURL {
		t.Fatalf("guest link leads to %q, want Pexip's %q", got, atPexip.JoinURL)
	}

	e.demoProviders.SetOutage("pexip", true)
	atGoTo := provisionedAt("gotomeeting")
	if got := redirect(); got != atGoTo.JoinURL || got == atPexip.JoinURL {
		t.Fatalf("after Pexip died the guest link leads to %q, want GoToMeeting's %q", got, atGoTo.JoinURL)
	}
	var again struct {
		GuestURL string `json:"guest_url"`
	}
	e.token("anna").do("GET", "/api/v1/bookings/"+b.ID+"/join", nil).json(t, &again)
	if again.GuestURL != links.GuestURL {
		t.Fatalf("the guest link changed with the provider: %q, was %q", again.GuestURL, links.GuestURL)
	}
	hist := e.token("anna").do("GET", "/api/v1/bookings/"+b.ID+"/history", nil)
	if !strings.Contains(string(hist.body), "provider.move") {
		t.Errorf("the move is not in the booking's history: %s", hist.body)
	}
}
