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
	select {
	case p.answered <- struct{}{}:
	default:
	}
	return nil
}

// kickNegotiation asks for a down offer; never blocks.
func (p *Peer) kickNegotiation() {
	select {
	case p.kick <- struct{}{}:
	default:
	}
}

// negotiateLoop owns the down offers: one outstanding at a time, and a
// change while it is outstanding (a kick) makes a new one after the
// answer.
func (p *Peer) negotiateLoop() {
	defer p.wg.Done()
	for {
		select {
		case <-p.done:
			return
		case <-p.kick:
		}
		if err := p.offerDown(); err != nil {
			if p.isClosed() {
				return
			}
			p.log.Warn("sfu: down offer failed", "err", err)
			continue
		}
		select {
		case <-p.done:
			return
		case <-p.answered:
		}
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
