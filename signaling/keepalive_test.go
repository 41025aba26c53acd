package signaling

import (
	"fmt"
	"maps"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// A connection at rest has no writer: once the welcome is written the
// writer ends, and the queue holds no array.
func TestNoWriterAtRest(t *testing.T) {
	e := newEnv(t, lobbySpec())
	e.join("host", "Host")
	e.join("guest", "Gus") // waits in the lobby
	e.waitAtRest(t, 2)
}

// A waiter idle in the lobby costs one goroutine, its reader: the HTTP
// handler's goroutine and the join's are gone, and a writer runs only
// while there is something to write.
func TestOneGoroutinePerIdleWaiter(t *testing.T) {
	e := newEnv(t, lobbySpec())
	e.join("host", "Host")
	const n = 4 // the lobby's cap per address
	for i := range n {
		e.join("guest", fmt.Sprintf("Gast %d", i))
	}
	e.waitAtRest(t, 1+n)
	want := map[string]int{"(*conn).read(": 1 + n, "(*Hub).run(": 0, "(*conn).writeLoop(": 0, "(*Hub).pingLoop(": 1}
	failSafe := time.Now().Add(readTimeout)
	for {
		got := connGoroutines(slices.Collect(maps.Keys(want)))
		if maps.Equal(got, want) {
			return
		}
		if time.Now().After(failSafe) {
			t.Fatalf("goroutines %v, want %v", got, want)
		}
		time.Sleep(time.Millisecond) // polling; the fail-safe bounds it
	}
}

// connGoroutines counts the goroutines whose stacks hold each of the
// signaling functions given.
func connGoroutines(funcs []string) map[string]int {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	got := make(map[string]int, len(funcs))
	for _, g := range strings.Split(string(buf), "\n\n") {
		for _, f := range funcs {
			if strings.Contains(g, "signaling."+f) {
				got[f]++
			} else {
				got[f] += 0
			}
		}
	}
	return got
}

func (e *env) waitAtRest(t *testing.T, n int) {
	t.Helper()
	failSafe := time.Now().Add(readTimeout)
	for !e.atRest(n) {
		if time.Now().After(failSafe) {
			t.Fatal("writers still running with nothing to write")
		}
		time.Sleep(time.Millisecond) // polling; the fail-safe bounds it
	}
}

// atRest reports whether the hub has n connections and none of them has
// a writer or anything pending.
func (e *env) atRest(n int) bool {
	e.hub.mu.Lock()
	defer e.hub.mu.Unlock()
	if len(e.hub.conns) != n {
		return false
	}
	for c := range e.hub.conns {
		c.mu.Lock()
		busy := c.writing || c.queue != nil || c.state != nil || c.pingDue
		c.mu.Unlock()
		if busy {
			return false
		}
	}
	return true
}

// The hub's one ticker pings every connection, waiters in the lobby too
// (whose writers have long ended); a client that answers stays past
// several pong deadlines, one that does not is dropped by the read
// deadline.
func TestKeepAlive(t *testing.T) {
	e := newEnv(t, lobbySpec(), func(e *env) {
		e.hub.timing.ping = 25 * time.Millisecond
		e.hub.timing.pong = 600 * time.Millisecond
	})
	e.join("host", "Host")
	answers, silent := e.join("guest", "Gus"), e.join("guest", "Silent")
	pings := make(chan struct{}, 1)
	answers.ws.SetPingHandler(func(string) error {
		select {
		case pings <- struct{}{}:
		default:
		}
		// As gorilla's default handler does.
		return answers.ws.WriteControl(websocket.PongMessage, nil, time.Now().Add(readTimeout))
	})
	silent.ws.SetPingHandler(func(string) error { return nil }) // no pong
	readOn := func(c *client) <-chan error {
		end := make(chan error, 1)
		go func() {
			for {
				if _, _, err := c.ws.ReadMessage(); err != nil {
					end <- err
					return
				}
			}
		}()
		return end
	}
	answersEnd, silentEnd := readOn(answers), readOn(silent)
	failSafe := time.After(readTimeout)
	select {
	case <-silentEnd:
	case <-failSafe:
		t.Fatal("a client that answers no ping was not dropped")
	}
	// 60 pings of 25 ms: well past two pong deadlines.
	for range 60 {
		select {
		case <-pings:
		case err := <-answersEnd:
			t.Fatalf("a waiter that answers was dropped: %v", err)
		case <-failSafe:
			t.Fatal("pings stopped")
		}
	}
}
