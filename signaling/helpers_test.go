package signaling

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/pion/webrtc/v4"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const testOrigin = "https://kogge.test"

// readTimeout only keeps a broken test from hanging; nothing waits for it.
const readTimeout = 5 * time.Second

// env is a hub behind an httptest server with fakes.
type env struct {
	t     *testing.T
	hub   *Hub
	srv   *httptest.Server
	auth  *fakeAuth
	media *fakeMedia
	spec  MeetingSpec
	logs  *syncBuffer

	mu     sync.Mutex
	audits []string
	queues [][]QueueEntry
	// speakers hears Hooks.Speaker's names (dropped past its buffer).
	speakers chan string
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// newEnv starts a hub with tokens "host" and "guest" (and "cand", a guest
// with an interview slot) for the meeting spec.
func newEnv(t *testing.T, spec MeetingSpec, tune ...func(*env)) *env {
	t.Helper()
	return newEnvConfig(t, spec, nil, tune...)
}

// newEnvConfig is newEnv whose hub's Config config adjusts (nil: none).
func newEnvConfig(t *testing.T, spec MeetingSpec, config func(*Config), tune ...func(*env)) *env {
	t.Helper()
	e := &env{t: t, media: &fakeMedia{}, spec: spec, logs: &syncBuffer{}, speakers: make(chan string, 16)}
	e.auth = &fakeAuth{tickets: map[string]Ticket{
		"host":  {Meeting: spec, Role: RoleHost},
		"guest": {Meeting: spec, Role: RoleGuest},
		"cand":  {Meeting: spec, Role: RoleGuest, Candidate: "slot 3"},
	}, errs: map[string]error{}}
	cfg := Config{
		AllowedOrigins: []string{testOrigin},
		ICEServers: func(id string) []webrtc.ICEServer {
			return []webrtc.ICEServer{{URLs: []string{"turn:turn.test:3478"}, Username: id, Credential: "c"}}
		},
		Log: slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Hooks: Hooks{
			Audit: func(meetingID, actor, action, detail string) {
				e.mu.Lock()
				e.audits = append(e.audits, actor+" "+action+" "+detail)
				e.mu.Unlock()
			},
			Queue: func(meetingID string, q []QueueEntry) {
				e.mu.Lock()
				e.queues = append(e.queues, q)
				e.mu.Unlock()
			},
			Speaker: func(meetingID, name string) {
				select {
				case e.speakers <- name:
				default:
				}
			},
		},
	}
	if config != nil {
		config(&cfg)
	}
	e.hub = NewHub(cfg, e.auth, e.media)
	e.srv = httptest.NewUnstartedServer(e.hub)
	for _, f := range tune {
		f(e)
	}
	e.srv.Start()
	t.Cleanup(func() {
		e.hub.Close()
		e.srv.Close()
	})
	return e
}

func testSpec() MeetingSpec {
	return MeetingSpec{ID: "m1", Title: "Council", Limit: 10, Closes: time.Now().Add(time.Hour)}
}

func (e *env) auditLog() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]string(nil), e.audits...)
}

func (e *env) queueHooks() [][]QueueEntry {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([][]QueueEntry(nil), e.queues...)
}

// wire is any server message, decoded.
type wire struct {
	Type         string                   `json:"type"`
	Version      int                      `json:"version"`
	ID           string                   `json:"id"`
	Role         Role                     `json:"role"`
	State        string                   `json:"state"`
	Meeting      meetingOut               `json:"meeting"`
	ICEServers   []webrtc.ICEServer       `json:"ice_servers"`
	Participants []participantOut         `json:"participants"`
	Queue        []QueueEntry             `json:"queue"`
	Locked       bool                     `json:"locked"`
	Lobby        []lobbyOut               `json:"lobby"`
	Presenter    *presenterOut            `json:"presenter"`
	Code         string                   `json:"code"`
	Message      string                   `json:"message"`
	RefType      string                   `json:"ref_type"`
	Reason       string                   `json:"reason"`
	Opens        time.Time                `json:"opens"`
	URL          string                   `json:"url"`
	PC           string                   `json:"pc"`
	SDP          string                   `json:"sdp"`
	Candidate    *webrtc.ICECandidateInit `json:"candidate"`
	Resume       string                   `json:"resume"`
}

