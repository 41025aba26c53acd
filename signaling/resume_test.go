package signaling

import (
	"encoding/json"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// rejoin connects with the resume secret of an earlier welcome and reads
// the welcome (and the down offer when joined).
func (e *env) rejoin(token, name, secret string) *client {
	e.t.Helper()
	ws, _, err := e.dial(testOrigin)
	if err != nil {
		e.t.Fatalf("dial: %v", err)
	}
	c := &client{t: e.t, ws: ws}
	e.t.Cleanup(func() { ws.Close() })
	c.send(map[string]any{"type": "hello", "version": 1, "token": token, "name": name, "resume": secret})
	c.welcome = c.next("welcome")
	if c.welcome.State == "joined" {
		if w := c.read(); w.Type != "offer" || w.PC != "down" {
			e.t.Fatalf("after welcome %+v, want the down offer", w)
		}
	}
	return c
}

// admitted joins a guest through the lobby: the host h lets them in.
func (e *env) admitted(h *client, name string) *client {
	e.t.Helper()
	g := e.join("guest", name)
	if g.welcome.State != "lobby" {
		e.t.Fatalf("%s: welcome %+v, want the lobby", name, g.welcome)
	}
	h.send(map[string]any{"type": "admit", "id": g.welcome.ID})
	g.next("admitted")
	return g
}

// gone waits until the server has closed the connection (no goodbye).
func (c *client) gone() {
	c.t.Helper()
	_ = c.ws.SetReadDeadline(time.Now().Add(readTimeout))
	for {
		if _, _, err := c.ws.ReadMessage(); err != nil {
			if strings.Contains(err.Error(), "timeout") {
				c.t.Fatal("the replaced connection stayed open")
			}
			return
		}
	}
}

func lobbyIDs(w wire) []string {
	ids := []string{}
	for _, l := range w.Lobby {
		ids = append(ids, l.ID)
	}
	return ids
}

// A guest's connection drops while their hand is up and a host has let
// them present: they come back with the same id, without the lobby,
// with their hand at its old place in the speaker queue and still
// allowed to present, and with a new secret. A second connection with
// that secret replaces the first, which then no longer speaks for the
// guest.
func TestResumeKeepsAdmissionHandAndPresenting(t *testing.T) {
	spec := testSpec()
	spec.Lobby = true
	e := newEnv(t, spec)
	h := e.join("host", "Chair")
	a, b, c := e.admitted(h, "Alice"), e.admitted(h, "Bob"), e.admitted(h, "Carl")
	A, B, C := a.welcome.ID, b.welcome.ID, c.welcome.ID
	if b.welcome.Resume == "" || b.welcome.Resume == a.welcome.Resume {
		t.Fatalf("resume secrets %q, %q", a.welcome.Resume, b.welcome.Resume)
	}
	for i, g := range []*client{a, b, c} {
		g.send(map[string]any{"type": "hand", "raised": true})
		h.waitState(queueIs([]string{A, B, C}[:i+1]...))
	}
	h.send(map[string]any{"type": "allow_present", "id": B, "allowed": true})
	h.waitState(func(w wire) bool { return w.participant(B).CanPresent })

	b.ws.Close() // the network goes
	h.waitState(func(w wire) bool { return !w.has(B) && queueIs(A, C)(w) })
	b2 := e.rejoin("guest", "Bob", b.welcome.Resume)
	if b2.welcome.ID != B || b2.welcome.State != "joined" || b2.welcome.Resume == "" || b2.welcome.Resume == b.welcome.Resume {
		t.Fatalf("resumed welcome %+v, want %s joined with a new secret", b2.welcome, B)
	}
	s := h.waitState(queueIs(A, B, C))
	if p := s.participant(B); !p.Hand || !p.CanPresent || p.Name != "Bob" {
		t.Fatalf("resumed participant %+v", p)
	}

	// The client saw the network go before the server did.
	b3 := e.rejoin("guest", "Bob", b2.welcome.Resume)
	if b3.welcome.ID != B || b3.welcome.State != "joined" {
		t.Fatalf("replacing welcome %+v", b3.welcome)
	}
	b2.gone()
	b3.send(map[string]any{"type": "hand", "raised": false})
	// The replacement passes through a state without B (the old
	// connection went away); wait for the one after the lowered hand.
	s = h.waitState(func(w wire) bool { return w.has(B) && queueIs(A, C)(w) })
	if !s.participant(B).CanPresent {
		t.Fatalf("after the replacement %+v", s.Participants)
	}
}

// A wrong secret, or the right one with another join link, is a fresh
// join (the lobby for a guest); the right one still works after them. A
// waiter whose connection drops comes back to its old place in the lobby.
func TestResumeNeedsTheSecretAndTheLink(t *testing.T) {
	spec := testSpec()
	spec.Lobby = true
	e := newEnv(t, spec)
	e.auth.set("other", Ticket{Meeting: spec, Role: RoleGuest, Link: "guest:2"})
	h := e.join("host", "Chair")
	g := e.admitted(h, "Gast")
	G, secret := g.welcome.ID, g.welcome.Resume
	g.ws.Close()
	h.waitState(func(w wire) bool { return !w.has(G) })

	wrong := e.rejoin("guest", "Gast", "not-the-secret")
	other := e.rejoin("other", "Gast", secret)
	for _, c := range []*client{wrong, other} {
		if c.welcome.State != "lobby" || c.welcome.ID == G || c.welcome.Resume == secret {
			t.Fatalf("welcome %+v, want a fresh waiter", c.welcome)
		}
	}
	W, O := wrong.welcome.ID, other.welcome.ID
	h.waitState(func(w wire) bool { return reflect.DeepEqual(lobbyIDs(w), []string{W, O}) })
	if back := e.rejoin("guest", "Gast", secret); back.welcome.ID != G || back.welcome.State != "joined" {
		t.Fatalf("the right secret after wrong ones: %+v", back.welcome)
	}

	wrong.ws.Close()
	h.waitState(func(w wire) bool { return reflect.DeepEqual(lobbyIDs(w), []string{O}) })
	again := e.rejoin("guest", "Gast", wrong.welcome.Resume)
	if again.welcome.ID != W || again.welcome.State != "lobby" {
		t.Fatalf("resumed waiter %+v", again.welcome)
	}
	h.waitState(func(w wire) bool { return reflect.DeepEqual(lobbyIDs(w), []string{W, O}) })
}

// fakeMemory is a Memory in a map, as a store shared by nodes would be.
type fakeMemory struct {
	mu     sync.Mutex
	memos  map[string]MeetingMemo
	saved  []MeetingMemo
	forgot chan string
	// ended hears the memos saved with an end mark.
	ended chan MeetingMemo
}

func newFakeMemory() *fakeMemory {
	return &fakeMemory{memos: map[string]MeetingMemo{}, forgot: make(chan string, 4), ended: make(chan MeetingMemo, 4)}
}

func (f *fakeMemory) Load(id string) (MeetingMemo, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	m, ok := f.memos[id]
	return m, ok
}

func (f *fakeMemory) Save(id string, m MeetingMemo) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.memos[id] = m
	f.saved = append(f.saved, m)
	if !m.Ended.IsZero() {
		f.ended <- m
	}
}

