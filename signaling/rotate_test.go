package signaling

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"strings"
	"testing"
)

// Resume secrets rotate (signaling/resume.go): every welcome hands out a
// new one, and the one a resume came with ends once the client shows it
// has the new one: its first ping, or a resume with the new one.

// dropped closes c's connection as a network loss would and waits until
// the host h no longer sees the participant id.
func dropped(h, c *client, id string) {
	c.t.Helper()
	c.ws.Close()
	h.waitState(func(w wire) bool { return !w.has(id) })
}

// droppedGuest opens a lobby meeting (with config, when not nil), has
// the host admit a guest and the guest's network drop: the env, the host,
// the guest's id and its first resume secret.
func droppedGuest(t *testing.T, config func(*Config)) (e *env, h *client, id, secret string) {
	t.Helper()
	spec := testSpec()
	spec.Lobby = true
	e = newEnvConfig(t, spec, config)
	h = e.join("host", "Chair")
	g := e.admitted(h, "Gast")
	id, secret = g.welcome.ID, g.welcome.Resume
	dropped(h, g, id)
	return e, h, id, secret
}

// fresh fails unless c's welcome is a fresh join rather than the
// participant id resumed: a waiter with an id and a secret of its own.
func fresh(t *testing.T, c *client, id string, secrets ...string) {
	t.Helper()
	w := c.welcome
	if w.ID == id || w.State != "lobby" {
		t.Fatalf("welcome %+v, want a fresh waiter, not %s", w, id)
	}
	for _, s := range secrets {
		if w.Resume == s {
			t.Fatalf("a fresh waiter got an old secret back: %+v", w)
		}
	}
}

// A guest who resumes gets a new secret every time. Once the client has
// pinged on its new connection (it has the welcome), the secret it came
// with is refused as any unknown secret is (a fresh join: the lobby) and
// does not touch the guest's live connection; the newest still works.
func TestResumeRotatesTheSecret(t *testing.T) {
	e, h, G, s1 := droppedGuest(t, nil)
	g2 := e.rejoin("guest", "Gast", s1)
	s2 := g2.welcome.Resume
	if g2.welcome.ID != G || g2.welcome.State != "joined" || s2 == "" || s2 == s1 {
		t.Fatalf("first resume: %+v, want %s joined with a new secret", g2.welcome, G)
	}
	g2.send(map[string]any{"type": "ping"})
	g2.next("pong")

	// Someone who learnt the first secret: a stranger in the lobby, and
	// the guest stays in the meeting on its connection.
	thief := e.rejoin("guest", "Gast", s1)
	fresh(t, thief, G, s1, s2)
	T := thief.welcome.ID
	g2.send(map[string]any{"type": "hand", "raised": true})
	s := h.waitState(func(w wire) bool { return queueIs(G)(w) && len(lobbyIDs(w)) == 1 })
	if lobbyIDs(s)[0] != T {
		t.Fatalf("lobby %v, want only the stranger %s", lobbyIDs(s), T)
	}

	// The newest secret brings the guest back, with a third one.
	dropped(h, g2, G)
	g3 := e.rejoin("guest", "Gast", s2)
	if s3 := g3.welcome.Resume; g3.welcome.ID != G || g3.welcome.State != "joined" || s3 == "" || s3 == s1 || s3 == s2 {
		t.Fatalf("second resume: %+v, want %s joined with a third secret", g3.welcome, G)
	}
}

