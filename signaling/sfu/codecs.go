package sfu

import (
	"fmt"

	"github.com/pion/webrtc/v4"
)

// Payload types as browsers commonly number them; the client's offer on
// "up" may use others, pion maps them.
const (
	ptOpus = 111
	ptVP8  = 96
	ptH264 = 102
)

var videoFeedback = []webrtc.RTCPFeedback{
	{Type: "nack"},
	{Type: "nack", Parameter: "pli"},
	{Type: "ccm", Parameter: "fir"},
	{Type: "goog-remb"},
	{Type: webrtc.TypeRTCPFBTransportCC},
}

// codecs are the only codecs Kogge forwards: every browser speaks them, so
// no transcoding is ever needed. No RTX: retransmissions arrive on the
// original SSRC, which keeps forwarding one stream per track.
var codecs = []struct {
	params webrtc.RTPCodecParameters
	kind   webrtc.RTPCodecType
}{
	{webrtc.RTPCodecParameters{
		RTPCodecCapability: webrtc.RTPCodecCapability{
			MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2,
			SDPFmtpLine:  "minptime=10;useinbandfec=1",
			RTCPFeedback: []webrtc.RTCPFeedback{{Type: webrtc.TypeRTCPFBTransportCC}},
		},
		PayloadType: ptOpus,
	}, webrtc.RTPCodecTypeAudio},
	{webrtc.RTPCodecParameters{
		RTPCodecCapability: webrtc.RTPCodecCapability{
			MimeType: webrtc.MimeTypeVP8, ClockRate: 90000,
			RTCPFeedback: videoFeedback,
		},
		PayloadType: ptVP8,
	}, webrtc.RTPCodecTypeVideo},
	{webrtc.RTPCodecParameters{
		RTPCodecCapability: webrtc.RTPCodecCapability{
			MimeType: webrtc.MimeTypeH264, ClockRate: 90000,
			SDPFmtpLine:  "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f",
			RTCPFeedback: videoFeedback,
		},
		PayloadType: ptH264,
	}, webrtc.RTPCodecTypeVideo},
}

func newMediaEngine() (*webrtc.MediaEngine, error) {
	me := &webrtc.MediaEngine{}
	for _, c := range codecs {
		if err := me.RegisterCodec(c.params, c.kind); err != nil {
			return nil, fmt.Errorf("sfu: register %s: %w", c.params.MimeType, err)
		}
	}
	return me, nil
}
