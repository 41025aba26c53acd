package signaling

import (
	"net"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"golang.org/x/time/rate"
)

func queueIDs(w wire) []string {
	ids := []string{}
	for _, q := range w.Queue {
		ids = append(ids, q.ID)
	}
	return ids
}

func queueIs(ids ...string) func(wire) bool {
	return func(w wire) bool { return reflect.DeepEqual(queueIDs(w), append([]string{}, ids...)) }
}

func TestSpeakerQueue(t *testing.T) {
	spec := testSpec()
	spec.PublishQueue = true
	e := newEnv(t, spec)
	h := e.join("host", "Chair")
	a := e.join("guest", "Alice")
	b := e.join("guest", "Bob")
	c := e.join("guest", "Carl")
	A, B, C := a.welcome.ID, b.welcome.ID, c.welcome.ID

	raise := func(cl *client, up bool) { cl.send(map[string]any{"type": "hand", "raised": up}) }
	raise(b, true)
	h.waitState(queueIs(B))
	// Different connections race to the meeting: wait for each raise.
	raise(a, true)
	h.waitState(queueIs(B, A))
	raise(b, true) // already raised: no duplicate, keeps its place
	raise(c, true)
	s := h.waitState(queueIs(B, A, C))
	if s.Queue[0].Name != "Bob" || !s.participant(B).Hand {
		t.Fatalf("queue %+v", s.Queue)
	}
	a.waitState(queueIs(B, A, C)) // guests see the queue too

	h.send(map[string]any{"type": "queue", "action": "next"})
	s = h.waitState(queueIs(A, C))
	if s.participant(B).Hand {
		t.Fatal("next did not lower the hand")
	}
	raise(b, true)
	h.waitState(queueIs(A, C, B))
	raise(a, false)
	h.waitState(queueIs(C, B))
	h.send(map[string]any{"type": "queue", "action": "remove", "id": B})
	h.waitState(queueIs(C))
	h.send(map[string]any{"type": "queue", "action": "remove", "id": B})
	if w := h.next("error"); w.Code != codeNotFound {
		t.Fatalf("remove absent: %+v", w)
	}
	raise(a, true)
	h.waitState(queueIs(C, A))
	raise(b, true)
	h.waitState(queueIs(C, A, B))
	c.ws.Close() // leaving removes the hand
	h.waitState(queueIs(A, B))
	h.send(map[string]any{"type": "queue", "action": "clear"})
	s = h.waitState(queueIs())
	if s.participant(A).Hand || s.participant(B).Hand {
		t.Fatal("clear left hands up")
	}
	h.send(map[string]any{"type": "queue", "action": "jump"})
	if w := h.next("error"); w.Code != codeBadMessage {
		t.Fatalf("bad action: %+v", w)
	}

	var got []string
	for _, q := range e.queueHooks() {
		names := []string{}
		for _, entry := range q {
			names = append(names, entry.Name)
		}
		got = append(got, strings.Join(names, ","))
	}
	want := []string{"Bob", "Bob,Alice", "Bob,Alice,Carl", "Alice,Carl", "Alice,Carl,Bob", "Carl,Bob",
		"Carl", "Carl,Alice", "Carl,Alice,Bob", "Alice,Bob", ""}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("queue hook\n got %q\nwant %q", got, want)
	}
}

// smallBuffers shrinks the server's socket send buffer so that a client
// that does not read fills it after a few kilobytes.
type smallBuffers struct{ net.Listener }

func (l smallBuffers) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetWriteBuffer(4096)
	}
	return c, err
}

func TestSlowConsumerDropped(t *testing.T) {
	// State snapshots coalesce, so a slow reader is dropped by its write
	// deadline (shortened here), not by a full queue.
	e := newEnv(t, testSpec(), func(e *env) {
		e.srv.Listener = smallBuffers{e.srv.Listener}
		e.hub.timing.write = 200 * time.Millisecond
		e.hub.timing.rate = rate.Inf
	})
	driver := e.join("host", "Driver "+strings.Repeat("d", 50))
	observer := e.join("guest", "Observer "+strings.Repeat("o", 50))

	// The slow client has a small receive buffer and stops reading after
	// its welcome.
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
	defer ws.Close()
	slow := &client{t: t, ws: ws}
	slow.send(map[string]any{"type": "hello", "version": 1, "token": "guest", "name": "Slow " + strings.Repeat("s", 59)})
	slowID := slow.next("welcome").ID
	driver.waitState(func(w wire) bool { return w.has(slowID) })

	// Every hand toggle sends a state to everyone; the driver waits for
	// its own, so it never outruns the writer it reads from.
	raised := false
	failSafe := time.Now().Add(readTimeout)
	for i := 0; ; i++ {
		if time.Now().After(failSafe) {
			t.Fatal("slow client never dropped")
		}
		raised = !raised
		driver.send(map[string]any{"type": "hand", "raised": raised})
		s := driver.waitState(func(w wire) bool { return w.participant(driver.welcome.ID).Hand == raised })
		if !s.has(slowID) {
			t.Logf("dropped after %d state changes", i+1)
			break
		}
	}
	// The others keep receiving.
	observer.waitState(func(w wire) bool { return !w.has(slowID) && len(w.Participants) == 2 })
	driver.send(map[string]any{"type": "hand", "raised": !raised})
	observer.waitState(func(w wire) bool { return w.participant(driver.welcome.ID).Hand == !raised })
}
