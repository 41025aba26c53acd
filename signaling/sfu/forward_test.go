package sfu

import (
	"testing"

	"github.com/pion/interceptor"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
)

// discard is a subscriber's write stream that goes nowhere: it stands for
// pion's SRTP writer so the benchmark measures our fan-out alone.
type discard struct{ packets int }

func (d *discard) WriteRTP(_ *rtp.Header, p []byte) (int, error) { d.packets++; return len(p), nil }
func (d *discard) Write(b []byte) (int, error)                   { d.packets++; return len(b), nil }

// bindContext is what pion hands a track when a subscriber's answer
// arrives.
type bindContext struct {
	ssrc webrtc.SSRC
	w    *discard
}

func (c bindContext) CodecParameters() []webrtc.RTPCodecParameters {
	return []webrtc.RTPCodecParameters{codecs[1].params}
}
func (bindContext) HeaderExtensions() []webrtc.RTPHeaderExtensionParameter { return nil }
func (c bindContext) SSRC() webrtc.SSRC                                    { return c.ssrc }
func (bindContext) SSRCRetransmission() webrtc.SSRC                        { return 0 }
func (bindContext) SSRCForwardErrorCorrection() webrtc.SSRC                { return 0 }
func (c bindContext) WriteStream() webrtc.TrackLocalWriter                 { return c.w }
func (c bindContext) ID() string                                           { return "bind" }
func (bindContext) RTCPReader() interceptor.RTCPReader                     { return nil }

// fanOut builds a VP8 upTrack with one layer and n bound subscribers.
func fanOut(t testing.TB, n int) (*upLayer, []*discard) {
	up := &upTrack{id: "video", vp8: true, codec: codecs[1].params.RTPCodecCapability}
	l := &upLayer{t: up, cache: new(packetCache)}
	up.layers[0].Store(l)
	ws := make([]*discard, n)
	for i := range ws {
		local, err := webrtc.NewTrackLocalStaticRTP(codecs[1].params.RTPCodecCapability, "video", "pub")
		if err != nil {
			t.Fatal(err)
		}
		ws[i] = &discard{}
		if _, err := local.Bind(bindContext{webrtc.SSRC(1000 + i), ws[i]}); err != nil {
			t.Fatal(err)
		}
		up.addSub(&downTrack{TrackLocalStaticRTP: local, up: up, cur: -1})
	}
	return l, ws
}

// browserPacket is a VP8 keyframe packet as a browser sends it: header
// extensions (mid, abs-send-time, transport-cc) and a 1000-byte payload
// with a payload descriptor carrying a 15-bit picture id.
func browserPacket(t testing.TB) []byte {
	p := rtp.Packet{
		Header:  rtp.Header{Version: 2, PayloadType: 96, SequenceNumber: 7, Timestamp: 9000, SSRC: 42},
		Payload: make([]byte, 1000),
	}
	copy(p.Payload, []byte{0x90, 0x80, 0x80 | 0x12, 0x34, 0x00}) // X S; I; picture id 0x1234; key frame
	for id, v := range map[uint8][]byte{1: []byte("0"), 2: {1, 2, 3}, 3: {0, 9}} {
		if err := p.SetExtension(id, v); err != nil {
			t.Fatal(err)
		}
	}
	b, err := p.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestForwardStripsExtensionsAndCounts(t *testing.T) {
	l, ws := fanOut(t, 3)
	var f forwarder
	f.forward(l, browserPacket(t))
	for i, w := range ws {
		if w.packets != 1 {
			t.Fatalf("subscriber %d got %d packets", i, w.packets)
		}
	}
	if f.pkt.Extension || len(f.pkt.Extensions) != 0 || f.pkt.SequenceNumber != 7 {
		t.Fatalf("forwarded header %+v", f.pkt.Header)
	}
	if s := l.t.stats(); s.ForwardedPackets != 3 || s.ForwardedBytes == 0 {
		t.Fatalf("stats %+v", s)
	}
}

// BenchmarkForward is the per-packet fan-out: parse once, write to ten
// subscribers' static RTP tracks (pion's TrackLocalStaticRTP.WriteRTP,
// SSRC and payload type rewritten per binding), count.
func BenchmarkForward(b *testing.B) {
	up, _ := fanOut(b, 10)
	pkt := browserPacket(b)
	var f forwarder
	b.ReportAllocs()
	b.SetBytes(int64(len(pkt)))
	for b.Loop() {
		f.forward(up, pkt)
	}
}
