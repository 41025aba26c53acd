package web

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestEventStreamsCappedPerLogin: one login may hold only so many event
// streams; the next gets 429 with a problem in words, while another login
// still gets its stream.
func TestEventStreamsCappedPerLogin(t *testing.T) {
	e := newTestEnv(t)
	anna, bernd := e.login("anna"), e.login("bernd")
	// One deadline for every wait: the answers' headers and the read.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	open := func(c *client) *http.Response {
		t.Helper()
		req, err := http.NewRequestWithContext(ctx, "GET", e.srv.URL+"/api/v1/events", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.AddCookie(c.cookie)
		req.Header.Set("Accept-Language", "de")
		resp, err := e.srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { resp.Body.Close() })
		return resp
	}
	for i := range DefaultMaxEventStreamsPerLogin {
		if r := open(anna); r.StatusCode != http.StatusOK {
			t.Fatalf("stream %d: %d", i+1, r.StatusCode)
		}
	}
	r := open(anna)
	body := make([]byte, 4096)
	n, _ := r.Body.Read(body)
	if r.StatusCode != http.StatusTooManyRequests || r.Header.Get("Retry-After") == "" ||
		!strings.Contains(string(body[:n]), "schon 10 Seiten mit Live-Aktualisierung offen") {
		t.Fatalf("stream past the cap: %d (Retry-After %q) %s", r.StatusCode, r.Header.Get("Retry-After"), body[:n])
	}
	if r := open(bernd); r.StatusCode != http.StatusOK {
		t.Fatalf("another login's stream: %d", r.StatusCode)
	}
}
