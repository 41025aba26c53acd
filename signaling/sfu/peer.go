package sfu

import (
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"

	"github.com/pion/interceptor/pkg/cc"
	"github.com/pion/webrtc/v4"
)

// Peer is one participant's media.
type Peer struct {
	room *Room
	id   string
	log  *slog.Logger
	send func(Outbound)

	up, down side

	// neg is the state of the down offers (negotiate.go).
	neg  negotiation
	done chan struct{}

	closeOnce  sync.Once
	wg         sync.WaitGroup // every goroutine this peer owns
	audioMuted atomic.Bool

	// est is the down connection's bandwidth estimator (GCC); remb
	// the last REMB the client sent on it, at rembAt (unix ns).
	est    cc.BandwidthEstimator
	remb   atomic.Int64
	rembAt atomic.Int64
	// view is what the client last said it shows (SetView); nil until
	// it says anything.
	viewMu sync.Mutex
	view   map[string]View

	// rtcp routes the down connection's feedback to its tracks
	// (rtcpin.go).
	rtcp rtcpRouter

	// Guarded by room.mu.
	closed     bool
	upTracks   []*upTrack
	downTracks map[*upTrack]*downTrack
}

// negotiation: busy while a down offer is being made or awaits its
// answer; again when a change came in meanwhile, so changes during an
// offer coalesce into one re-offer.
type negotiation struct {
	mu          sync.Mutex
	busy, again bool
}

// side is one of the two PeerConnections. mu serialises its
// negotiation steps and guards pending, the client's candidates that
// arrived before its remote description. The up side's pc is nil until
// the client first offers on it (newUpPC), and is set under mu.
type side struct {
	name     string
	pc       *webrtc.PeerConnection
	mu       sync.Mutex
	pending  []webrtc.ICECandidateInit
	trickled int // candidates taken from the client, in all
}

func newPeer(r *Room, id string, send func(Outbound)) (*Peer, error) {
	p := &Peer{
		room: r, id: id, send: send,
		log:        r.log.With("participant", id),
		done:       make(chan struct{}),
		downTracks: make(map[*upTrack]*downTrack),
	}
	p.up.name, p.down.name = "up", "down"
	cert, err := r.e.certificate()
	if err != nil {
		return nil, err
	}
	p.down.pc, err = r.e.downAPIFor(p).NewPeerConnection(webrtc.Configuration{
		BundlePolicy: webrtc.BundlePolicyMaxBundle,
		Certificates: []webrtc.Certificate{cert},
	})
	if err != nil {
		return nil, fmt.Errorf("sfu: new connection: %w", err)
	}
	if est, ok := r.e.estimators.LoadAndDelete(p.down.pc.ID()); ok {
		p.est = est.(cc.BandwidthEstimator)
	}
	p.logState(&p.down)
	return p, nil
}

// newUpPC creates the up connection at the client's first offer on it:
// most participants of a large meeting only watch, and an unused
// PeerConnection would still cost each of them its interceptors (NACK
// generator, reports, TWCC feedback: four goroutines) and its ICE, DTLS
// and SRTP state. p.up.mu held.
func (p *Peer) newUpPC() error {
	cert, err := p.room.e.certificate()
	if err != nil {
		return err
	}
	pc, err := p.room.e.upAPI.NewPeerConnection(webrtc.Configuration{Certificates: []webrtc.Certificate{cert}})
	if err != nil {
		return fmt.Errorf("sfu: new connection: %w", err)
	}
	p.up.pc = pc
	p.logState(&p.up)
	pc.OnTrack(p.onTrack)
	return nil
}

func (p *Peer) logState(s *side) {
	name := s.name
	s.pc.OnConnectionStateChange(func(st webrtc.PeerConnectionState) {
		p.log.Info("sfu: connection state", "pc", name, "state", st.String())
	})
}

