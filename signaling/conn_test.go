package signaling

import (
	"errors"
	"net"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

func TestWelcomeAndState(t *testing.T) {
	e := newEnv(t, testSpec())
	h := e.join("host", "  Anna  ")
	w := h.welcome
	if w.Version != ProtocolVersion || w.Role != RoleHost || w.State != "joined" || w.ID == "" {
		t.Fatalf("welcome = %+v", w)
	}
	if w.Meeting.ID != "m1" || w.Meeting.Title != "Council" || w.Meeting.Closes.IsZero() {
		t.Fatalf("welcome meeting = %+v", w.Meeting)
	}
	if len(w.ICEServers) != 1 || w.ICEServers[0].Username != w.ID {
		t.Fatalf("ice servers = %+v", w.ICEServers)
	}
	s := h.next("state")
	if len(s.Participants) != 1 || s.Participants[0].Name != "Anna" || s.Lobby == nil {
		t.Fatalf("state = %+v", s)
	}
	if got := e.hub.Meetings(); len(got) != 1 || !reflect.DeepEqual(got[0], MeetingInfo{ID: "m1", Participants: 1, Queue: []QueueEntry{}}) {
		t.Fatalf("Meetings() = %+v", got)
	}
}

func TestOrigin(t *testing.T) {
	e := newEnv(t, testSpec())
	for _, origin := range []string{"", "https://evil.test", "https://kogge.test.evil.test", "http://kogge.test"} {
		ws, resp, err := e.dial(origin)
		if err == nil {
			ws.Close()
			t.Fatalf("origin %q: connected", origin)
		}
		if resp == nil || resp.StatusCode != http.StatusForbidden {
			t.Fatalf("origin %q: %v, want 403", origin, err)
		}
	}
}

func TestHelloChecks(t *testing.T) {
	e := newEnv(t, testSpec())
	cases := []struct {
		name   string
		hello  any
		reason string
	}{
		{"wrong version", map[string]any{"type": "hello", "version": 2, "token": "host", "name": "A"}, ReasonVersion},
		{"no version", map[string]any{"type": "hello", "token": "host", "name": "A"}, ReasonVersion},
		{"not hello", map[string]any{"type": "offer", "pc": "up", "sdp": "x"}, ReasonProtocol},
		{"not json", "hello", ReasonProtocol},
		{"empty name", map[string]any{"type": "hello", "version": 1, "token": "host", "name": "   "}, ReasonProtocol},
		{"long name", map[string]any{"type": "hello", "version": 1, "token": "host", "name": strings.Repeat("é", 65)}, ReasonProtocol},
		{"control char", map[string]any{"type": "hello", "version": 1, "token": "host", "name": "A\u0007B"}, ReasonProtocol},
		{"bidi override", map[string]any{"type": "hello", "version": 1, "token": "host", "name": "Anna\u202egpj.exe"}, ReasonProtocol},
		{"zero-width space", map[string]any{"type": "hello", "version": 1, "token": "host", "name": "Ad\u200bmin"}, ReasonProtocol},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ws, _, err := e.dial(testOrigin)
			if err != nil {
				t.Fatal(err)
			}
			defer ws.Close()
			c := &client{t: t, ws: ws}
			c.send(tc.hello)
			c.expectClosed(tc.reason, websocket.ClosePolicyViolation)
		})
	}
	// 64 characters is fine.
	e.join("host", strings.Repeat("é", 64))
	// The zero-width joiner builds emoji.
	e.join("host", "Anna \U0001F469\u200d\U0001F4BB")
}

func TestHelloTimeout(t *testing.T) {
	e := newEnv(t, testSpec(), func(e *env) { e.hub.timing.hello = 50 * time.Millisecond })
	ws, _, err := e.dial(testOrigin)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	c := &client{t: t, ws: ws}
	w := c.expectClosed(ReasonProtocol, websocket.ClosePolicyViolation)
	if !strings.Contains(w.Message, "hello") {
		t.Fatalf("message %q", w.Message)
	}
}

func TestOversizedFrameClosedQuickly(t *testing.T) {
	e := newEnv(t, testSpec())
	for _, hello := range []bool{false, true} {
		var c *client
		if hello {
			c = e.join("host", "A")
		} else {
			ws, _, err := e.dial(testOrigin)
			if err != nil {
				t.Fatal(err)
			}
			defer ws.Close()
			c = &client{t: t, ws: ws}
		}
		start := time.Now()
		big := `{"type":"offer","pc":"up","sdp":"` + strings.Repeat("x", maxMessageSize) + `"}`
		_ = c.ws.WriteMessage(websocket.TextMessage, []byte(big))
		// Without the read limit the connection would stay open until
		// the pong deadline (45 s); readTimeout is a failure bound for a
		// busy machine, not the expected time.
		_ = c.ws.SetReadDeadline(time.Now().Add(readTimeout))
		var err error
		for err == nil {
			_, _, err = c.ws.ReadMessage()
		}
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			t.Fatalf("still open after %v", readTimeout)
		}
		var ce *websocket.CloseError
		if errors.As(err, &ce) && ce.Code != websocket.CloseMessageTooBig {
			t.Fatalf("close code %d, want 1009", ce.Code)
		}
		t.Logf("closed after %v: %v", time.Since(start), err)
	}
}

