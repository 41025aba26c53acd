package signaling

import (
	"bytes"
	"context"
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
	"github.com/kogge-project/kogge/signaling/sfu"
	"github.com/pion/webrtc/v4"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const testOrigin = "https://kogge.test"

// readTimeout only keeps a broken test from hanging; nothing waits for it.
const readTimeout = 5 * time.Second

// fakeAuth hands out tickets by token; anything else is an error that
// carries the token (which must never reach the client or the log).
type fakeAuth struct {
	mu      sync.Mutex
	tickets map[string]Ticket
	errs    map[string]error
	pins    []string
}

func (a *fakeAuth) Authorize(ctx context.Context, req JoinRequest) (Ticket, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.pins = append(a.pins, req.PIN)
	if err, ok := a.errs[req.Token]; ok {
		return Ticket{}, err
	}
	if t, ok := a.tickets[req.Token]; ok {
		return t, nil
	}
	return Ticket{}, errors.New("bad signature on token " + req.Token)
}

func (a *fakeAuth) set(token string, t Ticket) {
	a.mu.Lock()
	a.tickets[token] = t
	a.mu.Unlock()
}

// fakeMedia records rooms and peers; peers report each call on events.
type fakeMedia struct {
	mu    sync.Mutex
	rooms []*fakeRoom
}

func (f *fakeMedia) NewRoom(id string, log *slog.Logger) MediaRoom {
	f.mu.Lock()
	defer f.mu.Unlock()
	r := &fakeRoom{id: id, peers: make(map[string]*fakePeer), closed: make(chan struct{})}
	f.rooms = append(f.rooms, r)
	return r
}

func (f *fakeMedia) room(i int) *fakeRoom {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.rooms[i]
}

type fakeRoom struct {
	id     string
	mu     sync.Mutex
	peers  map[string]*fakePeer
	closed chan struct{}
	once   sync.Once
}

func (r *fakeRoom) Join(id string, send func(sfu.Outbound)) (MediaPeer, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	p := &fakePeer{id: id, send: send, events: make(chan string, 1000)}
	r.peers[id] = p
	// Like the SFU, offer the down connection at once: it must still
	// reach the client after welcome/admitted.
	send(sfu.Outbound{Type: "offer", PC: "down", SDP: "down offer"})
	return p, nil
}

func (r *fakeRoom) Close() { r.once.Do(func() { close(r.closed) }) }

func (r *fakeRoom) peer(id string) *fakePeer {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.peers[id]
}

type fakePeer struct {
	id     string
	send   func(sfu.Outbound)
	events chan string
}

func (p *fakePeer) Offer(sdp string) error {
	if sdp == "bad" {
		return sfu.ErrBadSDP
	}
	p.events <- "offer " + sdp
	p.send(sfu.Outbound{Type: "answer", PC: "up", SDP: "answer to " + sdp})
	return nil
}

func (p *fakePeer) Answer(sdp string) error { p.events <- "answer " + sdp; return nil }

func (p *fakePeer) AddCandidate(pc string, c webrtc.ICECandidateInit) error {
	p.events <- "candidate " + pc + " " + c.Candidate
	return nil
}

func (p *fakePeer) SetAudioMuted(muted bool) {
	p.events <- map[bool]string{true: "audio muted", false: "audio on"}[muted]
}

func (p *fakePeer) RequestKeyframe() { p.events <- "keyframe" }
func (p *fakePeer) Close()           { p.events <- "close" }

// expect waits for the next event of the peer.
func (p *fakePeer) expect(t *testing.T, want string) {
	t.Helper()
	select {
	case got := <-p.events:
		if got != want {
			t.Fatalf("peer %s: event %q, want %q", p.id, got, want)
		}
	case <-time.After(readTimeout):
		t.Fatalf("peer %s: no event, want %q", p.id, want)
	}
}

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
	e := &env{t: t, media: &fakeMedia{}, spec: spec, logs: &syncBuffer{}}
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
		},
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
	Code         string                   `json:"code"`
	Message      string                   `json:"message"`
	RefType      string                   `json:"ref_type"`
	Reason       string                   `json:"reason"`
	Opens        time.Time                `json:"opens"`
	URL          string                   `json:"url"`
	PC           string                   `json:"pc"`
	SDP          string                   `json:"sdp"`
	Candidate    *webrtc.ICECandidateInit `json:"candidate"`
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
