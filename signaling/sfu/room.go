package sfu

import (
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/webrtc/v4"
)

// Room forwards media within one meeting.
//
// mu guards the room's membership: peers, published tracks, and each
// peer's closed flag, upTracks and downTracks. It is never held while a
// PeerConnection is closed or while waiting on the network; it is held
// across AddTrack, which only takes pion's own connection lock.
type Room struct {
	e   *Engine
	id  string
	log *slog.Logger

	keyframes   atomic.Uint64
	retransmits atomic.Uint64

	// stop ends the allocation loop (alloc.go), which closes loopDone.
	stop     chan struct{}
	loopDone chan struct{}
	// The active speaker, owned by the allocation loop; speakerID is
	// what Join reads for a newcomer.
	speaker    string
	speakerAt  time.Time
	quietSince time.Time
	speakerID  atomic.Pointer[string]
	// lastReports: when the allocation loop last sent the sender
	// reports (reports.go). Owned by that loop.
	lastReports time.Time

	mu       sync.Mutex
	closed   bool
	peers    map[string]*Peer
	tracks   []*upTrack            // published, in order
	counting map[*upTrack]struct{} // tracks whose forward loop runs
	retired  Stats                 // totals of ended tracks
	// loopStarted: the allocation loop runs (from the first track on).
	loopStarted bool
}

func newRoom(e *Engine, id string, log *slog.Logger) *Room {
	return &Room{
		e: e, id: id, log: log,
		peers:    make(map[string]*Peer),
		counting: make(map[*upTrack]struct{}),
		stop:     make(chan struct{}),
		loopDone: make(chan struct{}),
	}
}

// Join adds a participant. send delivers offers, answers and candidates
// to its client and must not block. Every track the others publish is
// offered on the participant's down connection; the streams carry the
// publisher's participant id as their stream id (MediaStream id in the
// browser) so the client can label them.
func (r *Room) Join(participantID string, send func(Outbound)) (*Peer, error) {
	p, err := newPeer(r, participantID, send)
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	switch {
	case r.closed:
		err = ErrClosed
	case r.peers[participantID] != nil:
		err = fmt.Errorf("%w: %q", ErrDuplicate, participantID)
	}
	if err != nil {
		p.closed = true
		r.mu.Unlock()
		p.closePCs()
		return nil, err
	}
	r.peers[participantID] = p
	for _, t := range r.tracks {
		r.subscribeLocked(p, t)
	}
	r.mu.Unlock()
	if s := r.speakerID.Load(); s != nil && *s != "" {
		send(Outbound{Type: "active_speaker", ID: *s})
	}
	p.log.Info("sfu: joined")
	return p, nil
}

// Close ends every peer and waits for their goroutines.
func (r *Room) Close() {
	r.mu.Lock()
	already := r.closed
	r.closed = true
	loop := r.loopStarted
	peers := make([]*Peer, 0, len(r.peers))
	for _, p := range r.peers {
		peers = append(peers, p)
	}
	r.mu.Unlock()
	var wg sync.WaitGroup
	for _, p := range peers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p.Close()
		}()
	}
	wg.Wait()
	if !already {
		close(r.stop)
		if loop {
			<-r.loopDone
		}
		r.e.roomClosed(r, r.Stats())
	}
}

// Stats for this room.
func (r *Room) Stats() Stats {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.retired
	for t := range r.counting {
		s.add(t.stats())
	}
	s.KeyframeRequests = r.keyframes.Load()
	s.Retransmissions = r.retransmits.Load()
	s.Peers = len(r.peers)
	return s
}

// publishLayer takes a stream the client publishes: a new track, or
// another simulcast layer (rid) of one already published. It reports
// false if p or the room is closing or the stream is refused.
func (r *Room) publishLayer(p *Peer, remote *webrtc.TrackRemote, recv *webrtc.RTPReceiver) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed || p.closed {
		return false
	}
	idx := 0
	if rid := remote.RID(); rid != "" {
		if idx = layerIndex(rid); idx < 0 {
			p.log.Warn("sfu: simulcast layer ignored: unknown rid", "rid", rid)
			return false
		}
	}
	var t *upTrack
	if remote.RID() != "" {
		for _, x := range p.upTracks {
			if x.simulcast && x.id == remote.ID() {
				t = x
			}
		}
	}
	created := t == nil
	if created {
		if len(p.upTracks) >= maxUpTracks {
			p.log.Warn("sfu: track ignored: too many published", "max", maxUpTracks, "track", remote.ID())
			return false
		}
		t = newUpTrack(p, remote)
		t.sentMask = 1<<maxLayers - 1 // a simulcast client starts with all layers on
		for _, h := range recv.GetParameters().HeaderExtensions {
			if h.URI == audioLevelURI {
				t.levelExt = uint8(h.ID)
			}
		}
	} else if t.layers[idx].Load() != nil {
		return false
	}
	l := newUpLayer(t, idx, remote, recv)
	t.layers[idx].Store(l)
	t.running++
	p.wg.Add(2)
	go l.forward()
	go l.readRTCP()
	if !created {
		return true
	}
	if !r.loopStarted {
		r.loopStarted = true
		go r.allocLoop()
	}
	p.upTracks = append(p.upTracks, t)
	r.tracks = append(r.tracks, t)
	r.counting[t] = struct{}{}
	for _, o := range r.peers {
		if o != p {
			r.subscribeLocked(o, t)
		}
	}
	return true
}

// subscribeLocked adds t to sub's down connection and asks for a
// renegotiation.
func (r *Room) subscribeLocked(sub *Peer, t *upTrack) {
	d, err := newDownTrack(t, sub)
	if err == nil {
		d.sender, err = sub.down.pc.AddTrack(d)
	}
	if err != nil {
		sub.log.Warn("sfu: cannot add track", "publisher", t.pub.id, "track", t.id, "err", err)
		return
	}
	sub.downTracks[t] = d
	t.addSub(d)
	sub.kickNegotiation()
}

// removal is a sender to take off a subscriber's down connection once
// the room lock is released.
type removal struct {
	sub    *Peer
	sender *webrtc.RTPSender
}

// unpublishLocked withdraws t from everyone; idempotent.
func (r *Room) unpublishLocked(t *upTrack) []removal {
	if t.removed {
		return nil
	}
	t.removed = true
	r.tracks = deleteItem(r.tracks, t)
	t.pub.upTracks = deleteItem(t.pub.upTracks, t)
	subs := t.clearSubs()
	rm := make([]removal, 0, len(subs))
	for _, d := range subs {
		delete(d.sub.downTracks, t)
		rm = append(rm, removal{d.sub, d.sender})
	}
	return rm
}

// layerEnded runs when a layer's forward loop ends: the client removed
// the track, or the publisher left. The track goes when its last layer
// has.
func (r *Room) layerEnded(l *upLayer) {
	t := l.t
	r.mu.Lock()
	t.running--
	if t.running > 0 {
		r.mu.Unlock()
		return
	}
	rm := r.unpublishLocked(t)
	if _, ok := r.counting[t]; ok {
		delete(r.counting, t)
		r.retired.add(t.stats())
	}
	r.mu.Unlock()
	applyRemovals(rm)
}

func applyRemovals(rm []removal) {
	for _, x := range rm {
		// The subscriber may be closing: then there is nothing to remove.
		if err := x.sub.down.pc.RemoveTrack(x.sender); err == nil {
			x.sub.kickNegotiation()
		}
	}
}

func deleteItem[T comparable](s []T, x T) []T {
	for i, v := range s {
		if v == x {
			return append(s[:i], s[i+1:]...)
		}
	}
	return s
}
