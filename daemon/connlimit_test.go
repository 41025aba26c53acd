package main

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"
)

// TestConnectionCaps: with small caps, idle connections from one address
// fill its share and the next one from there is answered 429 with
// Retry-After and closed, while /healthz from another address still
// answers; with the overall cap full too, a new connection gets 503, and
// /healthz over the control socket still answers.
func TestConnectionCaps(t *testing.T) {
	dir := t.TempDir()
	cfgPath := writeConfig(t, dir, testRoomsTOML)
	cfg, err := os.ReadFile(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	caps := strings.Replace(string(cfg), "[server]\n", "[server]\nmax_connections = 6\nmax_connections_per_address = 3\n", 1)
	if err := os.WriteFile(cfgPath, []byte(caps), 0o600); err != nil {
		t.Fatal(err)
	}
	d := startDaemon(t, cfgPath, dir)
	_, port, _ := net.SplitHostPort(d.addr)

	dial := func(from string) net.Conn {
		t.Helper()
		dl := net.Dialer{Timeout: processDeadline, LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}}
		c, err := dl.Dial("tcp", net.JoinHostPort("127.0.0.1", port))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}
	// refused reads the answer to a connection past a cap, which comes
	// without a request, and the close after it.
	refused := func(c net.Conn, status int) {
		t.Helper()
		_ = c.SetDeadline(time.Now().Add(processDeadline))
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatalf("want a %d answer: %v", status, err)
		}
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != status || resp.Header.Get("Retry-After") == "" || len(body) == 0 {
			t.Fatalf("answer %d (Retry-After %q) %q, want %d with Retry-After and words", resp.StatusCode, resp.Header.Get("Retry-After"), body, status)
		}
	}
	healthz := func(c net.Conn) {
		t.Helper()
		_ = c.SetDeadline(time.Now().Add(processDeadline))
		if _, err := io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: kogge\r\nConnection: close\r\n\r\n"); err != nil {
			t.Fatal(err)
		}
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("/healthz: %v %v", resp, err)
		}
		// The server closes after the answer; its place is free by then.
		_, _ = io.ReadAll(resp.Body)
		_, _ = io.Copy(io.Discard, c)
		c.Close()
	}

	// Idle connections that never send a request: one address's share.
	for range 3 {
		dial("127.0.0.1")
	}
	refused(dial("127.0.0.1"), http.StatusTooManyRequests)
	healthz(dial("127.0.0.2"))

	// The overall cap: three more from another address make six.
	for range 3 {
		dial("127.0.0.3")
	}
	refused(dial("127.0.0.4"), http.StatusServiceUnavailable)
	resp, err := d.local().Get("http://kogge/healthz")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("/healthz over the control socket at the cap: %v %v", resp, err)
	}
	resp.Body.Close()
}
