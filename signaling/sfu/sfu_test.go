package sfu

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"

	"github.com/pion/webrtc/v4"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// fromPeer matches a packet of the given kind published by id, and checks
// its payload is byte for byte what id sent.
func fromPeer(t testing.TB, id string, audio bool) func(received) bool {
	return func(r received) bool {
		if r.stream != id || r.audio != audio {
			return false
		}
		var kind string
		var n uint16
		if _, err := fmt.Sscanf(strings.ReplaceAll(string(r.payload), "/", " "), id+" %s %d", &kind, &n); err != nil {
			t.Errorf("unexpected payload %q", r.payload)
			return false
		}
		if want := payloadFor(id, kind, n); !bytes.Equal(r.payload, want) {
			t.Errorf("payload %q, want %q", r.payload, want)
		}
		if r.track != id+"-"+kind {
			t.Errorf("track id %q, want %q", r.track, id+"-"+kind)
		}
		return true
	}
}

func TestEngineUDPAddr(t *testing.T) {
	e := newTestEngine(t)
	a, ok := e.UDPAddr().(*net.UDPAddr)
	if !ok || a.Port == 0 || !a.IP.Equal(net.IPv4(127, 0, 0, 1)) {
		t.Fatalf("UDPAddr %v", e.UDPAddr())
	}
}

func TestTwoParticipantsExchangeMedia(t *testing.T) {
	e := newTestEngine(t)
	r := e.NewRoom("r1", nil)
	defer r.Close()
	a := newClient(t, r, "A", false)
	b := newClient(t, r, "B", false)
	a.publish()
	b.publish()

	a.waitRecv("B's video", fromPeer(t, "B", false))
	a.waitRecv("B's audio", fromPeer(t, "B", true))
	b.waitRecv("A's video", fromPeer(t, "A", false))
	b.waitRecv("A's audio", fromPeer(t, "A", true))

	s := r.Stats()
	if s.Peers != 2 || s.ForwardedPackets == 0 || s.ForwardedBytes == 0 {
		t.Fatalf("stats %+v", s)
	}
	if es := e.Stats(); es.ForwardedPackets < s.ForwardedPackets {
		t.Fatalf("engine stats %+v < room %+v", es, s)
	}
}

func TestLateJoinerGetsKeyframe(t *testing.T) {
	e := newTestEngine(t)
	r := e.NewRoom("r1", nil)
	defer r.Close()
	a := newClient(t, r, "A", false)
	a.publish()
	b := newClient(t, r, "B", false)
	b.waitRecv("A's video at B", fromPeer(t, "A", false))
	before := r.Stats().KeyframeRequests
	if before == 0 {
		t.Fatal("no keyframe request when B's sender was bound")
	}
	for len(a.pliCh) > 0 {
		<-a.pliCh
	}

	c := newClient(t, r, "C", false)
	c.waitRecv("A's video at C", fromPeer(t, "A", false))
	waitFor(t, "PLI at A for C", func() bool { return len(a.pliCh) > 0 })
	if after := r.Stats().KeyframeRequests; after <= before {
		t.Fatalf("keyframe requests %d, before C %d", after, before)
	}

	// An explicit request goes through unless one was sent in the last
	// 500 ms: it either counts or is rate-limited, never more than one.
	n := r.Stats().KeyframeRequests
	c.peer.RequestKeyframe()
	c.peer.RequestKeyframe()
	if got := r.Stats().KeyframeRequests; got > n+1 {
		t.Fatalf("RequestKeyframe twice sent %d PLIs", got-n)
	}
}

func TestAudioMute(t *testing.T) {
	e := newTestEngine(t)
	r := e.NewRoom("r1", nil)
	defer r.Close()
	a := newClient(t, r, "A", false)
	a.publish()
	b := newClient(t, r, "B", false)
	last := b.waitRecv("A's audio", fromPeer(t, "A", true))

	a.peer.SetAudioMuted(true)
	waitFor(t, "muting", func() bool { return r.Stats().MutedPackets >= 5 })
	// Packets already on the wire may still arrive; drain up to the
	// moment muting was seen, then expect video only.
	for len(b.recv) > 0 {
		if p := <-b.recv; p.audio {
			last = p
		}
	}
	muted := r.Stats().MutedPackets
	for r.Stats().MutedPackets < muted+20 {
		p := b.waitRecv("A's video while muted", func(p received) bool { return p.stream == "A" })
		if p.audio {
			t.Fatalf("audio packet %d forwarded while muted", p.seq)
		}
	}

	a.peer.SetAudioMuted(false)
	next := b.waitRecv("A's audio after unmute", fromPeer(t, "A", true))
	if next.seq != last.seq+1 {
		t.Errorf("audio resumed at seq %d after %d: subscribers see a gap", next.seq, last.seq)
	}
}

func TestLeaveRemovesTracks(t *testing.T) {
	e := newTestEngine(t)
	r := e.NewRoom("r1", nil)
	defer r.Close()
	a := newClient(t, r, "A", false)
	b := newClient(t, r, "B", false)
	a.publish()
	b.publish()
	b.waitRecv("A's video", fromPeer(t, "A", false))
	b.waitRecv("A's audio", fromPeer(t, "A", true))
	offers := b.offers.Load()

	a.peer.Close()
	ended := map[string]bool{}
	for len(ended) < 2 {
		select {
		case id := <-b.ended:
			ended[id] = true
		case <-waitTimeout():
			t.Fatalf("tracks ended at B: %v", ended)
		}
	}
	if !ended["A/A-video"] || !ended["A/A-audio"] {
		t.Fatalf("ended %v", ended)
	}
	if b.offers.Load() <= offers {
		t.Fatal("no renegotiation after A left")
	}
	if s := r.Stats(); s.Peers != 1 {
		t.Fatalf("stats %+v", s)
	}
	if err := a.peer.Offer(validSDP(t)); !errors.Is(err, ErrClosed) {
		t.Fatalf("Offer after Close: %v", err)
	}
}

