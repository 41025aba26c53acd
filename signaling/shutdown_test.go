package signaling

import (
	"context"
	"errors"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/kogge-project/kogge/signaling/sfu"
)

// dialSmall connects a client with a small receive buffer that reads
// nothing unless told to.
func dialSmall(t *testing.T, e *env) *websocket.Conn {
	t.Helper()
	d := websocket.Dialer{NetDial: func(network, addr string) (net.Conn, error) {
		nd := net.Dialer{Control: func(_, _ string, rc syscall.RawConn) error {
			var err error
			cerr := rc.Control(func(fd uintptr) {
				err = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096)
			})
			if cerr != nil {
				return cerr
			}
			return err
		}}
		return nd.Dial(network, addr)
	}}
	ws, _, err := d.Dial(e.url(), map[string][]string{"Origin": {testOrigin}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.Close() })
	return ws
}

// stall joins a client that stops reading and fills its socket, so that
// the server's writer is stuck in a write.
func stall(t *testing.T, e *env) {
	t.Helper()
	ws := dialSmall(t, e)
	c := &client{t: t, ws: ws}
	c.send(map[string]any{"type": "hello", "version": 1, "token": "guest", "name": "Stalled"})
	id := c.next("welcome").ID
	big := strings.Repeat("x", 60<<10)
	peer := e.media.room(0).peer(id)
	for range sendQueueLen / 2 {
		peer.send(sfu.Outbound{Type: "offer", PC: "down", SDP: big})
	}
}

func TestHubCloseBoundedWithStalledClient(t *testing.T) {
	e := newEnv(t, testSpec(), func(e *env) {
		e.srv.Listener = smallBuffers{e.srv.Listener}
		e.hub.timing.shutdown = 50 * time.Millisecond
	})
	e.join("host", "Host")
	stall(t, e)
	done := make(chan struct{})
	go func() { e.hub.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(hubCloseWait): // fail-safe; Close takes ~50 ms
		t.Fatal("Close waits for a stalled client")
	}
}

func TestShutdownGivesUpAtDeadline(t *testing.T) {
	e := newEnv(t, testSpec())
	release := make(chan struct{})
	e.auth.gate = map[string]chan struct{}{"stuck": release}
	e.auth.entered = make(chan string, 1)
	e.auth.set("stuck", Ticket{Meeting: testSpec(), Role: RoleGuest})
	// An Authorizer that ignores its context keeps a handler busy.
	e.connect("stuck", "Stuck")
	<-e.auth.entered
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := e.hub.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Shutdown: %v", err)
	}
	close(release)
	e.hub.Close() // now everything ends
}