// onTrack runs on a pion goroutine for each track the client publishes.
func (p *Peer) onTrack(remote *webrtc.TrackRemote, recv *webrtc.RTPReceiver) {
	if !p.room.publishLayer(p, remote, recv) {
		return
	}
	p.log.Info("sfu: publishing", "track", remote.ID(), "rid", remote.RID(),
		"kind", remote.Kind().String(), "codec", remote.Codec().MimeType)
}

// SetAudioMuted stops (true) or resumes (false) forwarding this peer's
// audio to everyone.
func (p *Peer) SetAudioMuted(muted bool) {
	if p.audioMuted.Swap(muted) != muted {
		p.log.Info("sfu: audio muted", "muted", muted)
	}
}

// RequestKeyframe asks every publisher whose video this peer receives for
// a keyframe.
func (p *Peer) RequestKeyframe() {
	r := p.room
	r.mu.Lock()
	tracks := make([]*upTrack, 0, len(p.downTracks))
	for t := range p.downTracks {
		tracks = append(tracks, t)
	}
	r.mu.Unlock()
	for _, t := range tracks {
		if !t.audio {
			t.requestKeyframe(true)
		}
	}
}

// Close removes the peer: its tracks leave everyone's down connection.
// It returns once every goroutine of the peer has ended.
func (p *Peer) Close() {
	p.closeOnce.Do(p.close)
}

func (p *Peer) close() {
	r := p.room
	r.mu.Lock()
	p.closed = true
	if r.peers[p.id] == p {
		delete(r.peers, p.id)
	}
	var rm []removal
	for _, t := range append([]*upTrack(nil), p.upTracks...) {
		rm = append(rm, r.unpublishLocked(t)...)
	}
	for t, d := range p.downTracks {
		t.removeSub(d)
	}
	clear(p.downTracks)
	r.mu.Unlock()

	applyRemovals(rm)
	p.neg.mu.Lock()
	close(p.done)
	p.neg.mu.Unlock()
	p.closePCs()
	p.wg.Wait()
	p.log.Info("sfu: left")
}

// closePCs runs after done is closed: an Offer holding up.mu either
// created the up connection before (we close it) or sees done and
// creates none.
func (p *Peer) closePCs() {
	p.up.mu.Lock()
	up := p.up.pc
	p.up.mu.Unlock()
	for _, s := range []*side{&p.up, &p.down} {
		pc := s.pc
		if s == &p.up {
			pc = up
		}
		if pc == nil {
			continue
		}
		if err := pc.Close(); err != nil {
			p.log.Debug("sfu: close", "pc", s.name, "err", err)
		}
	}
}

func (p *Peer) isClosed() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// AddCandidate adds a trickled ICE candidate from the client for pc
// ("up" or "down").
func (p *Peer) AddCandidate(pc string, c webrtc.ICECandidateInit) error {
	var s *side
	switch pc {
	case "up":
		s = &p.up
	case "down":
		s = &p.down
	default:
		return fmt.Errorf("%w: unknown connection %q", ErrBadSDP, pc)
	}
	if len(c.Candidate) > maxCandidateSize {
		return fmt.Errorf("%w: candidate of %d bytes", ErrSDPTooLong, len(c.Candidate))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if p.isClosed() {
		return ErrClosed
	}
	if s.trickled >= maxCandidates {
		return fmt.Errorf("%w: more than %d candidates", ErrState, maxCandidates)
	}
	s.trickled++
	if s.pc == nil || s.pc.RemoteDescription() == nil {
		s.pending = append(s.pending, c)
		return nil
	}
	err := s.addCandidate(c)
	if err != nil && p.isClosed() {
		return ErrClosed
	}
	return err
}

// flushCandidates adds the queued candidates; s.mu held, remote
// description set.
func (s *side) flushCandidates() error {
	var errs []error
	for _, c := range s.pending {
		errs = append(errs, s.addCandidate(c))
	}
	s.pending = nil
	return errors.Join(errs...)
}

func (s *side) addCandidate(c webrtc.ICECandidateInit) error {
	if err := s.pc.AddICECandidate(c); err != nil {
		return fmt.Errorf("%w: candidate: %v", ErrBadSDP, err)
	}
	return nil
}