func (f *fakeMemory) Forget(id string) {
	f.mu.Lock()
	delete(f.memos, id)
	f.mu.Unlock()
	f.forgot <- id
}

// The node of a meeting goes (its hub shuts down) and the meeting opens
// on a new hub with the same memory, as on another node: host and guest
// come back with their ids, the guest without the lobby, with the hand,
// the leave to present and the lock. The memo never holds a secret
// itself, and ending the meeting leaves only the mark that it ended.
func TestResumeOnANewHubWithTheSameMemory(t *testing.T) {
	spec := testSpec()
	spec.Lobby = true
	mem := newFakeMemory()
	withMemory := func(c *Config) { c.Memory = mem }
	e1 := newEnvConfig(t, spec, withMemory)
	h := e1.join("host", "Chair")
	g := e1.admitted(h, "Gast")
	H, G := h.welcome.ID, g.welcome.ID
	g.send(map[string]any{"type": "hand", "raised": true})
	h.send(map[string]any{"type": "allow_present", "id": G, "allowed": true})
	h.send(map[string]any{"type": "lock", "locked": true})
	h.waitState(func(w wire) bool { return queueIs(G)(w) && w.participant(G).CanPresent && w.Locked })

	e1.hub.Close()
	h.expectClosed(ReasonShutdown, 1001)
	mem.mu.Lock()
	all, _ := json.Marshal(mem.saved)
	memo := mem.memos[spec.ID]
	mem.mu.Unlock()
	if len(memo.Participants) != 2 || !memo.Locked {
		t.Fatalf("memo after the shutdown %+v", memo)
	}
	if strings.Contains(string(all), h.welcome.Resume) || strings.Contains(string(all), g.welcome.Resume) {
		t.Fatal("a memo holds a resume secret itself")
	}

	e2 := newEnvConfig(t, spec, withMemory)
	h2 := e2.rejoin("host", "Chair", h.welcome.Resume)
	g2 := e2.rejoin("guest", "Gast", g.welcome.Resume)
	if h2.welcome.ID != H || g2.welcome.ID != G || g2.welcome.State != "joined" {
		t.Fatalf("after the move: host %+v, guest %+v", h2.welcome, g2.welcome)
	}
	s := h2.waitState(func(w wire) bool { return w.has(G) && queueIs(G)(w) })
	if !s.participant(G).CanPresent || !s.participant(G).Hand || !s.Locked {
		t.Fatalf("state after the move %+v", s)
	}
	if late := e2.connect("guest", "Neu"); late.next("closed").Reason != ReasonLocked {
		t.Fatal("a new guest got into the locked meeting")
	}

	h2.send(map[string]any{"type": "end"})
	h2.expectClosed(ReasonEnded, 1000)
	select {
	case memo := <-mem.ended:
		if len(memo.Participants) != 0 || !memo.Ended.Equal(spec.Closes) {
			t.Fatalf("the ended meeting's memo %+v, want nobody and ended until %v", memo, spec.Closes)
		}
	case <-time.After(readTimeout):
		t.Fatal("the ended meeting's memo does not say it ended")
	}
}

