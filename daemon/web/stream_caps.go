package web

import (
	"net/http"
	"sync"
	"time"
)

// DefaultMaxEventStreamsPerLogin caps the open event streams of one login
// when the configuration does not (daemon/config has the same default):
// each open page holds one stream, and ten tabs are plenty. Without a cap
// one login could hold thousands of streams, each a connection, a
// goroutine and a subscription to every change.
const DefaultMaxEventStreamsPerLogin = 10

// streamRetryAfter is the Retry-After of a refused stream: a closed tab
// frees its place at once.
const streamRetryAfter = 30 * time.Second

// streamCounts counts the open event streams of each login. The zero
// value with max set is ready.
type streamCounts struct {
	max int
	mu  sync.Mutex
	n   map[string]int
}

// loginKey names the login a caller's streams count against: the session,
// the API token's account, or the panel device. The control socket's
// caller has none (it is the machine's administrator).
func loginKey(c *caller) string {
	switch {
	case c == nil || c.local:
		return ""
	case c.panel != nil:
		return "panel:" + c.panel.ID
	case c.session != nil:
		return "session:" + c.session.ID
	}
	return "token:" + c.user.Name
}

// open counts a new stream of c, or refuses it with 429 past the cap;
// release gives the place back.
func (sc *streamCounts) open(c *caller) (release func(), err error) {
	key := loginKey(c)
	if key == "" {
		return func() {}, nil
	}
	sc.mu.Lock()
	defer sc.mu.Unlock()
	if sc.n[key] >= sc.max {
		p := newProblem(http.StatusTooManyRequests, "too-many-streams", "too-many-streams", "max", sc.max)
		p.retryAfter = streamRetryAfter
		return nil, p
	}
	if sc.n == nil {
		sc.n = map[string]int{}
	}
	sc.n[key]++
	var once sync.Once
	return func() {
		once.Do(func() {
			sc.mu.Lock()
			defer sc.mu.Unlock()
			if sc.n[key]--; sc.n[key] <= 0 {
				delete(sc.n, key)
			}
		})
	}, nil
}
