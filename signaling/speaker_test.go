package signaling

import (
	"testing"
	"time"

	"github.com/kogge-project/kogge/signaling/sfu"
)

// nextSpeaker is the next name Hooks.Speaker hears.
func (e *env) nextSpeaker() string {
	e.t.Helper()
	select {
	case name := <-e.speakers:
		return name
	case <-time.After(readTimeout):
		e.t.Fatal("Hooks.Speaker heard nothing")
		return ""
	}
}

// TestActiveSpeakerReachesTheHook: in a meeting that publishes its queue
// (a council session) the SFU's active speaker reaches Hooks.Speaker by
// name, once per change however many subscribers the SFU told; the
// meeting's info has it; the speaker leaving makes it nobody, as does
// the SFU's "".
func TestActiveSpeakerReachesTheHook(t *testing.T) {
	spec := testSpec()
	spec.PublishQueue = true
	e := newEnv(t, spec)
	h := e.join("host", "Chair")
	a := e.join("guest", "Alice")
	b := e.join("guest", "Bob")
	room := e.media.room(0)
	// The SFU tells every subscriber; each tells the meeting.
	announce := func(id string) {
		for _, c := range []*client{h, a, b} {
			if p := room.peer(c.welcome.ID); p != nil {
				p.send(sfu.Outbound{Type: "active_speaker", ID: id})
			}
		}
	}
	announce(a.welcome.ID)
	if got := e.nextSpeaker(); got != "Alice" {
		t.Fatalf("speaker %q, want Alice", got)
	}
	if w := b.next("active_speaker"); w.ID != a.welcome.ID {
		t.Fatalf("Bob's page heard %+v", w)
	}
	if mi, ok := e.hub.Meeting(spec.ID); !ok || mi.Speaker != "Alice" {
		t.Fatalf("meeting info %+v", mi)
	}
	announce(b.welcome.ID)
	if got := e.nextSpeaker(); got != "Bob" {
		t.Fatalf("speaker %q, want Bob", got)
	}
	b.ws.Close() // the speaker leaves: nobody speaks
	if got := e.nextSpeaker(); got != "" {
		t.Fatalf("speaker %q after Bob left, want nobody", got)
	}
	announce(a.welcome.ID)
	if got := e.nextSpeaker(); got != "Alice" {
		t.Fatalf("speaker %q, want Alice", got)
	}
	announce("")
	if got := e.nextSpeaker(); got != "" {
		t.Fatalf("speaker %q, want nobody", got)
	}
	select {
	case name := <-e.speakers:
		t.Fatalf("a change heard once per subscriber: %q again", name)
	default:
	}
}

// TestActiveSpeakerStaysInOrdinaryMeetings: a meeting that does not
// publish its queue keeps its speaker to itself.
func TestActiveSpeakerStaysInOrdinaryMeetings(t *testing.T) {
	e := newEnv(t, testSpec())
	h := e.join("host", "Chair")
	a := e.join("guest", "Alice")
	e.media.room(0).peer(h.welcome.ID).send(sfu.Outbound{Type: "active_speaker", ID: a.welcome.ID})
	if w := h.next("active_speaker"); w.ID != a.welcome.ID {
		t.Fatalf("host's page heard %+v", w)
	}
	if mi, _ := e.hub.Meeting(testSpec().ID); mi.Speaker != "Alice" {
		t.Fatalf("meeting info %+v", mi)
	}
	select {
	case name := <-e.speakers:
		t.Fatalf("an ordinary meeting published its speaker %q", name)
	default:
	}
}
