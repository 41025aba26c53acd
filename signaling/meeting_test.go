package signaling

import (
	"slices"
	"strings"
	"testing"

	"github.com/gorilla/websocket"
)

func lobbySpec() MeetingSpec {
	s := testSpec()
	s.Lobby = true
	return s
}

func inLobby(ids ...string) func(wire) bool {
	return func(w wire) bool {
		if len(w.Lobby) != len(ids) {
			return false
		}
		for i, id := range ids {
			if w.Lobby[i].ID != id {
				return false
			}
		}
		return true
	}
}

func TestLobbyAdmitAndDeny(t *testing.T) {
	e := newEnv(t, lobbySpec())
	h := e.join("host", "Host")
	g1 := e.join("cand", "Cara")
	g2 := e.join("guest", "Gus")
	g3 := e.join("guest", "Gil")
	for _, g := range []*client{g1, g2, g3} {
		if g.welcome.State != "lobby" || g.welcome.Role != RoleGuest {
			t.Fatalf("guest welcome %+v", g.welcome)
		}
	}
	s := h.waitState(inLobby(g1.welcome.ID, g2.welcome.ID, g3.welcome.ID))
	if s.Lobby[0].Candidate != "slot 3" || s.Lobby[0].Name != "Cara" || s.Lobby[0].Since.IsZero() {
		t.Fatalf("lobby entry %+v", s.Lobby[0])
	}
	room := e.media.room(0)
	if room.peer(g1.welcome.ID) != nil {
		t.Fatal("media started in the lobby")
	}

	h.send(map[string]any{"type": "admit", "id": g1.welcome.ID})
	if w := g1.read(); w.Type != "admitted" {
		t.Fatalf("after admit %+v", w)
	}
	if w := g1.read(); w.Type != "offer" || w.PC != "down" {
		t.Fatalf("after admitted %+v, want the down offer", w)
	}
	s = g1.next("state")
	if !s.has(g1.welcome.ID) || s.Lobby != nil || s.participant(g1.welcome.ID).Candidate != "" {
		t.Fatalf("guest state %+v", s)
	}
	if room.peer(g1.welcome.ID) == nil {
		t.Fatal("no media after admission")
	}
	s = h.waitState(inLobby(g2.welcome.ID, g3.welcome.ID))
	if s.participant(g1.welcome.ID).Candidate != "slot 3" {
		t.Fatalf("host does not see the candidate: %+v", s.Participants)
	}

	h.send(map[string]any{"type": "deny", "id": g2.welcome.ID, "reason": "Wrong room, sorry"})
	w := g2.expectClosed(ReasonDenied, websocket.CloseNormalClosure)
	if w.Message != "Wrong room, sorry" {
		t.Fatalf("deny message %q", w.Message)
	}
	h.waitState(inLobby(g3.welcome.ID))

	h.send(map[string]any{"type": "admit", "all": true})
	g3.next("admitted")
	h.waitState(func(w wire) bool { return len(w.Lobby) == 0 && len(w.Participants) == 3 })

	h.send(map[string]any{"type": "admit", "id": "nobody"})
	if w := h.next("error"); w.Code != codeNotFound {
		t.Fatalf("admit unknown: %+v", w)
	}
	audits := strings.Join(e.auditLog(), "\n")
	for _, want := range []string{"Host (host) admit Cara (guest)", "Host (host) deny Gus (guest)", "Host (host) admit Gil (guest)"} {
		if !strings.Contains(audits, want) {
			t.Errorf("audit lacks %q:\n%s", want, audits)
		}
	}
}

func TestLobbyWaiterSeesNothing(t *testing.T) {
	e := newEnv(t, lobbySpec())
	h := e.join("host", "Host")
	g := e.join("guest", "Gus")
	g.send(map[string]any{"type": "hand", "raised": true})
	if w := g.read(); w.Type != "error" || w.Code != codeNotJoined {
		t.Fatalf("lobby waiter got %+v, want not_joined (and no state)", w)
	}
	g.send(map[string]any{"type": "offer", "pc": "up", "sdp": "v=0"})
	if w := g.read(); w.Type != "error" || w.Code != codeNotJoined {
		t.Fatalf("lobby offer: %+v", w)
	}
	g.send(map[string]any{"type": "leave"})
	g.expectClosed(ReasonLeft, websocket.CloseNormalClosure)
	h.waitState(inLobby())
}

