package sfu

import (
	"fmt"
	"time"

	"github.com/pion/webrtc/v4"
)

// Offer handles the client's offer for the up connection; the answer goes
// out through send once ICE gathering is complete, so the answer carries
// every candidate and we never trickle.
func (p *Peer) Offer(sdp string) error {
	desc, err := parseSDP(webrtc.SDPTypeOffer, sdp)
	if err != nil {
		return err
	}
	if parsed, err := desc.Unmarshal(); err == nil && len(parsed.MediaDescriptions) > maxMediaSections {
		return fmt.Errorf("%w: %d media sections (at most %d)", ErrBadSDP, len(parsed.MediaDescriptions), maxMediaSections)
	}
	s := &p.up
	s.mu.Lock()
	defer s.mu.Unlock()
	if p.isClosed() {
		return ErrClosed
	}
	if s.pc == nil {
		if err := p.newUpPC(); err != nil {
			return err
		}
	}
	if st := s.pc.SignalingState(); st != webrtc.SignalingStateStable {
		return fmt.Errorf("%w: offer on up in state %s", ErrState, st)
	}
	if err := s.pc.SetRemoteDescription(desc); err != nil {
		return p.refused(err)
	}
	if err := s.flushCandidates(); err != nil {
		p.log.Debug("sfu: queued candidate refused", "pc", "up", "err", err)
	}
	answer, err := s.pc.CreateAnswer(nil)
	if err != nil {
		return fmt.Errorf("sfu: answer: %w", err)
	}
	local, err := p.setLocal(s, answer)
	if err != nil {
		return err
	}
	p.send(Outbound{Type: "answer", PC: "up", SDP: local})
	return nil
}

// Answer handles the client's answer to our last down offer.
func (p *Peer) Answer(sdp string) error {
	desc, err := parseSDP(webrtc.SDPTypeAnswer, sdp)
	if err != nil {
		return err
	}
	s := &p.down
	s.mu.Lock()
	defer s.mu.Unlock()
	if p.isClosed() {
		return ErrClosed
	}
	if st := s.pc.SignalingState(); st != webrtc.SignalingStateHaveLocalOffer {
		return fmt.Errorf("%w: answer on down in state %s", ErrState, st)
	}
	if err := s.pc.SetRemoteDescription(desc); err != nil {
		return p.refused(err)
	}
	if err := s.flushCandidates(); err != nil {
		p.log.Debug("sfu: queued candidate refused", "pc", "down", "err", err)
	}
	p.answeredOffer()
	return nil
}

// kickNegotiation asks for a down offer; never blocks. One offer is
// outstanding at a time: a kick while one is (being made or waiting for
// its answer) makes a new one after the answer. The offer is made on a
// goroutine of its own that ends when it is sent, so an idle subscriber
// keeps no goroutine for negotiation.
func (p *Peer) kickNegotiation() {
	n := &p.neg
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.busy {
		n.again = true
		return
	}
	p.startOfferLocked()
}

// startOfferLocked starts an offer unless the peer is closing; p.neg.mu
// held (Close closes done under it, so no goroutine starts after its
// wg.Wait began).
func (p *Peer) startOfferLocked() {
	n := &p.neg
	if p.isClosed() {
		n.busy, n.again = false, false
		return
	}
	n.busy, n.again = true, false
	p.wg.Add(1)
	go p.offer()
}

func (p *Peer) offer() {
	defer p.wg.Done()
	err := p.offerDown()
	if err == nil {
		return // answered (Answer) ends the outstanding offer
	}
	if !p.isClosed() {
		p.log.Warn("sfu: down offer failed", "err", err)
	}
	n := &p.neg
	n.mu.Lock()
	defer n.mu.Unlock()
	n.busy = false
	if n.again {
		p.startOfferLocked()
	}
}

// answeredOffer ends the outstanding offer and starts the next if a
// change came in meanwhile.
func (p *Peer) answeredOffer() {
	n := &p.neg
	n.mu.Lock()
	defer n.mu.Unlock()
	n.busy = false
	if n.again {
		p.startOfferLocked()
	}
}

func (p *Peer) offerDown() error {
	s := &p.down
	s.mu.Lock()
	defer s.mu.Unlock()
	offer, err := s.pc.CreateOffer(nil)
	if err != nil {
		return fmt.Errorf("sfu: offer: %w", err)
	}
	local, err := p.setLocal(s, offer)
	if err != nil {
		return err
	}
	p.log.Debug("sfu: down offer", "transceivers", len(s.pc.GetTransceivers()))
	p.send(Outbound{Type: "offer", PC: "down", SDP: local})
	return nil
}

// gatheringComplete and gatherWait are variables for tests (a gathering
// that never completes).
var (
	gatheringComplete = webrtc.GatheringCompletePromise
	gatherWait        = gatherTimeout
)

// setLocal applies our description and waits for ICE gathering, at most
// gatherWait.
func (p *Peer) setLocal(s *side, desc webrtc.SessionDescription) (string, error) {
	gathered := gatheringComplete(s.pc)
	if err := s.pc.SetLocalDescription(desc); err != nil {
		return "", fmt.Errorf("sfu: %s local description: %w", s.name, err)
	}
	t := time.NewTimer(gatherWait)
	defer t.Stop()
	select {
	case <-gathered:
	case <-t.C:
		return "", fmt.Errorf("sfu: %s: ICE gathering not complete after %s", s.name, gatherWait)
	case <-p.done:
		return "", ErrClosed
	}
	return s.pc.LocalDescription().SDP, nil
}

// parseSDP bounds and parses a client description.
func parseSDP(typ webrtc.SDPType, sdp string) (webrtc.SessionDescription, error) {
	desc := webrtc.SessionDescription{Type: typ, SDP: sdp}
	if len(sdp) > MaxSDPSize {
		return desc, fmt.Errorf("%w: %d bytes", ErrSDPTooLong, len(sdp))
	}
	if sdp == "" {
		return desc, fmt.Errorf("%w: empty", ErrBadSDP)
	}
	if _, err := desc.Unmarshal(); err != nil {
		return desc, fmt.Errorf("%w: %v", ErrBadSDP, err)
	}
	return desc, nil
}

// refused classifies a description pion would not apply: a Close racing
// with us is ErrClosed, anything else the client's fault.
func (p *Peer) refused(err error) error {
	if p.isClosed() {
		return ErrClosed
	}
	return fmt.Errorf("%w: %v", ErrBadSDP, err)
}