func TestInvalidTokenSaysNothing(t *testing.T) {
	e := newEnv(t, testSpec())
	c := e.connect("s3cret-token", "A")
	w := c.expectClosed(ReasonInvalidToken, websocket.ClosePolicyViolation)
	if strings.Contains(w.Message, "signature") || strings.Contains(w.Message, "s3cret") {
		t.Fatalf("message leaks details: %q", w.Message)
	}
	e.hub.Close() // flush the log
	if strings.Contains(e.logs.String(), "s3cret") {
		t.Fatalf("token in log:\n%s", e.logs)
	}
}

func TestRefusals(t *testing.T) {
	e := newEnv(t, testSpec())
	opens := time.Date(2030, 1, 2, 9, 0, 0, 0, time.UTC)
	e.auth.errs["early"] = &Refusal{Reason: ReasonNotOpen, Message: "opens at 9", Opens: opens}
	e.auth.errs["ext"] = &Refusal{Reason: ReasonExternal, URL: "https://meet.example/123"}
	e.auth.errs["pin"] = &Refusal{Reason: ReasonPINWrong, Opens: opens, URL: "https://leak.example"}
	e.auth.errs["slow"] = &Refusal{Reason: ReasonRateLimited}

	w := e.connect("early", "A").expectClosed(ReasonNotOpen, websocket.ClosePolicyViolation)
	if !w.Opens.Equal(opens) || w.Message != "opens at 9" {
		t.Fatalf("not_open = %+v", w)
	}
	w = e.connect("ext", "A").expectClosed(ReasonExternal, websocket.ClosePolicyViolation)
	if w.URL != "https://meet.example/123" || w.Message == "" {
		t.Fatalf("external = %+v", w)
	}
	w = e.connect("pin", "A").expectClosed(ReasonPINWrong, websocket.ClosePolicyViolation)
	if !w.Opens.IsZero() || w.URL != "" {
		t.Fatalf("pin_wrong carries opens/url: %+v", w)
	}
	e.connect("slow", "A").expectClosed(ReasonRateLimited, websocket.CloseTryAgainLater)

	// The PIN reaches the Authorizer.
	c := e.connect("host", "A")
	c.send(map[string]any{"type": "hello"}) // a second hello is a bad message
	c.next("welcome")
	e.auth.mu.Lock()
	defer e.auth.mu.Unlock()
	if len(e.auth.pins) != 5 {
		t.Fatalf("authorizer calls = %d", len(e.auth.pins))
	}
}

func TestPastClosesIsEnded(t *testing.T) {
	spec := testSpec()
	spec.Closes = time.Now().Add(-time.Minute)
	e := newEnv(t, spec)
	e.connect("host", "A").expectClosed(ReasonEnded, websocket.CloseNormalClosure)
}

func TestBadMessagesAndForbidden(t *testing.T) {
	e := newEnv(t, testSpec())
	g := e.join("guest", "G")
	for _, tc := range []struct {
		msg  any
		code string
		ref  string
	}{
		{map[string]any{"type": "dance"}, codeBadMessage, "dance"},
		{"just a string", codeBadMessage, ""},
		{map[string]any{"type": "mute"}, codeBadMessage, "mute"},
		{map[string]any{"type": "mute", "muted": "yes"}, codeBadMessage, "mute"},
		{map[string]any{"type": "offer", "pc": "down", "sdp": "x"}, codeBadMessage, "offer"},
		{map[string]any{"type": "deny", "id": "x", "reason": strings.Repeat("r", 201)}, codeBadMessage, "deny"},
		{map[string]any{"type": "offer", "pc": "up", "sdp": "bad"}, codeMedia, "offer"},
		{map[string]any{"type": "admit", "all": true}, codeForbidden, "admit"},
		{map[string]any{"type": "lock", "locked": true}, codeForbidden, "lock"},
		{map[string]any{"type": "end"}, codeForbidden, "end"},
		{map[string]any{"type": "host_mute", "id": "x"}, codeForbidden, "host_mute"},
		{map[string]any{"type": "remove", "id": "x"}, codeForbidden, "remove"},
		{map[string]any{"type": "queue", "action": "clear"}, codeForbidden, "queue"},
		{map[string]any{"type": "deny", "id": "x"}, codeForbidden, "deny"},
	} {
		g.send(tc.msg)
		w := g.next("error")
		if w.Code != tc.code || w.RefType != tc.ref {
			t.Fatalf("%v: error %+v, want %s/%s", tc.msg, w, tc.code, tc.ref)
		}
	}
	// More than maxProtocolErrors close the connection.
	for range maxProtocolErrors {
		g.send(map[string]any{"type": "end"})
	}
	g.expectClosed(ReasonProtocol, websocket.ClosePolicyViolation)
}

func TestHubClose(t *testing.T) {
	e := newEnv(t, testSpec())
	h := e.join("host", "H")
	g := e.join("guest", "G")
	pending, _, err := e.dial(testOrigin) // no hello yet
	if err != nil {
		t.Fatal(err)
	}
	defer pending.Close()
	done := make(chan struct{})
	go func() { e.hub.Close(); close(done) }()
	h.expectClosed(ReasonShutdown, websocket.CloseGoingAway)
	g.expectClosed(ReasonShutdown, websocket.CloseGoingAway)
	(&client{t: t, ws: pending}).expectClosed(ReasonShutdown, websocket.CloseGoingAway)
	<-done
	select {
	case <-e.media.room(0).closed:
	default:
		t.Fatal("media room not closed")
	}
	if _, resp, err := e.dial(testOrigin); err == nil || resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("after Close: %v", err)
	}
	if len(e.hub.Meetings()) != 0 {
		t.Fatal("meetings left")
	}
}
