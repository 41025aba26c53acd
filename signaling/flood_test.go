package signaling

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gorilla/websocket"
)

// wsPair returns both ends of one WebSocket connection: the server end
// wrapped in a conn whose writer is not started, and the client end.
func wsPair(t *testing.T) (*conn, *websocket.Conn) {
	t.Helper()
	serverSide := make(chan *websocket.Conn, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := (&websocket.Upgrader{}).Upgrade(w, r, nil)
		if err != nil {
			t.Error(err)
			return
		}
		serverSide <- ws
	}))
	t.Cleanup(srv.Close)
	cl, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(srv.URL, "http"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cl.Close() })
	ws := <-serverSide
	t.Cleanup(func() { ws.Close() })
	return newConn(ws, defaultTiming, slog.New(slog.DiscardHandler)), cl
}

func TestInboundRateLimit(t *testing.T) {
	e := newEnv(t, testSpec())
	g := e.join("guest", "Flooder")
	// Far more than the burst at once: the surplus is rate_limited and
	// the protocol-error limit closes the connection.
	for range inboundBurst + 3*maxProtocolErrors {
		if err := g.ws.WriteJSON(map[string]any{"type": "keyframe"}); err != nil {
			break
		}
	}
	sawLimit := false
	for {
		w := g.read()
		if w.Type == "error" && w.Code == codeRateLimited {
			sawLimit = true
		}
		if w.Type == "closed" {
			if w.Reason != ReasonProtocol || !sawLimit {
				t.Fatalf("closed %+v, rate_limited seen: %v", w, sawLimit)
			}
			return
		}
	}
}

func TestLobbyNotJoinedCounts(t *testing.T) {
	e := newEnv(t, lobbySpec())
	e.join("host", "Host")
	g := e.join("guest", "Waiter")
	for range maxProtocolErrors + 1 {
		g.send(map[string]any{"type": "hand", "raised": true})
	}
	g.expectClosed(ReasonProtocol, websocket.ClosePolicyViolation)
}

func TestNoOpControlsAreSilent(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var hooks int
		h := NewHub(Config{Hooks: Hooks{
			Queue: func(string, []QueueEntry) { hooks++ },
			Audit: func(_, _, action, _ string) {
				if action == "lock" {
					hooks++
				}
			},
		}}, nil, &fakeMedia{})
		defer h.Close()
		m, _ := h.open(MeetingSpec{ID: "m", PublishQueue: true}, nil)
		host := joinFake(m, "host", RoleHost)
		guest := joinFake(m, "guest", RoleGuest)
		synctest.Wait()
		hostN, guestN := host.count(), guest.count()
		for range 100 {
			m.post(inboundReq{id: "guest", typ: "mute", msg: &muteMsg{Muted: new(false)}})
			m.post(inboundReq{id: "guest", typ: "hand", msg: &handMsg{Raised: new(false)}})
			m.post(inboundReq{id: "host", typ: "lock", msg: &lockMsg{Locked: new(false)}})
		}
		synctest.Wait()
		if host.count() != hostN || guest.count() != guestN || hooks != 0 {
			t.Fatalf("no-op controls sent %d/%d messages, %d hook calls", host.count()-hostN, guest.count()-guestN, hooks)
		}
		m.post(inboundReq{id: "guest", typ: "mute", msg: &muteMsg{Muted: new(true)}})
		synctest.Wait()
		if host.count() != hostN+1 || !host.last().participant("guest").Muted {
			t.Fatal("a real mute is not broadcast")
		}
	})
}

func TestStateSnapshotsCoalesce(t *testing.T) {
	c, cl := wsPair(t)
	// As if a writer were stalled: nothing drains and none is started.
	// Snapshots must not fill the queue.
	c.mu.Lock()
	c.writing = true
	c.mu.Unlock()
	c.send(encode(typeOnly{Type: "admitted"}))
	for i := range 10 * sendQueueLen {
		c.sendState(encode(errorOut{Type: "state", Message: string(rune('a' + i%26))}))
	}
	c.sendState(encode(errorOut{Type: "state", Message: "last"}))
	if c.closing() {
		t.Fatal("snapshots filled the queue: dropped as slow")
	}
	go c.writeLoop() // the writer resumes
	defer func() { c.drop(); <-c.done }()
	read := func() errorOut {
		t.Helper()
		_, data, err := cl.ReadMessage()
		if err != nil {
			t.Fatal(err)
		}
		var w errorOut
		if err := json.Unmarshal(data, &w); err != nil {
			t.Fatal(err)
		}
		return w
	}
	if w := read(); w.Type != "admitted" {
		t.Fatalf("first %+v: a snapshot overtook the queue", w)
	}
	if w := read(); w.Type != "state" || w.Message != "last" {
		t.Fatalf("then %+v, want only the latest state", w)
	}
}

func TestLobbyGetsNoICEServers(t *testing.T) {
	e := newEnv(t, lobbySpec())
	h := e.join("host", "Host")
	if len(h.welcome.ICEServers) != 1 {
		t.Fatalf("host welcome ice servers %+v", h.welcome.ICEServers)
	}
	g := e.join("guest", "Gus")
	if g.welcome.State != "lobby" || g.welcome.ICEServers != nil {
		t.Fatalf("lobby welcome carries ice servers: %+v", g.welcome)
	}
	h.send(map[string]any{"type": "admit", "id": g.welcome.ID})
	a := g.next("admitted")
	if len(a.ICEServers) != 1 || a.ICEServers[0].Username != g.welcome.ID {
		t.Fatalf("admitted ice servers %+v", a.ICEServers)
	}
}

func TestSlowDropIsImmediate(t *testing.T) {
	c, cl := wsPair(t) // the client reads nothing (until the end)
	c.timing.close = time.Hour
	c.timing.write = time.Hour
	big := make([]byte, 1<<20)
	for range sendQueueLen / 2 {
		c.send(big) // the first starts the writer, which stalls
	}
	c.close(refusal(ReasonSlow))
	// Without the drop the writer would sit out its hour-long write
	// deadline: a minute is a failure bound for a busy machine, not a wait.
	select {
	case <-c.done:
	case <-time.After(time.Minute):
		t.Fatal("slow client not dropped: the writer waits for its write deadline")
	}
	// What reached the client ends without a goodbye (PROTOCOL.md): the
	// socket went before the writer learnt of the close.
	_ = cl.SetReadDeadline(time.Now().Add(time.Minute))
	for {
		_, data, err := cl.ReadMessage()
		if err != nil {
			// 1006 is gorilla's word for an end without a close frame.
			var ce *websocket.CloseError
			if errors.As(err, &ce) && ce.Code != websocket.CloseAbnormalClosure {
				t.Fatalf("a slow client got a close frame: %v", err)
			}
			return
		}
		if bytes.Contains(data, []byte(`"closed"`)) {
			t.Fatalf("a slow client got %s", data)
		}
	}
}