func TestUnpublishEndsTrack(t *testing.T) {
	e := newTestEngine(t)
	r := e.NewRoom("r1", nil)
	defer r.Close()
	a := newClient(t, r, "A", false)
	a.publish()
	b := newClient(t, r, "B", false)
	b.waitRecv("A's video", fromPeer(t, "A", false))

	// A stops its camera: removes the sender and re-offers on up.
	for _, s := range a.up.GetSenders() {
		if s.Track() != nil && s.Track().Kind() == webrtc.RTPCodecTypeVideo {
			if err := a.up.RemoveTrack(s); err != nil {
				t.Fatal(err)
			}
		}
	}
	a.offerUp()
	select {
	case id := <-b.ended:
		if id != "A/A-video" {
			t.Fatalf("ended %s", id)
		}
	case <-waitTimeout():
		t.Fatal("A's video did not end at B")
	}
	b.waitRecv("A's audio still", fromPeer(t, "A", true))
}

func TestOneDownOfferOutstanding(t *testing.T) {
	e := newTestEngine(t)
	r := e.NewRoom("r1", nil)
	defer r.Close()
	s := newClient(t, r, "S", true)
	a := newClient(t, r, "A", false)
	a.publish()
	first := waitOffer(t, s)
	b := newClient(t, r, "B", false)
	b.publish()
	a.waitRecv("B's video at A", fromPeer(t, "B", false))
	if n := s.offers.Load(); n != 1 {
		t.Fatalf("%d down offers outstanding", n)
	}
	s.answerDown(first)
	second := waitOffer(t, s)
	if strings.Count(second, "m=video") != 2 || strings.Count(second, "m=audio") != 2 {
		t.Fatalf("second offer lacks B's tracks:\n%s", second)
	}
	s.answerDown(second)
	s.waitRecv("B's video at S", fromPeer(t, "B", false))
	s.waitRecv("A's video at S", fromPeer(t, "A", false))
}

func waitOffer(t *testing.T, c *client) string {
	t.Helper()
	select {
	case sdp := <-c.offerCh:
		return sdp
	case <-waitTimeout():
		t.Fatal("no down offer")
		return ""
	}
}

func TestErrors(t *testing.T) {
	e := newTestEngine(t)
	r := e.NewRoom("r1", nil)
	p, err := r.Join("A", func(Outbound) {})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		err  error
		want error
	}{
		{"garbage offer", p.Offer("hello"), ErrBadSDP},
		{"empty offer", p.Offer(""), ErrBadSDP},
		{"long offer", p.Offer(strings.Repeat("a", MaxSDPSize+1)), ErrSDPTooLong},
		{"answer without offer", p.Answer(validSDP(t)), ErrState},
		{"garbage answer", p.Answer("v=0\r\nbogus"), ErrBadSDP},
		{"unknown pc", p.AddCandidate("sideways", webrtc.ICECandidateInit{}), ErrBadSDP},
		{"duplicate", joinErr(r, "A"), ErrDuplicate},
	}
	for _, tt := range tests {
		if !errors.Is(tt.err, tt.want) {
			t.Errorf("%s: %v, want %v", tt.name, tt.err, tt.want)
		}
	}
	for i := range maxCandidates {
		c := webrtc.ICECandidateInit{Candidate: fmt.Sprintf("candidate:%d 1 udp 1 127.0.0.1 %d typ host", i, 1000+i)}
		if err := p.AddCandidate("up", c); err != nil {
			t.Fatalf("queued candidate %d: %v", i, err)
		}
	}
	if err := p.AddCandidate("up", webrtc.ICECandidateInit{}); !errors.Is(err, ErrState) {
		t.Errorf("candidate past the queue bound: %v", err)
	}

	r.Close()
	for name, err := range map[string]error{
		"offer":     p.Offer(validSDP(t)),
		"answer":    p.Answer(validSDP(t)),
		"candidate": p.AddCandidate("down", webrtc.ICECandidateInit{}),
		"join":      joinErr(r, "B"),
	} {
		if !errors.Is(err, ErrClosed) {
			t.Errorf("%s after Close: %v", name, err)
		}
	}
}

func joinErr(r *Room, id string) error {
	_, err := r.Join(id, func(Outbound) {})
	return err
}

// validSDP is a well-formed description from a real pion peer.
func validSDP(t *testing.T) string {
	pc, err := webrtc.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	if _, err := pc.AddTransceiverFromKind(webrtc.RTPCodecTypeVideo); err != nil {
		t.Fatal(err)
	}
	offer, err := pc.CreateOffer(nil)
	if err != nil {
		t.Fatal(err)
	}
	return offer.SDP
}

func TestRoomCloseNoLeak(t *testing.T) {
	defer goleak.VerifyNone(t)
	e, err := NewEngine(testConfig, nil)
	if err != nil {
		t.Fatal(err)
	}
	r := e.NewRoom("r1", nil)
	a := newClient(t, r, "A", false)
	b := newClient(t, r, "B", false)
	a.publish()
	b.publish()
	b.waitRecv("A's video", fromPeer(t, "A", false))
	a.waitRecv("B's video", fromPeer(t, "B", false))

	r.Close()
	r.Close() // idempotent
	if s := r.Stats(); s.Peers != 0 {
		t.Fatalf("stats after close %+v", s)
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	a.close()
	b.close()
}
