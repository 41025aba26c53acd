package web

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/kogge-project/kogge/rooms/accounts"
)

// TestPairingFloodCannotStarvePanel: pairing requests from many networks
// (behind the trusted proxy, as in production) fill the waiting table and
// more; a real panel still gets a code, an admin approves it and the panel
// is paired. The flood's oldest requests gave way and are simply gone.
func TestPairingFloodCannotStarvePanel(t *testing.T) {
	e := newTestEnv(t)
	proxied := httptest.NewServer(TrustedProxies(e.srv.Config.Handler, []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}))
	t.Cleanup(proxied.Close)
	e.srv = proxied
	anon := e.anonymous()
	from := func(addr string) []string { return []string{"X-Forwarded-For", addr} }

	// Two per network (the per-network limit), from more networks than
	// the table holds.
	networks := accounts.MaxPendingPairings/accounts.MaxPendingPairingsPerNetwork + 10
	var first pairing
	for n := range networks {
		for h := range accounts.MaxPendingPairingsPerNetwork {
			e.now = e.now.Add(time.Second) // ages in order, all within PairingTTL
			r := anon.do("POST", "/api/v1/panels/pairings", nil, from(fmt.Sprintf("10.%d.%d.%d", n/250, n%250, h+1))...)
			if r.status != http.StatusCreated {
				t.Fatalf("flood request %d from network %d: %d %s", h, n, r.status, r.body)
			}
			if n == 0 && h == 0 {
				r.json(t, &first)
			}
		}
		if n == 0 {
			// A third from the same network waits its turn.
			anon.do("POST", "/api/v1/panels/pairings", nil, from("10.0.0.99")...).problem(t, http.StatusTooManyRequests, "too-many-pairings-here")
		}
	}

	e.now = e.now.Add(time.Second)
	r := anon.do("POST", "/api/v1/panels/pairings", nil, from("192.0.2.50")...)
	if r.status != http.StatusCreated {
		t.Fatalf("the real panel: %d %s", r.status, r.body)
	}
	var real pairing
	r.json(t, &real)
	admin := e.login("admin")
	if r := admin.do("POST", "/api/v1/panels/pairings/approve", map[string]any{"code": real.Code, "room": "ratssaal", "name": "Tür Ratssaal"}); r.status != http.StatusCreated {
		t.Fatalf("approve: %d %s", r.status, r.body)
	}
	r = anon.do("GET", "/api/v1/panels/pairings/"+real.ID, nil, pairingSecretHeader, real.Secret)
	if r.status != http.StatusOK || !strings.Contains(string(r.body), `"paired"`) {
		t.Fatalf("the real panel's poll after approval: %d %s", r.status, r.body)
	}
	// The flood's first request gave way: its poll finds nothing, and the
	// admin's list holds no more than the bound.
	anon.do("GET", "/api/v1/panels/pairings/"+first.ID, nil, pairingSecretHeader, first.Secret).problem(t, http.StatusNotFound, "no-such-pairing")
	var list struct {
		Pairings []struct{} `json:"pairings"`
	}
	admin.do("GET", "/api/v1/panels/pairings", nil).json(t, &list)
	if len(list.Pairings) > accounts.MaxPendingPairings {
		t.Errorf("%d pairings waiting, more than %d", len(list.Pairings), accounts.MaxPendingPairings)
	}
}
