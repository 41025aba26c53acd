package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/dtls/v3"
	"github.com/pion/ice/v4"
	"github.com/pion/interceptor"
	"github.com/pion/rtcp"
	"github.com/pion/webrtc/v4"
	"github.com/pion/webrtc/v4/pkg/media"
)

// Synthetic media: VP8 at about 1.5 Mbit/s (30 fps, a keyframe every 2 s)
// and Opus 20 ms frames of about 100 bytes. The SFUs only forward, so the
// payloads need not decode; their first bytes look like the real thing.
const (
	videoFPS       = 30
	videoBitrate   = 1_500_000 // bit/s
	keyframeEvery  = 2 * time.Second
	keyframeBytes  = 50_000
	audioFrame     = 20 * time.Millisecond
	audioBytes     = 100
	keyReqMinSpace = 500 * time.Millisecond // at most one forced keyframe per this
	readBufSize    = 1500
)

// deltaBytes makes key and delta frames add up to videoBitrate.
var deltaBytes = func() int {
	frames := int(keyframeEvery.Seconds() * videoFPS)
	perPeriod := videoBitrate / 8 * int(keyframeEvery.Seconds())
	return (perPeriod - keyframeBytes) / (frames - 1)
}()

// srtpProfiles are the -srtp choices: offering a single profile makes
// both SFUs use the same cipher (each picks its own preference from a
// list: Kogge AES-128-GCM, Janus AES-256-GCM).
var srtpProfiles = map[string][]dtls.SRTPProtectionProfile{
	"aes128gcm": {dtls.SRTP_AEAD_AES_128_GCM},
	"aes256gcm": {dtls.SRTP_AEAD_AES_256_GCM},
	"aes128cm":  {dtls.SRTP_AES128_CM_HMAC_SHA1_80},
	"pion":      nil, // pion's default list
}

// newAPI builds the pion API every load peer uses: VP8 and Opus, the
// default interceptors (NACK, RTCP reports, TWCC) as a browser would have,
// UDP4 host candidates on ip only.
func newAPI(ip net.IP, dtlsRetransmit time.Duration, srtp []dtls.SRTPProtectionProfile, simulcast bool) (*webrtc.API, error) {
	me := &webrtc.MediaEngine{}
	if simulcast {
		// VP8 and Opus without RTX: pion would repair each encoding on
		// an RTX stream of its own, and on a busy machine Janus then
		// lost track of which SSRC is which layer and forwarded all
		// three to every subscriber. Kogge offers no RTX anyway.
		if err := registerVP8Opus(me); err != nil {
			return nil, err
		}
		// mid and rid on the publisher's packets (simulcast.go).
		if err := webrtc.ConfigureSimulcastExtensionHeaders(me); err != nil {
			return nil, err
		}
	} else if err := me.RegisterDefaultCodecs(); err != nil {
		return nil, err
	}
	ir := &interceptor.Registry{}
	if err := webrtc.RegisterDefaultInterceptors(me, ir); err != nil {
		return nil, err
	}
	var se webrtc.SettingEngine
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	se.SetIPFilter(func(a net.IP) bool { return a.Equal(ip) })
	se.SetIncludeLoopbackCandidate(ip.IsLoopback())
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	if len(srtp) > 0 {
		se.SetSRTPProtectionProfiles(srtp...)
	}
	if dtlsRetransmit > 0 {
		se.SetDTLSRetransmissionInterval(dtlsRetransmit)
	}
	return webrtc.NewAPI(webrtc.WithMediaEngine(me), webrtc.WithInterceptorRegistry(ir),
		webrtc.WithSettingEngine(se)), nil
}

// gathered sets the local description and waits until every candidate is
// in it (no trickle towards the SFU).
func gathered(ctx context.Context, pc *webrtc.PeerConnection, d webrtc.SessionDescription) (string, error) {
	done := webrtc.GatheringCompletePromise(pc)
	if err := pc.SetLocalDescription(d); err != nil {
		return "", err
	}
	select {
	case <-done:
	case <-ctx.Done():
		return "", ctx.Err()
	}
	return pc.LocalDescription().SDP, nil
}

// publisher sends one VP8 and one Opus track; with -simulcast the VP8
// track as three encodings (sim, simulcast.go) instead of video.
type publisher struct {
	pc           *webrtc.PeerConnection
	video, audio *webrtc.TrackLocalStaticSample
	sim          *simulcastVideo
	keyReq       atomic.Bool
	frames       atomic.Uint64 // video frames sent
	forced       atomic.Uint64 // keyframes sent because of a PLI or FIR
	connected    chan struct{}
	stop         chan struct{}
	wg           sync.WaitGroup
}

