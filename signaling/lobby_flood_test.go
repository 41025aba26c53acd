package signaling

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/gorilla/websocket"
)

// fromHeader makes the test server take the client's address from
// X-Test-Addr, as the daemon's join page hands the hub the address its
// trusted proxy reported (daemon/web/join_page.go).
func fromHeader(e *env) {
	e.srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if a := r.Header.Get("X-Test-Addr"); a != "" {
			r.RemoteAddr = a
		}
		e.hub.ServeHTTP(w, r)
	})
}

// connectFrom dials as a client at addr and says hello.
func (e *env) connectFrom(token, name, addr string) *client {
	e.t.Helper()
	h := http.Header{}
	h.Set("Origin", testOrigin)
	h.Set("X-Test-Addr", addr)
	ws, _, err := websocket.DefaultDialer.Dial(e.url(), h)
	if err != nil {
		e.t.Fatalf("dial: %v", err)
	}
	c := &client{t: e.t, ws: ws}
	e.t.Cleanup(func() { ws.Close() })
	c.send(map[string]any{"type": "hello", "version": 1, "token": token, "name": name})
	return c
}

// TestLobbyFloodFromOneAddress is the lobby flood: one guest-link holder
// at one address opens 50 connections; only a few wait, the rest are
// refused, and a guest from another address still gets into the lobby
// and is admitted by the host. The participant limit (10) plays no part.
func TestLobbyFloodFromOneAddress(t *testing.T) {
	e := newEnv(t, lobbySpec(), fromHeader)
	h := e.join("host", "Host")
	var waiting []string
	for i := range 50 {
		c := e.connectFrom("guest", fmt.Sprintf("Flood %d", i), fmt.Sprintf("192.0.2.66:%d", 40000+i))
		w := c.read()
		switch {
		case w.Type == "welcome" && w.State == "lobby":
			waiting = append(waiting, w.ID)
		case w.Type == "closed" && w.Reason == ReasonRateLimited:
		default:
			t.Fatalf("flood connection %d: %+v", i, w)
		}
	}
	if len(waiting) != maxLobbyPerAddress {
		t.Fatalf("%d of the flood wait, want %d", len(waiting), maxLobbyPerAddress)
	}
	g := e.connectFrom("guest", "Gus", "198.51.100.7:5000")
	g.welcome = g.read()
	if g.welcome.Type != "welcome" || g.welcome.State != "lobby" {
		t.Fatalf("the real guest: %+v", g.welcome)
	}
	h.waitState(inLobby(append(waiting, g.welcome.ID)...))
	h.send(map[string]any{"type": "admit", "id": g.welcome.ID})
	if w := g.read(); w.Type != "admitted" {
		t.Fatalf("after admit %+v", w)
	}
	// An IPv6 client counts by its /64.
	for i := range maxLobbyPerAddress {
		if w := e.connectFrom("guest", "Six", fmt.Sprintf("[2001:db8:1:2::%x]:443", i+1)).read(); w.State != "lobby" {
			t.Fatalf("IPv6 waiter %d: %+v", i, w)
		}
	}
	e.connectFrom("guest", "Six", "[2001:db8:1:2:ffff::9]:443").expectClosed(ReasonRateLimited, websocket.CloseTryAgainLater)
	if w := e.connectFrom("guest", "Seven", "[2001:db8:1:3::1]:443").read(); w.State != "lobby" {
		t.Fatalf("another /64: %+v", w)
	}
}

// A candidate's link lets only a few wait, so a leaked one cannot fill
// the lobby either.
func TestLobbyPerCandidateLink(t *testing.T) {
	e := newEnv(t, lobbySpec(), fromHeader)
	for i := range maxLobbyPerCandidate {
		if w := e.connectFrom("cand", "Cara", fmt.Sprintf("192.0.2.%d:1", i+1)).read(); w.State != "lobby" {
			t.Fatalf("candidate %d: %+v", i, w)
		}
	}
	e.connectFrom("cand", "Cara", "192.0.2.99:1").expectClosed(ReasonFull, websocket.CloseTryAgainLater)
	if w := e.connectFrom("guest", "Gus", "192.0.2.99:1").read(); w.State != "lobby" {
		t.Fatalf("a guest: %+v", w)
	}
}
