package pexip

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

// inProcess serves requests straight from the handler so that, inside a
// synctest bubble, timeouts and backoff run on the fake clock.
type inProcess struct{ h http.Handler }

func (t inProcess) RoundTrip(r *http.Request) (*http.Response, error) {
	rec := httptest.NewRecorder()
	done := make(chan struct{})
	go func() { t.h.ServeHTTP(rec, r); close(done) }()
	select {
	case <-done:
		return rec.Result(), nil
	case <-r.Context().Done():
		<-done
		return nil, r.Context().Err()
	}
}

func bubbleClient(emu *Emulator) *Client {
	c := New("http://mgr.test", "admin", "secret")
	c.HTTP = &http.Client{Transport: inProcess{emu}}
	c.AttemptTimeout = time.Second
	return c
}

func countMethod(emu *Emulator, method string) int {
	n := 0
	for _, r := range emu.Requests() {
		if strings.HasPrefix(r, method+" ") {
			n++
		}
	}
	return n
}

func TestRetriesIdempotentOnly(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		emu := NewEmulator("admin", "secret")
		c := bubbleClient(emu)
		ctx := context.Background()

		emu.SetFaults(Faults{Fail500: 2, Fail429: 1})
		if _, err := c.ListConferences(ctx, nil); err != nil {
			t.Fatalf("GET should recover: %v", err)
		}
		if n := countMethod(emu, "GET"); n != 4 {
			t.Fatalf("GETs = %d, want 4", n)
		}

		emu.SetFaults(Faults{Fail500: 1})
		if _, err := c.CreateMeetingRoom(ctx, Meeting{Name: "x"}); statusOf(err) != 500 {
			t.Fatalf("POST: %v", err)
		}
		if n := countMethod(emu, "POST"); n != 1 {
			t.Fatalf("POST sent %d times; must never be retried", n)
		}
	})
}

func TestRetryBackoffIsBounded(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		emu := NewEmulator("admin", "secret")
		emu.SetFaults(Faults{Down: true})
		c := bubbleClient(emu)
		c.jitter = func(d time.Duration) time.Duration { return d - 1 } // worst case
		start := time.Now()
		_, err := c.ListConferences(context.Background(), nil)
		if statusOf(err) != http.StatusServiceUnavailable {
			t.Fatalf("outage: %v", err)
		}
		if n := countMethod(emu, "GET"); n != c.MaxAttempts {
			t.Fatalf("attempts %d", n)
		}
		// 0.5 + 1 + 2 s of backoff at most.
		if el := time.Since(start); el > 3500*time.Millisecond {
			t.Fatalf("took %v", el)
		}
	})
}

func TestHangCountsAsTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		emu := NewEmulator("admin", "secret")
		emu.SetFaults(Faults{Hang: 1})
		c := bubbleClient(emu)
		if _, err := c.Licensing(context.Background()); err != nil {
			t.Fatalf("should retry after the per-attempt timeout: %v", err)
		}
		<-emu.Hanging()
		// A hung POST is not retried: the caller must reconcile by name.
		emu.SetFaults(Faults{Hang: 1})
		if _, err := c.CreateMeetingRoom(context.Background(), Meeting{Name: "y"}); err == nil {
			t.Fatal("hung POST reported success")
		}
	})
}

func TestEmulatorRateLimit(t *testing.T) {
	emu := NewEmulator("admin", "secret")
	now := t0
	emu.Now = func() time.Time { return now }
	emu.RateLimit = 3
	get := func() int {
		req := httptest.NewRequest("GET", Conferences.Path(), nil)
		req.SetBasicAuth("admin", "secret")
		rec := httptest.NewRecorder()
		emu.ServeHTTP(rec, req)
		return rec.Code
	}
	for range 3 {
		if code := get(); code != 200 {
			t.Fatalf("code %d", code)
		}
	}
	if code := get(); code != http.StatusTooManyRequests {
		t.Fatalf("4th request: %d", code)
	}
	now = now.Add(60 * time.Second)
	if code := get(); code != 200 {
		t.Fatalf("after window: %d", code)
	}
}
