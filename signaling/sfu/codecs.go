package sfu

import (
	"fmt"

	"github.com/pion/interceptor"
	"github.com/pion/interceptor/pkg/cc"
	"github.com/pion/interceptor/pkg/gcc"
	"github.com/pion/interceptor/pkg/nack"
	"github.com/pion/interceptor/pkg/twcc"
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

// audioLevelURI is the RFC 6464 header extension: the publisher's
// microphone level in each audio packet, read for the active speaker.
const audioLevelURI = "urn:ietf:params:rtp-hdrext:ssrc-audio-level"

// newUpAPI is what participants publish on: we generate NACKs for loss
// on their uplink, TWCC feedback so their browser's own estimator can
// pace the simulcast encodings, receiver reports, and understand the
// mid/rid extensions of simulcast and the audio level.
func newUpAPI(se webrtc.SettingEngine) (*webrtc.API, error) {
	me, err := newMediaEngine()
	if err != nil {
		return nil, err
	}
	ir := &interceptor.Registry{}
	gen, err := nack.NewGeneratorInterceptor()
	if err != nil {
		return nil, err
	}
	ir.Add(gen)
	if err := webrtc.ConfigureRTCPReports(ir); err != nil {
		return nil, err
	}
	if err := webrtc.ConfigureSimulcastExtensionHeaders(me); err != nil {
		return nil, err
	}
	if err := me.RegisterHeaderExtension(webrtc.RTPHeaderExtensionCapability{URI: audioLevelURI},
		webrtc.RTPCodecTypeAudio); err != nil {
		return nil, err
	}
	if err := webrtc.ConfigureTWCCSender(me, ir); err != nil {
		return nil, err
	}
	return webrtc.NewAPI(webrtc.WithMediaEngine(me), webrtc.WithInterceptorRegistry(ir),
		webrtc.WithSettingEngine(se)), nil
}

// Bandwidth estimation bounds for each down connection. The estimate
// starts optimistic (high layer plus audio) and GCC brings it down within
// a second or two on a link that cannot carry it; starting low would
// take GCC's 8 %/s increase some twenty seconds to reach the high layer.
const (
	bweInitial = 2_000_000
	bweMin     = 50_000
	bweMax     = 20_000_000
)

// newDownAPI is what participants subscribe on: TWCC sequence numbers
// on everything we send and a GCC estimator per connection (handed to
// newPeer through e.estimators). There is no NACK responder: each
// published track keeps one cache for all its subscribers (cache.go),
// and the sender reports come from the room's allocation loop
// (reports.go). The API is made per subscriber (downAPIFor) because its
// SRTCP buffers deliver to that subscriber (rtcpin.go); the media engine
// and interceptor registry built here are shared.
func (e *Engine) newDownAPI(se webrtc.SettingEngine) (func(webrtc.SettingEngine) *webrtc.API, error) {
	me, err := newMediaEngine()
	if err != nil {
		return nil, err
	}
	ir := &interceptor.Registry{}
	lf := e.pionLogs
	ccf, err := cc.NewInterceptor(func() (cc.BandwidthEstimator, error) {
		// No pacer: our writes stay synchronous and copy nothing; layer
		// choice keeps the rate under the estimate instead.
		return gcc.NewSendSideBWE(
			gcc.SendSideBWEInitialBitrate(bweInitial),
			gcc.SendSideBWEMinBitrate(bweMin),
			gcc.SendSideBWEMaxBitrate(bweMax),
			gcc.SendSideBWEPacer(gcc.NewNoOpPacer()),
			gcc.WithLoggerFactory(lf),
		)
	})
	if err != nil {
		return nil, err
	}
	ccf.OnNewPeerConnection(func(id string, est cc.BandwidthEstimator) {
		e.estimators.Store(id, est)
	})
	// The estimator must see the transport-wide sequence number, so the
	// TWCC header interceptor (added after it) runs first on each write.
	ir.Add(ccf)
	hdr, err := twcc.NewHeaderExtensionInterceptor()
	if err != nil {
		return nil, err
	}
	ir.Add(hdr)
	// Added last, so it wraps the others: they all see its map.
	ir.Add(reuseAttrsFactory{})
	for _, k := range []webrtc.RTPCodecType{webrtc.RTPCodecTypeVideo, webrtc.RTPCodecTypeAudio} {
		if err := me.RegisterHeaderExtension(webrtc.RTPHeaderExtensionCapability{URI: twccURI}, k); err != nil {
			return nil, err
		}
	}
	return func(se webrtc.SettingEngine) *webrtc.API {
		return webrtc.NewAPI(webrtc.WithMediaEngine(me), webrtc.WithInterceptorRegistry(ir),
			webrtc.WithSettingEngine(se))
	}, nil
}

const twccURI = "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01"