// The welcome with the new secret may be lost in the drop the client
// reconnects from (it never pings on that connection): the secret it
// came with still brings it back, whether the server noticed the drop
// yet or not, and the unused secret ends. Once the client resumed with a
// newer one, the old one is over.
func TestResumeAfterALostWelcome(t *testing.T) {
	e, h, G, s1 := droppedGuest(t, nil)

	// Its welcome never reached the client, and the server does not know
	// yet that this connection is dead.
	lost := e.rejoin("guest", "Gast", s1)
	if lost.welcome.ID != G || lost.welcome.Resume == s1 {
		t.Fatalf("resume: %+v", lost.welcome)
	}
	unused := lost.welcome.Resume
	again := e.rejoin("guest", "Gast", s1)
	lost.gone()
	s3 := again.welcome.Resume
	if again.welcome.ID != G || again.welcome.State != "joined" || s3 == s1 || s3 == unused {
		t.Fatalf("resume with the secret the lost welcome followed: %+v", again.welcome)
	}
	// Lost again, this time with the drop noticed.
	dropped(h, again, G)
	last := e.rejoin("guest", "Gast", s1)
	if last.welcome.ID != G || last.welcome.State != "joined" {
		t.Fatalf("second resume after a lost welcome: %+v", last.welcome)
	}
	s4 := last.welcome.Resume
	dropped(h, last, G)

	// The secrets whose welcomes were lost are over.
	fresh(t, e.rejoin("guest", "Gast", unused), G)
	fresh(t, e.rejoin("guest", "Gast", s3), G)
	// Used once, the newest ends the one before it.
	back := e.rejoin("guest", "Gast", s4)
	if back.welcome.ID != G || back.welcome.State != "joined" {
		t.Fatalf("the newest secret: %+v", back.welcome)
	}
	dropped(h, back, G)
	fresh(t, e.rejoin("guest", "Gast", s1), G)
}

// A meeting that opens again from its memo (its hub shut down; a new hub
// with the same memory, as on another node) knows only the newest
// secret of a guest whose client had it, as a hash: the older ones are
// refused, the newest brings the guest back. A guest whose welcome was
// lost just before the shutdown comes back with the secret it had.
func TestReopenedMeetingTakesTheNewestSecret(t *testing.T) {
	mem := newFakeMemory()
	withMemory := func(c *Config) { c.Memory = mem }
	e1, h, G, s1 := droppedGuest(t, withMemory)
	g2 := e1.rejoin("guest", "Gast", s1)
	s2 := g2.welcome.Resume
	dropped(h, g2, G)
	g3 := e1.rejoin("guest", "Gast", s2)
	s3 := g3.welcome.Resume
	g3.send(map[string]any{"type": "ping"})
	g3.next("pong")
	k := e1.admitted(h, "Kai")
	K, k1 := k.welcome.ID, k.welcome.Resume
	dropped(h, k, K)
	if lost := e1.rejoin("guest", "Kai", k1); lost.welcome.ID != K {
		t.Fatalf("Kai's resume: %+v", lost.welcome)
	}

	e1.hub.Close()
	g3.expectClosed(ReasonShutdown, 1001)
	mem.mu.Lock()
	all, _ := json.Marshal(mem.saved)
	memo := mem.memos[e1.spec.ID]
	mem.mu.Unlock()
	var pm *ParticipantMemo
	for i := range memo.Participants {
		if memo.Participants[i].ID == G {
			pm = &memo.Participants[i]
		}
	}
	h3 := sha256.Sum256([]byte(s3))
	if pm == nil || !bytes.Equal(pm.SecretHash, h3[:]) || len(pm.PrevSecretHash) != 0 {
		t.Fatalf("the guest's memo %+v, want the hash of the newest secret alone", pm)
	}
	for _, s := range []string{s1, s2, s3} {
		if strings.Contains(string(all), s) {
			t.Fatal("a memo holds a resume secret itself")
		}
	}

	e2 := newEnvConfig(t, e1.spec, withMemory)
	fresh(t, e2.rejoin("guest", "Gast", s1), G, s1)
	fresh(t, e2.rejoin("guest", "Gast", s2), G, s2)
	back := e2.rejoin("guest", "Gast", s3)
	if back.welcome.ID != G || back.welcome.State != "joined" || back.welcome.Resume == s3 {
		t.Fatalf("the newest secret after the reopen: %+v", back.welcome)
	}
	if kai := e2.rejoin("guest", "Kai", k1); kai.welcome.ID != K || kai.welcome.State != "joined" {
		t.Fatalf("Kai after the reopen, with the secret before the lost welcome: %+v", kai.welcome)
	}
}
