package sfu

import (
	"net"
	"strconv"
	"strings"
	"testing"

	"github.com/pion/webrtc/v4"
)

// answerFor joins a peer to a fresh room of e and returns our answer to
// a client offer with one audio m-line.
func answerFor(t *testing.T, e *Engine) string {
	t.Helper()
	r := e.NewRoom("r", nil)
	t.Cleanup(r.Close)
	msgs := make(chan Outbound, 4)
	p, err := r.Join("A", func(m Outbound) { msgs <- m })
	if err != nil {
		t.Fatal(err)
	}
	pc, err := clientAPI(t).NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	if _, err := pc.AddTransceiverFromKind(webrtc.RTPCodecTypeAudio); err != nil {
		t.Fatal(err)
	}
	offer, err := pc.CreateOffer(nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Offer(offer.SDP); err != nil {
		t.Fatal(err)
	}
	m := <-msgs
	if m.Type != "answer" || m.PC != "up" {
		t.Fatalf("got %s/%s", m.PC, m.Type)
	}
	return m.SDP
}

func TestAnswerCarriesMuxCandidate(t *testing.T) {
	e := newTestEngine(t)
	sdp := answerFor(t, e)
	port := strconv.Itoa(e.UDPAddr().(*net.UDPAddr).Port)
	if !strings.Contains(sdp, "udp") || !strings.Contains(sdp, "127.0.0.1 "+port+" typ host") {
		t.Fatalf("answer lacks the mux candidate 127.0.0.1:%s:\n%s", port, sdp)
	}
	if !strings.Contains(sdp, "a=fingerprint:") {
		t.Fatal("answer without DTLS fingerprint")
	}
}

func TestNAT1To1(t *testing.T) {
	cfg := testConfig
	cfg.NAT1To1IPs = []string{"203.0.113.7"}
	e, err := NewEngine(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	sdp := answerFor(t, e)
	if !strings.Contains(sdp, "203.0.113.7") || strings.Contains(sdp, "127.0.0.1 ") {
		t.Fatalf("answer does not announce the public address instead:\n%s", sdp)
	}
}

func TestICETCP(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	_ = ln.Close()
	cfg := testConfig
	cfg.ICETCPPort = port
	e, err := NewEngine(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	sdp := answerFor(t, e)
	if !strings.Contains(sdp, " tcp ") || !strings.Contains(sdp, strconv.Itoa(port)+" typ host tcptype passive") {
		t.Fatalf("answer lacks an ICE-TCP candidate on %d:\n%s", port, sdp)
	}
}

func TestBadListenIP(t *testing.T) {
	if _, err := NewEngine(Config{ListenIP: "nowhere"}, nil); err == nil {
		t.Fatal("no error for a bad listen address")
	}
}