func TestReconnectGoesThroughLobby(t *testing.T) {
	e := newEnv(t, lobbySpec())
	h := e.join("host", "Host")
	g := e.join("guest", "Gus")
	h.send(map[string]any{"type": "admit", "id": g.welcome.ID})
	g.next("admitted")
	h.waitState(func(w wire) bool { return w.has(g.welcome.ID) })
	g.ws.Close() // network drop
	h.waitState(func(w wire) bool { return !w.has(g.welcome.ID) })
	g2 := e.join("guest", "Gus")
	if g2.welcome.State != "lobby" || g2.welcome.ID == g.welcome.ID {
		t.Fatalf("reconnect welcome %+v", g2.welcome)
	}
	h.waitState(inLobby(g2.welcome.ID))
}

func TestHostMute(t *testing.T) {
	e := newEnv(t, testSpec())
	h := e.join("host", "Host")
	g := e.join("guest", "Gus")
	peer := e.media.room(0).peer(g.welcome.ID)
	h.send(map[string]any{"type": "host_mute", "id": g.welcome.ID})
	g.next("mute_request")
	peer.expect(t, "audio muted")
	h.waitState(func(w wire) bool { return w.participant(g.welcome.ID).Muted })
	g.send(map[string]any{"type": "mute", "muted": false})
	peer.expect(t, "audio on")
	h.waitState(func(w wire) bool { return !w.participant(g.welcome.ID).Muted })
	if !slices.ContainsFunc(e.auditLog(), func(s string) bool { return strings.HasPrefix(s, "Host (host) host_mute Gus") }) {
		t.Fatalf("audit %v", e.auditLog())
	}
}

func TestMediaRelay(t *testing.T) {
	e := newEnv(t, testSpec())
	g := e.join("guest", "Gus")
	peer := e.media.room(0).peer(g.welcome.ID)
	g.send(map[string]any{"type": "offer", "pc": "up", "sdp": "v=0 up"})
	peer.expect(t, "offer v=0 up")
	if w := g.next("answer"); w.PC != "up" || w.SDP != "answer to v=0 up" {
		t.Fatalf("answer %+v", w)
	}
	g.send(map[string]any{"type": "answer", "pc": "down", "sdp": "v=0 down"})
	peer.expect(t, "answer v=0 down")
	g.send(map[string]any{"type": "candidate", "pc": "down", "candidate": map[string]any{"candidate": "candidate:1 1 udp 1 10.0.0.1 5000 typ host", "sdpMid": "0", "sdpMLineIndex": 0}})
	peer.expect(t, "candidate down candidate:1 1 udp 1 10.0.0.1 5000 typ host")
	g.send(map[string]any{"type": "keyframe"})
	peer.expect(t, "keyframe")
	g.send(map[string]any{"type": "leave"})
	peer.expect(t, "close")
	g.expectClosed(ReasonLeft, websocket.CloseNormalClosure)
}

func TestRemove(t *testing.T) {
	e := newEnv(t, testSpec())
	h := e.join("host", "Host")
	g := e.join("guest", "Gus")
	h.waitState(func(w wire) bool { return w.has(g.welcome.ID) })
	h.send(map[string]any{"type": "remove", "id": g.welcome.ID, "reason": "Disturbing the session"})
	w := g.expectClosed(ReasonRemoved, websocket.CloseNormalClosure)
	if w.Message != "Disturbing the session" {
		t.Fatalf("message %q", w.Message)
	}
	h.waitState(func(w wire) bool { return !w.has(g.welcome.ID) })
	e.media.room(0).peer(g.welcome.ID).expect(t, "close")
}

func TestLock(t *testing.T) {
	e := newEnv(t, lobbySpec())
	h := e.join("host", "Host")
	waiting := e.join("guest", "Early")
	h.waitState(inLobby(waiting.welcome.ID))
	h.send(map[string]any{"type": "lock", "locked": true})
	h.waitState(func(w wire) bool { return w.Locked })
	e.connect("guest", "Late").expectClosed(ReasonLocked, websocket.CloseTryAgainLater)
	h2 := e.join("host", "Second host")
	if h2.welcome.State != "joined" {
		t.Fatalf("host locked out: %+v", h2.welcome)
	}
	s := h.waitState(func(w wire) bool { return len(w.Participants) == 2 })
	if !inLobby(waiting.welcome.ID)(s) {
		t.Fatalf("lobby after lock %+v", s.Lobby)
	}
	h.send(map[string]any{"type": "admit", "id": waiting.welcome.ID})
	waiting.next("admitted")
	h.send(map[string]any{"type": "lock", "locked": false})
	h.waitState(func(w wire) bool { return !w.Locked })
	e.join("guest", "Later")
}

