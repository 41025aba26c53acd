package signaling

import (
	"testing"

	"github.com/gorilla/websocket"
)

// presenting is a state test: id presents track ("" for nobody).
func presenting(id, track string) func(wire) bool {
	return func(w wire) bool {
		if id == "" {
			return w.Presenter == nil
		}
		return w.Presenter != nil && w.Presenter.ID == id && w.Presenter.Track == track
	}
}

func (c *client) expectError(code, refType string) {
	c.t.Helper()
	if w := c.next("error"); w.Code != code || w.RefType != refType {
		c.t.Fatalf("error %+v, want %s for %s", w, code, refType)
	}
}

// TestPresentOneAtATime: guests present only when a host allowed them and
// nobody else presents; a host takes over; only hosts stop someone
// else's presentation; everyone sees who presents which track.
func TestPresentOneAtATime(t *testing.T) {
	e := newEnv(t, testSpec())
	h := e.join("host", "Host")
	g1 := e.join("guest", "Gus")
	g2 := e.join("guest", "Gil")
	start := func(c *client, track string) {
		c.send(map[string]any{"type": "present", "action": "start", "track": track})
	}
	stop := func(c *client, id string) {
		msg := map[string]any{"type": "present", "action": "stop"}
		if id != "" {
			msg["id"] = id
		}
		c.send(msg)
	}
	allow := func(id string, allowed bool) {
		h.send(map[string]any{"type": "allow_present", "id": id, "allowed": allowed})
	}
	s := g1.waitState(func(w wire) bool { return len(w.Participants) == 3 })
	if !s.participant(h.welcome.ID).CanPresent || s.participant(g1.welcome.ID).CanPresent || s.Presenter != nil {
		t.Fatalf("at the start: %+v, presenter %+v", s.Participants, s.Presenter)
	}

	start(g1, "screen-1")
	g1.expectError(codeForbidden, "present")
	g1.send(map[string]any{"type": "allow_present", "id": g1.welcome.ID, "allowed": true})
	g1.expectError(codeForbidden, "allow_present")

	allow(g1.welcome.ID, true)
	s = g2.waitState(func(w wire) bool { return w.participant(g1.welcome.ID).CanPresent })
	if s.participant(g2.welcome.ID).CanPresent {
		t.Fatal("allowing one guest allowed another")
	}
	start(g1, "screen-1")
	for _, c := range []*client{h, g1, g2} {
		c.waitState(presenting(g1.welcome.ID, "screen-1"))
	}

	// A second allowed guest waits for the stage; a host takes it.
	allow(g2.welcome.ID, true)
	g2.waitState(func(w wire) bool { return w.participant(g2.welcome.ID).CanPresent })
	start(g2, "screen-2")
	g2.expectError(codeBusy, "present")
	start(h, "host-screen")
	g1.waitState(presenting(h.welcome.ID, "host-screen"))

	// Stopping what one no longer shows is nothing; a guest cannot stop
	// a host; the host stops their own.
	stop(g1, "")
	stop(g2, h.welcome.ID)
	g2.expectError(codeForbidden, "present")
	stop(h, "")
	g1.waitState(presenting("", ""))

	// The host stops a guest's presentation.
	start(g2, "screen-2")
	g1.waitState(presenting(g2.welcome.ID, "screen-2"))
	stop(h, "nobody")
	h.expectError(codeNotFound, "present")
	stop(h, g2.welcome.ID)
	g2.waitState(presenting("", ""))
}

// TestPresentationEnds when its presenter may no longer present, leaves,
// or is removed.
func TestPresentationEnds(t *testing.T) {
	e := newEnv(t, testSpec())
	h := e.join("host", "Host")
	g := e.join("guest", "Gus")
	allow := func(allowed bool) {
		h.send(map[string]any{"type": "allow_present", "id": g.welcome.ID, "allowed": allowed})
	}
	present := func(c *client, track string) {
		c.send(map[string]any{"type": "present", "action": "start", "track": track})
		h.waitState(presenting(c.welcome.ID, track))
	}

	allow(true)
	g.waitState(func(w wire) bool { return w.participant(g.welcome.ID).CanPresent })
	present(g, "screen")
	allow(false)
	s := g.waitState(presenting("", ""))
	if s.participant(g.welcome.ID).CanPresent {
		t.Fatalf("still allowed: %+v", s.participant(g.welcome.ID))
	}

	// The guest presents only once it has heard it may: its message and
	// the host's travel on different connections.
	allow(true)
	g.waitState(func(w wire) bool { return w.participant(g.welcome.ID).CanPresent })
	present(g, "screen")
	h.send(map[string]any{"type": "remove", "id": g.welcome.ID})
	g.expectClosed(ReasonRemoved, websocket.CloseNormalClosure)
	h.waitState(func(w wire) bool { return !w.has(g.welcome.ID) && w.Presenter == nil })

	h2 := e.join("host", "Second host")
	present(h2, "screen-h2")
	h2.send(map[string]any{"type": "leave"})
	h2.expectClosed(ReasonLeft, websocket.CloseNormalClosure)
	h.waitState(func(w wire) bool { return !w.has(h2.welcome.ID) && w.Presenter == nil })
}

// TestViewReachesThePeer: the client's view goes to its media peer as it
// came; from the lobby it is not_joined.
func TestViewReachesThePeer(t *testing.T) {
	e := newEnv(t, lobbySpec())
	h := e.join("host", "Host")
	peer := e.media.room(0).peer(h.welcome.ID)
	h.send(map[string]any{"type": "view", "tracks": []map[string]any{
		{"track": "cam-a", "width": 640, "height": 360}, {"track": "screen-b", "width": 1920, "height": 1080}}})
	peer.expect(t, "view [{cam-a 640 360} {screen-b 1920 1080}]")
	w := e.join("guest", "Waiting")
	w.send(map[string]any{"type": "view", "tracks": []map[string]any{}})
	w.expectError(codeNotJoined, "view")
}