func newPublisher(api *webrtc.API, simulcast bool) (*publisher, error) {
	pc, err := api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		return nil, err
	}
	p := &publisher{pc: pc, connected: make(chan struct{}), stop: make(chan struct{})}
	var once sync.Once
	pc.OnConnectionStateChange(func(s webrtc.PeerConnectionState) {
		if s == webrtc.PeerConnectionStateConnected {
			once.Do(func() { close(p.connected) })
		}
	})
	p.audio, err = webrtc.NewTrackLocalStaticSample(
		webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2}, "audio", "publisher")
	if err == nil && !simulcast {
		p.video, err = webrtc.NewTrackLocalStaticSample(
			webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000}, videoTrackID, "publisher")
	}
	if err != nil {
		_ = pc.Close()
		return nil, err
	}
	tracks := []*webrtc.TrackLocalStaticSample{p.audio}
	if p.video != nil {
		tracks = append(tracks, p.video)
	}
	for _, t := range tracks {
		s, err := pc.AddTransceiverFromTrack(t, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendonly})
		if err != nil {
			_ = pc.Close()
			return nil, err
		}
		p.wg.Add(1)
		go p.readRTCP(s.Sender())
	}
	if simulcast {
		if err := addSimulcastVideo(p); err != nil {
			_ = pc.Close()
			return nil, err
		}
	}
	return p, nil
}

// offer is the publisher's complete offer.
func (p *publisher) offer(ctx context.Context) (string, error) {
	o, err := p.pc.CreateOffer(nil)
	if err != nil {
		return "", err
	}
	return gathered(ctx, p.pc, o)
}

// readRTCP runs the sender's interceptors (NACK responder) and turns PLI
// and FIR into a keyframe.
func (p *publisher) readRTCP(s *webrtc.RTPSender) {
	defer p.wg.Done()
	for {
		pkts, _, err := s.ReadRTCP()
		if err != nil {
			return
		}
		for _, pkt := range pkts {
			switch pkt.(type) {
			case *rtcp.PictureLossIndication, *rtcp.FullIntraRequest:
				p.keyReq.Store(true)
			}
		}
	}
}

// start sends media until close.
func (p *publisher) start() {
	p.wg.Add(1)
	go p.send()
}

func (p *publisher) send() {
	defer p.wg.Done()
	frame := make([]byte, keyframeBytes)
	opus := make([]byte, audioBytes)
	opus[0] = 0x78 // TOC: config 15 (hybrid, fullband, 20 ms), mono, one frame
	for i := 1; i < len(opus); i++ {
		opus[i] = byte(i * 7)
	}
	// Frames are due on a fixed schedule (not a ticker, which drops ticks
	// when the loop is late), so the rate is exact over any window.
	start := time.Now()
	var nv, na int
	due := func(n int, every time.Duration) time.Time { return start.Add(time.Duration(n) * every) }
	timer := time.NewTimer(0)
	defer timer.Stop()
	var lastKey time.Time
	for {
		now := time.Now()
		switch nextV, nextA := due(nv, time.Second/videoFPS), due(na, audioFrame); {
		case !now.Before(nextA):
			_ = p.audio.WriteSample(media.Sample{Data: opus, Duration: audioFrame})
			na++
		case !now.Before(nextV) && p.sim != nil:
			p.sim.writeFrame(p, nv, now, frame)
			nv++
			p.frames.Add(1)
		case !now.Before(nextV):
			key := nv%int(keyframeEvery.Seconds()*videoFPS) == 0
			if !key && p.keyReq.Load() && now.Sub(lastKey) >= keyReqMinSpace {
				key = true
				p.forced.Add(1)
			}
			nv++
			p.frames.Add(1)
			var data []byte
			if key {
				p.keyReq.Store(false)
				lastKey = now
				data = vp8Frame(frame[:keyframeBytes], true, 1280, 720)
			} else {
				data = vp8Frame(frame[:deltaBytes], false, 0, 0)
			}
			_ = p.video.WriteSample(media.Sample{Data: data, Duration: time.Second / videoFPS})
		default:
			next := nextA
			if nextV.Before(next) {
				next = nextV
			}
			timer.Reset(next.Sub(now))
			select {
			case <-p.stop:
				return
			case <-timer.C:
			}
		}
	}
}

