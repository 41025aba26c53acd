package signaling

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/kogge-project/kogge/signaling/sfu"
)

// fakeAuth hands out tickets by token; anything else is an error that
// carries the token (which must never reach the client or the log).
type fakeAuth struct {
	mu      sync.Mutex
	tickets map[string]Ticket
	errs    map[string]error
	pins    []string
	gate    map[string]chan struct{} // Authorize of that token waits for it
	entered chan string              // told each gated token that waits
}

func (a *fakeAuth) Authorize(ctx context.Context, req JoinRequest) (Ticket, error) {
	a.mu.Lock()
	gate := a.gate[req.Token]
	a.mu.Unlock()
	a.mu.Lock()
	defer a.mu.Unlock()
	a.pins = append(a.pins, req.PIN)
	if gate != nil {
		// The ticket is decided now; it reaches the hub when the gate
		// opens (an Authorize that passed just before an end).
		t := a.tickets[req.Token]
		a.mu.Unlock()
		a.entered <- req.Token
		<-gate
		a.mu.Lock()
		return t, nil
	}
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
	// block, if set, holds every Peer and Room Close until it is closed
	// (a pion that hangs).
	block chan struct{}
}

func (f *fakeMedia) NewRoom(id string, log *slog.Logger) MediaRoom {
	f.mu.Lock()
	defer f.mu.Unlock()
	r := &fakeRoom{id: id, peers: make(map[string]*fakePeer), closed: make(chan struct{}), block: f.block}
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
	block  chan struct{}
}

func (r *fakeRoom) Join(id string, send func(sfu.Outbound)) (MediaPeer, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	p := &fakePeer{id: id, send: send, events: make(chan string, 1000), block: r.block}
	r.peers[id] = p
	// Like the SFU, offer the down connection at once: it must still
	// reach the client after welcome/admitted.
	send(sfu.Outbound{Type: "offer", PC: "down", SDP: "down offer"})
	return p, nil
}

func (r *fakeRoom) Close() {
	if r.block != nil {
		<-r.block
	}
	r.once.Do(func() { close(r.closed) })
}

func (r *fakeRoom) peer(id string) *fakePeer {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.peers[id]
}

type fakePeer struct {
	id     string
	send   func(sfu.Outbound)
	events chan string
	block  chan struct{}
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

// SetView makes the fake take views, as the SFU does.
func (p *fakePeer) SetView(views []sfu.View) { p.events <- fmt.Sprintf("view %v", views) }
func (p *fakePeer) Close() {
	if p.block != nil {
		<-p.block
	}
	p.events <- "close"
}

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
