package sfu

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"
)

func TestOfferGatheringTimeout(t *testing.T) {
	e := newTestEngine(t)
	r := e.NewRoom("r1", nil)
	defer r.Close()
	p, err := r.Join("A", func(Outbound) {})
	if err != nil {
		t.Fatal(err)
	}
	never := make(chan struct{})
	defer close(never)
	oldComplete, oldWait := gatheringComplete, gatherWait
	gatheringComplete = func(*webrtc.PeerConnection) <-chan struct{} { return never }
	gatherWait = 50 * time.Millisecond // the fail-safe below is timeout
	defer func() { gatheringComplete, gatherWait = oldComplete, oldWait }()
	res := make(chan error, 1)
	go func() { res <- p.Offer(validSDP(t)) }()
	select {
	case err := <-res:
		if err == nil || errors.Is(err, ErrClosed) {
			t.Fatalf("Offer: %v, want a gathering timeout", err)
		}
	case <-waitTimeout():
		p.Close() // let the Offer return
		<-res
		t.Fatal("Offer waits for ICE gathering without a bound")
	}
}

func TestOfferTooManyMediaSections(t *testing.T) {
	e := newTestEngine(t)
	r := e.NewRoom("r1", nil)
	defer r.Close()
	p, err := r.Join("A", func(Outbound) {})
	if err != nil {
		t.Fatal(err)
	}
	pc, err := webrtc.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	for range maxMediaSections + 1 {
		if _, err := pc.AddTransceiverFromKind(webrtc.RTPCodecTypeVideo); err != nil {
			t.Fatal(err)
		}
	}
	offer, err := pc.CreateOffer(nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Offer(offer.SDP); !errors.Is(err, ErrBadSDP) {
		t.Fatalf("offer with %d media sections: %v, want ErrBadSDP", maxMediaSections+1, err)
	}
}

func TestCandidatesBoundedAfterDescription(t *testing.T) {
	e := newTestEngine(t)
	r := e.NewRoom("r1", nil)
	defer r.Close()
	p, err := r.Join("A", func(Outbound) {})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Offer(validSDP(t)); err != nil {
		t.Fatal(err)
	}
	mid, idx := "0", uint16(0)
	for i := range maxCandidates {
		c := webrtc.ICECandidateInit{Candidate: fmt.Sprintf("candidate:%d 1 udp 1 127.0.0.1 %d typ host", i, 1000+i), SDPMid: &mid, SDPMLineIndex: &idx}
		if err := p.AddCandidate("up", c); errors.Is(err, ErrState) {
			t.Fatalf("candidate %d: %v", i, err)
		}
	}
	c := webrtc.ICECandidateInit{Candidate: "candidate:x 1 udp 1 127.0.0.1 999 typ host", SDPMid: &mid, SDPMLineIndex: &idx}
	if err := p.AddCandidate("up", c); !errors.Is(err, ErrState) {
		t.Fatalf("candidate past the bound: %v, want ErrState", err)
	}
}