func (w wire) has(id string) bool {
	for _, p := range w.Participants {
		if p.ID == id {
			return true
		}
	}
	return false
}

func (w wire) participant(id string) participantOut {
	for _, p := range w.Participants {
		if p.ID == id {
			return p
		}
	}
	return participantOut{}
}

type client struct {
	t       *testing.T
	ws      *websocket.Conn
	welcome wire
}

func (e *env) url() string { return "ws" + strings.TrimPrefix(e.srv.URL, "http") }

func (e *env) dial(origin string) (*websocket.Conn, *http.Response, error) {
	h := http.Header{}
	if origin != "" {
		h.Set("Origin", origin)
	}
	return websocket.DefaultDialer.Dial(e.url(), h)
}

// connect dials and sends hello without reading.
func (e *env) connect(token, name string) *client {
	e.t.Helper()
	ws, _, err := e.dial(testOrigin)
	if err != nil {
		e.t.Fatalf("dial: %v", err)
	}
	c := &client{t: e.t, ws: ws}
	e.t.Cleanup(func() { ws.Close() })
	c.send(map[string]any{"type": "hello", "version": 1, "token": token, "name": name})
	return c
}

// join connects and reads the welcome.
func (e *env) join(token, name string) *client {
	e.t.Helper()
	c := e.connect(token, name)
	c.welcome = c.read()
	if c.welcome.Type != "welcome" {
		e.t.Fatalf("first message %+v, want welcome", c.welcome)
	}
	if c.welcome.State == "joined" {
		if w := c.read(); w.Type != "offer" || w.PC != "down" {
			e.t.Fatalf("after welcome %+v, want the down offer", w)
		}
	}
	return c
}

func (c *client) send(v any) {
	c.t.Helper()
	if err := c.ws.WriteJSON(v); err != nil {
		c.t.Fatalf("send: %v", err)
	}
}

// read returns the next message; the connection must not end.
func (c *client) read() wire {
	c.t.Helper()
	_ = c.ws.SetReadDeadline(time.Now().Add(readTimeout))
	var w wire
	_, data, err := c.ws.ReadMessage()
	if err != nil {
		c.t.Fatalf("read: %v", err)
	}
	if err := json.Unmarshal(data, &w); err != nil {
		c.t.Fatalf("decode %s: %v", data, err)
	}
	return w
}

// next skips messages until one of type typ.
func (c *client) next(typ string) wire {
	c.t.Helper()
	for {
		w := c.read()
		if w.Type == typ {
			return w
		}
		if w.Type == "closed" {
			c.t.Fatalf("closed (%s: %s) while waiting for %s", w.Reason, w.Message, typ)
		}
	}
}

// waitState reads states until one satisfies ok.
func (c *client) waitState(ok func(wire) bool) wire {
	c.t.Helper()
	for {
		if w := c.next("state"); ok(w) {
			return w
		}
	}
}

// closed reads until the closed message and the close frame after it.
func (c *client) closed() (wire, int) {
	c.t.Helper()
	var w wire
	for w.Type != "closed" {
		w = c.read()
	}
	_ = c.ws.SetReadDeadline(time.Now().Add(readTimeout))
	_, _, err := c.ws.ReadMessage()
	var ce *websocket.CloseError
	if !errors.As(err, &ce) {
		c.t.Fatalf("after closed: %v, want a close frame", err)
	}
	return w, ce.Code
}

func (c *client) expectClosed(reason string, code int) wire {
	c.t.Helper()
	w, got := c.closed()
	if w.Reason != reason || got != code {
		c.t.Fatalf("closed %q (%s) code %d, want %q code %d", w.Reason, w.Message, got, reason, code)
	}
	return w
}
