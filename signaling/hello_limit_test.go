package signaling

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// TestHellosFromOneAddressAreLimited: one address may say helloBurst
// hellos at once, then one per helloEvery; the next is refused before its
// link is even looked up, while another address is unaffected. Every
// hello counts, a link that is not valid too: looking it up (and on a
// cluster finding its meeting's node) is what the limit bounds.
func TestHellosFromOneAddressAreLimited(t *testing.T) {
	var mu sync.Mutex
	now := time.Now()
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	e := newEnvConfig(t, testSpec(), func(c *Config) { c.Now = clock }, fromHeader)

	looked := func(addr string) {
		t.Helper()
		e.connectFrom("stale", "Guesser", addr).expectClosed(ReasonInvalidToken, websocket.ClosePolicyViolation)
	}
	for i := range helloBurst {
		looked(fmt.Sprintf("192.0.2.66:%d", 40000+i))
	}
	e.connectFrom("stale", "Guesser", "192.0.2.66:50000").expectClosed(ReasonRateLimited, websocket.CloseTryAgainLater)
	// A valid link from that address is refused too until time passes…
	e.connectFrom("guest", "Colleague", "192.0.2.66:50001").expectClosed(ReasonRateLimited, websocket.CloseTryAgainLater)
	// …while a guest elsewhere gets in.
	if w := e.connectFrom("guest", "Gus", "198.51.100.7:5000").read(); w.Type != "welcome" {
		t.Fatalf("a guest from another address: %+v", w)
	}
	mu.Lock()
	now = now.Add(helloEvery)
	mu.Unlock()
	if w := e.connectFrom("guest", "Colleague", "192.0.2.66:50002").read(); w.Type != "welcome" {
		t.Fatalf("after %v the address's next hello: %+v", helloEvery, w)
	}
	e.connectFrom("stale", "Guesser", "192.0.2.66:50003").expectClosed(ReasonRateLimited, websocket.CloseTryAgainLater)
}
