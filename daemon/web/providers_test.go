package web

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kogge-project/kogge/daemon/backends"
	"github.com/kogge-project/kogge/daemon/config"
	"github.com/kogge-project/kogge/daemon/demo"
	"github.com/kogge-project/kogge/integrations/broker"
	"github.com/kogge-project/kogge/integrations/gotomeeting"
	"github.com/kogge-project/kogge/rooms/store"
)

// useProviders (re)starts the broker with these providers: the allocator
// goes into the store, the worker runs until the test ends.
func (e *testEnv) useProviders(p config.Providers, authorize func(gotomeeting.TokenStore) error) {
	e.t.Helper()
	if e.stopBroker != nil {
		e.stopBroker()
	}
	b, clients, stop, err := backends.StartBroker(backends.BrokerOptions{Providers: p, Store: e.store, Authorize: authorize})
	if err != nil {
		e.t.Fatal(err)
	}
	e.stopBroker = stop
	e.t.Cleanup(stop)
	e.server.broker = b
	e.server.goToAuthorize = AuthorizeGoTo(clients.GoTo)
}

// withDemoProviders runs the demo's GoToMeeting and Pexip emulators behind
// our SFU, as `go run ./daemon` does.
func (e *testEnv) withDemoProviders() *demo.Providers {
	e.t.Helper()
	cfg := config.Demo(e.t.TempDir())
	dp, err := demo.StartProviders(cfg)
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { dp.Close() })
	e.useProviders(cfg.Providers, func(ts gotomeeting.TokenStore) error { return dp.Authorize(ts.Save) })
	return dp
}

// waitMeeting polls the booking until its meeting reaches state (the
// broker works in the background); a failure bound, not a timing.
func (e *testEnv) waitMeeting(c *client, id string, state store.AllocState) bookingView {
	e.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		var v bookingView
		c.do("GET", "/api/v1/bookings/"+id, nil).json(e.t, &v)
		if v.Meeting != nil && v.Meeting.State == state {
			return v
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("meeting of %s never %s: %+v", id, state, v.Meeting)
		}
		e.server.broker.Kick(id)
		time.Sleep(20 * time.Millisecond) // polling a background worker, bounded above
	}
}

func TestSmallHybridMeetingsStayOnOurSFU(t *testing.T) {
	e := newTestEnv(t)
	anna := e.token("anna")
	b := anna.create(map[string]any{"hybrid": map[string]any{"enabled": true, "expected_remote": 10}})
	v := e.waitMeeting(anna, b.ID, store.AllocProvisioned)
	if v.Meeting.Provider != "builtin" || v.Meeting.JoinURL != "" {
		t.Fatalf("meeting %+v", v.Meeting)
	}
	// Too big for our SFU and no other provider: refused, nothing written.
	p := anna.do("POST", "/api/v1/bookings", booking(map[string]any{"start": "2026-12-02T16:00:00+01:00", "end": "2026-12-02T18:00:00+01:00",
		"hybrid": map[string]any{"enabled": true, "expected_remote": 40}})).problem(t, 422, "no-provider")
	if len(p.Providers) != 1 || p.Providers[0].Code != broker.ReasonParticipants || p.Providers[0].Name != "Eigener Videoserver" ||
		!strings.Contains(p.Providers[0].Why, "für 41 Teilnehmende zu klein (höchstens 25)") ||
		!strings.Contains(p.Detail, "Eigener Videoserver: für 41 Teilnehmende zu klein (höchstens 25).") {
		t.Fatalf("reasons %+v", p.Providers)
	}
	var list struct{ Bookings []bookingView }
	anna.do("GET", "/api/v1/bookings?from=2026-12-02T00:00:00Z&to=2026-12-03T00:00:00Z", nil).json(t, &list)
	if len(list.Bookings) != 0 {
		t.Fatalf("a refused booking was written: %+v", list.Bookings)
	}
}

// A meeting too big for our SFU goes to Pexip; its join link, unchanged,
// leads there; a confidential one never goes to GoToMeeting.
func TestHandOffByCapacity(t *testing.T) {
	e := newTestEnv(t)
	e.withDemoProviders()
	anna := e.token("anna")
	big := anna.create(map[string]any{"hybrid": map[string]any{"enabled": true, "expected_remote": 60}})
	v := e.waitMeeting(anna, big.ID, store.AllocProvisioned)
	if v.Meeting.Provider != "pexip" || !strings.HasPrefix(v.Meeting.JoinURL, demo.PexipJoinURL) {
		t.Fatalf("meeting %+v", v.Meeting)
	}
	links := e.joinView(anna, big.ID)
	e.now = at(t, "2026-12-01T15:00:00Z")
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := noFollow.Get(links.GuestURL)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != v.Meeting.JoinURL {
		t.Fatalf("guest link: %d → %q, want %q", res.StatusCode, res.Header.Get("Location"), v.Meeting.JoinURL)
	}

	secret := anna.do("POST", "/api/v1/bookings", booking(map[string]any{"confidential": true, "start": "2026-12-04T10:00:00+01:00",
		"end": "2026-12-04T11:00:00+01:00", "hybrid": map[string]any{"enabled": true, "expected_remote": 150}})).problem(t, 422, "no-provider")
	found := false
	for _, r := range secret.Providers {
		found = found || (r.Provider == "gotomeeting" && r.Code == broker.ReasonConfidentialGoTo && strings.Contains(r.Why, "nie zu GoToMeeting"))
	}
	if !found {
		t.Fatalf("reasons %+v", secret.Providers)
	}

	var ps struct{ Providers []broker.ProviderStatus }
	anna.do("GET", "/api/v1/providers", nil).json(t, &ps)
	if len(ps.Providers) != 3 || ps.Providers[2].Name != "gotomeeting" || ps.Providers[2].PoolSize != 2 {
		t.Fatalf("providers %+v", ps.Providers)
	}
}

// The last step of `kogge gotomeeting authorize`: the code from GoTo's
// redirect becomes the organizer's tokens; admins only, in a session.
func TestAuthorizeGoToOrganizer(t *testing.T) {
	e := newTestEnv(t)
	dp := e.withDemoProviders()
	code := dp.GoTo.IssueCode(demo.Organizers[0], "http://127.0.0.1:8080/oauth/goto")
	e.login("anna").do("POST", "/api/v1/providers/gotomeeting/authorize", map[string]any{"organizer": demo.Organizers[0], "code": code}).problem(t, 403, "forbidden")
	admin := e.login("admin")
	if r := admin.do("POST", "/api/v1/providers/gotomeeting/authorize", map[string]any{"organizer": demo.Organizers[0], "code": code}); r.status != 204 {
		t.Fatalf("authorize: %d %s", r.status, r.body)
	}
	// Codes are single-use.
	admin.do("POST", "/api/v1/providers/gotomeeting/authorize", map[string]any{"organizer": demo.Organizers[0], "code": code}).problem(t, 502, "authorization-failed")
	admin.do("POST", "/api/v1/providers/gotomeeting/authorize", map[string]any{"organizer": "someone@else", "code": "x"}).problem(t, 404, "no-such-provider")
}
