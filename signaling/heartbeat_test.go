package signaling

import (
	"testing"
)

// pongs reads until n pongs arrived and fails on any error message: the
// heartbeat is answered, and never refused, at this rate.
func (c *client) pongs(n int) {
	c.t.Helper()
	for got := 0; got < n; {
		switch w := c.read(); w.Type {
		case "pong":
			got++
		case "error", "closed":
			c.t.Fatalf("%d of %d pongs, then %+v", got, n, w)
		}
	}
}

// A ping is answered with pong at once: in the meeting, in the lobby
// (where nothing else would come for a long while) and through a relay,
// whose owner answers it.
func TestPingIsAnsweredWithPong(t *testing.T) {
	e := newEnv(t, lobbySpec())
	host := e.join("host", "Host")
	waiter := e.join("guest", "Wanda")
	if waiter.welcome.State != "lobby" {
		t.Fatalf("the guest is %q, want the lobby", waiter.welcome.State)
	}
	for _, c := range []*client{host, waiter} {
		c.send(map[string]any{"type": "ping"})
		c.pongs(1)
	}
	// Unknown fields are ignored, as in every message.
	waiter.send(map[string]any{"type": "ping", "n": 7})
	waiter.pongs(1)

	owner, relay := relayPair(t)
	owner.join("host", "Host")
	guest := relay.join("guest", "Gus")
	guest.send(map[string]any{"type": "ping"})
	guest.pongs(1)
}

// Pings count against the rate limit like any message: a connection may
// send its whole burst as pings and each is answered, but a flood beyond
// it is refused as any other message would be. The page's one ping every
// 10 s never comes near it.
func TestPingsCountAgainstTheRateLimit(t *testing.T) {
	e := newEnv(t, testSpec())
	g := e.join("guest", "Gus")
	for range inboundBurst {
		g.send(map[string]any{"type": "ping"})
	}
	g.pongs(inboundBurst)
	for range inboundBurst + 20 {
		g.send(map[string]any{"type": "ping"})
	}
	g.expectError(codeRateLimited, "")
}