// A meeting a host ended stays ended on every hub that shares its
// memory — another node, or this one after a restart — until its closing
// time: a host's link opens nothing there, and no memo of the
// participants is left to resume. Past the closing time the mark goes.
func TestEndedMeetingStaysEndedOnANewHub(t *testing.T) {
	spec := testSpec()
	mem := newFakeMemory()
	withMemory := func(c *Config) { c.Memory = mem }
	e1 := newEnvConfig(t, spec, withMemory)
	h := e1.join("host", "Chair")
	g := e1.join("guest", "Gast")
	h.send(map[string]any{"type": "end"})
	h.expectClosed(ReasonEnded, 1000)
	g.expectClosed(ReasonEnded, 1000)
	select {
	case <-mem.ended:
	case <-time.After(readTimeout):
		t.Fatal("the end was not remembered")
	}
	e1.hub.Close()

	e2 := newEnvConfig(t, spec, withMemory)
	for _, tok := range []string{"host", "guest"} {
		e2.connect(tok, "Wieder").expectClosed(ReasonEnded, 1000)
		if _, open := e2.hub.Meeting(spec.ID); open {
			t.Fatalf("the ended meeting was opened again by the %s's link", tok)
		}
	}
	if !e2.hub.Ended(spec.ID) {
		t.Fatal("the new hub does not report the meeting ended")
	}

	// Past its closing time the mark means nothing: a meeting with a new
	// closing time (its booking was extended) opens with nobody to resume.
	later := spec
	later.Closes = time.Now().Add(2 * time.Hour)
	mem.mu.Lock()
	mem.memos[spec.ID] = MeetingMemo{Ended: time.Now().Add(-time.Minute)}
	mem.mu.Unlock()
	e3 := newEnvConfig(t, later, withMemory)
	if w := e3.join("host", "Chair").welcome; w.State != "joined" {
		t.Fatalf("after the mark ran out: %+v", w)
	}
}

// A meeting ended here because another node owns it now (End with
// moving, after this node's lease was lost) sends everyone to reconnect
// (1013), is not ended (a join opens it again) and leaves the memo to
// its new owner: neither forgotten nor marked ended.
func TestMovingEndKeepsTheMeetingOpenElsewhere(t *testing.T) {
	spec := testSpec()
	mem := newFakeMemory()
	e := newEnvConfig(t, spec, func(c *Config) { c.Memory = mem })
	h := e.join("host", "Chair")
	g := e.join("guest", "Gast")
	h.waitState(func(w wire) bool { return w.has(g.welcome.ID) })
	// What the new owner wrote meanwhile.
	owners := MeetingMemo{Participants: []ParticipantMemo{{ID: "elsewhere", SecretHash: make([]byte, 32), Admitted: true}}}
	mem.mu.Lock()
	mem.memos[spec.ID] = owners
	mem.mu.Unlock()
	e.hub.End(spec.ID, ReasonMoving)
	h.expectClosed(ReasonMoving, websocket.CloseTryAgainLater)
	g.expectClosed(ReasonMoving, websocket.CloseTryAgainLater)
	if e.hub.Ended(spec.ID) {
		t.Fatal("a meeting that moved is reported ended")
	}
	if back := e.rejoin("host", "Chair", h.welcome.Resume); back.welcome.State != "joined" {
		t.Fatalf("a join after the move: %+v", back.welcome)
	}
	e.hub.Close()
	select {
	case id := <-mem.forgot:
		t.Fatalf("the memo of %s was forgotten", id)
	case memo := <-mem.ended:
		t.Fatalf("the memo was marked ended: %+v", memo)
	default:
	}
}