// vp8Frame writes a plausible VP8 frame header (RFC 6386 9.1) into b: the
// 3-byte frame tag and, for keyframes, the start code and the size.
func vp8Frame(b []byte, key bool, width, height int) []byte {
	first := uint32(len(b) / 2) // first partition size, 19 bits
	tag := first<<5 | 1<<4      // show_frame; version 0
	if !key {
		tag |= 1 // inter frame
	}
	b[0], b[1], b[2] = byte(tag), byte(tag>>8), byte(tag>>16)
	if key {
		copy(b[3:], []byte{0x9d, 0x01, 0x2a, byte(width), byte(width >> 8), byte(height), byte(height >> 8)})
	}
	return b
}

func (p *publisher) close() {
	select {
	case <-p.stop:
	default:
		close(p.stop)
	}
	_ = p.pc.Close()
	p.wg.Wait()
}

// subscriber counts what it receives.
type subscriber struct {
	pc *webrtc.PeerConnection
	// layer is the simulcast layer (index into simLayers) it asks for,
	// -1 without simulcast.
	layer   int
	started time.Time // signaling opened
	// When (unix ns) the SFU's offer arrived, ICE and then DTLS
	// connected, and the first media packet came (-v: where joins wait).
	offerAt, iceAt, dtlsAt atomic.Int64
	first                  atomic.Int64
	got                    chan struct{} // closed at the first media packet
	pkts                   atomic.Uint64
	bytes                  atomic.Uint64
	videoBytes             atomic.Uint64
	once                   sync.Once
	wg                     sync.WaitGroup
}

func newSubscriber(api *webrtc.API, layer int) (*subscriber, error) {
	pc, err := api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		return nil, err
	}
	s := &subscriber{pc: pc, layer: layer, got: make(chan struct{})}
	pc.OnICEConnectionStateChange(func(st webrtc.ICEConnectionState) {
		if st == webrtc.ICEConnectionStateConnected {
			s.iceAt.CompareAndSwap(0, time.Now().UnixNano())
		}
	})
	pc.OnConnectionStateChange(func(st webrtc.PeerConnectionState) {
		if st == webrtc.PeerConnectionStateConnected {
			s.dtlsAt.CompareAndSwap(0, time.Now().UnixNano())
		}
	})
	pc.OnTrack(func(t *webrtc.TrackRemote, r *webrtc.RTPReceiver) {
		s.wg.Add(2)
		go s.read(t)
		go func() {
			defer s.wg.Done()
			buf := make([]byte, readBufSize)
			for {
				if _, _, err := r.Read(buf); err != nil {
					return
				}
			}
		}()
	})
	return s, nil
}

func (s *subscriber) read(t *webrtc.TrackRemote) {
	defer s.wg.Done()
	video := t.Kind() == webrtc.RTPCodecTypeVideo
	buf := make([]byte, readBufSize)
	for {
		n, _, err := t.Read(buf)
		if err != nil {
			return
		}
		if s.pkts.Add(1) == 1 {
			s.once.Do(func() {
				s.first.Store(time.Now().UnixNano())
				close(s.got)
			})
		}
		s.bytes.Add(uint64(n))
		if video {
			s.videoBytes.Add(uint64(n))
		}
	}
}

// answer answers the SFU's offer.
func (s *subscriber) answer(ctx context.Context, offer string) (string, error) {
	s.offerAt.CompareAndSwap(0, time.Now().UnixNano())
	if err := s.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: offer}); err != nil {
		return "", err
	}
	a, err := s.pc.CreateAnswer(nil)
	if err != nil {
		return "", err
	}
	return gathered(ctx, s.pc, a)
}

// joinTime is from signaling open to the first media packet.
func (s *subscriber) joinTime() (time.Duration, error) {
	f := s.first.Load()
	if f == 0 {
		return 0, errors.New("no media")
	}
	return time.Unix(0, f).Sub(s.started), nil
}

// stages splits the join: signaling (open to the SFU's offer), ICE (to
// ICE connected), DTLS (to DTLS and SRTP up) and media (to the first
// packet); false if a stage is missing.
func (s *subscriber) stages() ([4]time.Duration, bool) {
	t := [5]int64{s.started.UnixNano(), s.offerAt.Load(), s.iceAt.Load(), s.dtlsAt.Load(), s.first.Load()}
	var d [4]time.Duration
	for i := range d {
		if t[i+1] == 0 {
			return d, false
		}
		d[i] = time.Duration(t[i+1] - t[i])
	}
	return d, true
}

func (s *subscriber) close() {
	_ = s.pc.Close()
	s.wg.Wait()
}

func describe(pc *webrtc.PeerConnection) string {
	return fmt.Sprintf("pc=%s ice=%s", pc.ConnectionState(), pc.ICEConnectionState())
}