func TestEndForAll(t *testing.T) {
	e := newEnv(t, lobbySpec())
	h := e.join("host", "Host")
	g := e.join("host", "Other host")
	w := e.join("guest", "Waiting")
	h.waitState(inLobby(w.welcome.ID))
	h.send(map[string]any{"type": "end"})
	for _, c := range []*client{h, g, w} {
		c.expectClosed(ReasonEnded, websocket.CloseNormalClosure)
	}
	<-e.media.room(0).closed
	if n := len(e.hub.Meetings()); n != 0 {
		t.Fatalf("%d meetings open", n)
	}
	// The meeting stays ended until its closing time.
	e.connect("host", "Host").expectClosed(ReasonEnded, websocket.CloseNormalClosure)
	if n := len(e.hub.Meetings()); n != 0 {
		t.Fatalf("%d meetings open", n)
	}
}

// A join whose Authorize passed before the meeting ended arrives after the
// end: it must not open the meeting anew.
func TestJoinAfterEndStaysEnded(t *testing.T) {
	e := newEnv(t, testSpec())
	release := make(chan struct{})
	e.auth.gate = map[string]chan struct{}{"late": release}
	e.auth.entered = make(chan string, 1)
	e.auth.set("late", Ticket{Meeting: testSpec(), Role: RoleGuest})
	h := e.join("host", "Host")
	late := e.connect("late", "Late") // Authorize has passed, waits at the gate
	<-e.auth.entered
	h.send(map[string]any{"type": "end"})
	h.expectClosed(ReasonEnded, websocket.CloseNormalClosure)
	<-e.media.room(0).closed
	close(release)
	late.expectClosed(ReasonEnded, websocket.CloseNormalClosure)
	if n := len(e.hub.Meetings()); n != 0 {
		t.Fatalf("%d meetings open", n)
	}
	// Shutdown is not an end: Hub.Close leaves no marker behind (a
	// restart opens the meeting again), checked on a fresh hub below.
	e2 := newEnv(t, testSpec())
	e2.join("host", "Host")
	e2.hub.End("m1", ReasonShutdown)
	e2.join("host", "Host again")
}

func TestHubEndAndUpdate(t *testing.T) {
	e := newEnv(t, testSpec())
	h := e.join("host", "Host")
	spec := testSpec()
	spec.Title = "Council (moved)"
	e.hub.Update(spec)
	h.waitState(func(w wire) bool { return w.Meeting.Title == "Council (moved)" })
	e.hub.Update(MeetingSpec{ID: "not open"})
	e.hub.End("not open", ReasonEnded)
	e.hub.End("m1", ReasonEnded)
	h.expectClosed(ReasonEnded, websocket.CloseNormalClosure)
}

func TestLimit(t *testing.T) {
	spec := testSpec()
	spec.Limit = 2
	e := newEnv(t, spec)
	e.join("host", "Host")
	e.join("guest", "One")
	e.connect("guest", "Two").expectClosed(ReasonFull, websocket.CloseTryAgainLater)
	e.connect("host", "Host 2").expectClosed(ReasonFull, websocket.CloseTryAgainLater)
}

func TestLimitWithLobby(t *testing.T) {
	spec := lobbySpec()
	spec.Limit = 1
	e := newEnv(t, spec)
	h := e.join("host", "Host")
	w1 := e.join("guest", "One")
	w2 := e.join("guest", "Two")
	// Waiters do not count against the limit: a third still waits.
	w3 := e.join("guest", "Three")
	h.waitState(inLobby(w1.welcome.ID, w2.welcome.ID, w3.welcome.ID))
	h.send(map[string]any{"type": "admit", "id": w1.welcome.ID})
	if w := h.next("error"); w.Code != codeFull || w.RefType != "admit" {
		t.Fatalf("admit over the limit: %+v", w)
	}
	h.send(map[string]any{"type": "admit", "all": true})
	if w := h.next("error"); w.Code != codeFull {
		t.Fatalf("admit all over the limit: %+v", w)
	}
	h.waitState(inLobby(w1.welcome.ID, w2.welcome.ID, w3.welcome.ID))
}
