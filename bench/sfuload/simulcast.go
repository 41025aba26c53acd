package main

import (
	"bufio"
	"strings"
	"sync/atomic"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/rtp/codecs"
	"github.com/pion/webrtc/v4"
)

// Simulcast (-simulcast): the publisher sends its camera as three VP8
// encodings with rids l, m and h, as the join page does (MEDIA.md), each
// synthetic like the single stream: 30 fps, a keyframe every 2 s (and on
// that layer's PLI), the keyframe a third of a second's worth of bytes.
// Subscriber i asks for layer i mod 3: Kogge through the view message
// (signaling/PROTOCOL.md) with that layer's size, Janus through the
// VideoRoom's per-stream "substream".
var simLayers = [3]struct {
	rid           string
	bitrate       int // bit/s
	width, height int
}{
	{"l", 150_000, 320, 180},
	{"m", 500_000, 640, 360},
	{"h", 1_500_000, 1280, 720},
}

// videoTrackID is the publisher's video track id: the msid track Kogge's
// view names.
const videoTrackID = "video"

// simulcastVideo is the publisher's video as three encodings of one
// transceiver.
type simulcastVideo struct {
	tx      *webrtc.RTPTransceiver
	tracks  [3]*webrtc.TrackLocalStaticRTP
	pkz     [3]rtp.Packetizer
	keyReq  [3]atomic.Bool
	lastKey [3]time.Time
	// midID and ridID are the negotiated header extension ids: a browser
	// marks simulcast packets with mid and rid so that the receiver can
	// tell the encodings apart; pion's tracks do not, so we do.
	midID, ridID uint8
}

func addSimulcastVideo(p *publisher) error {
	v := &simulcastVideo{}
	vp8 := webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000}
	for i, l := range simLayers {
		tr, err := webrtc.NewTrackLocalStaticRTP(vp8, videoTrackID, "publisher", webrtc.WithRTPStreamID(l.rid))
		if err != nil {
			return err
		}
		v.tracks[i] = tr
		v.pkz[i] = rtp.NewPacketizer(1200, 0, 0, &codecs.VP8Payloader{EnablePictureID: true},
			rtp.NewRandomSequencer(), 90000)
		if i == 0 {
			if v.tx, err = p.pc.AddTransceiverFromTrack(tr,
				webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendonly}); err != nil {
				return err
			}
		} else if err := v.tx.Sender().AddEncoding(tr); err != nil {
			return err
		}
	}
	for i, l := range simLayers {
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			for {
				pkts, _, err := v.tx.Sender().ReadSimulcastRTCP(l.rid)
				if err != nil {
					return
				}
				for _, pkt := range pkts {
					switch pkt.(type) {
					case *rtcp.PictureLossIndication, *rtcp.FullIntraRequest:
						v.keyReq[i].Store(true)
					}
				}
			}
		}()
	}
	p.sim = v
	return nil
}

// writeFrame sends frame number n of every layer.
func (v *simulcastVideo) writeFrame(p *publisher, n int, now time.Time, buf []byte) {
	if v.midID == 0 || v.ridID == 0 {
		for _, h := range v.tx.Sender().GetParameters().HeaderExtensions {
			switch h.URI {
			case "urn:ietf:params:rtp-hdrext:sdes:mid":
				v.midID = uint8(h.ID)
			case "urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id":
				v.ridID = uint8(h.ID)
			}
		}
	}
	frames := int(keyframeEvery.Seconds() * videoFPS)
	for i, l := range simLayers {
		keyBytes := keyframeBytes * l.bitrate / videoBitrate
		deltaBytes := (l.bitrate/8*int(keyframeEvery.Seconds()) - keyBytes) / (frames - 1)
		key := n%frames == 0
		if !key && v.keyReq[i].Load() && now.Sub(v.lastKey[i]) >= keyReqMinSpace {
			key = true
			p.forced.Add(1)
		}
		var data []byte
		if key {
			v.keyReq[i].Store(false)
			v.lastKey[i] = now
			data = vp8Frame(buf[:keyBytes], true, l.width, l.height)
		} else {
			data = vp8Frame(buf[:deltaBytes], false, 0, 0)
		}
		for _, pkt := range v.pkz[i].Packetize(data, 90000/videoFPS) {
			if v.midID != 0 && v.ridID != 0 {
				_ = pkt.Header.SetExtension(v.midID, []byte(v.tx.Mid()))
				_ = pkt.Header.SetExtension(v.ridID, []byte(l.rid))
			}
			_ = v.tracks[i].WriteRTP(pkt)
		}
	}
}

// videoMid is the mid of the first video section of an SDP.
func videoMid(sdp string) string {
	sc := bufio.NewScanner(strings.NewReader(sdp))
	video := false
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "m=") {
			video = strings.HasPrefix(line, "m=video")
		}
		if mid, ok := strings.CutPrefix(line, "a=mid:"); ok && video {
			return mid
		}
	}
	return ""
}

// registerVP8Opus registers the two codecs with pion's default payload
// types and feedback, and nothing else.
func registerVP8Opus(me *webrtc.MediaEngine) error {
	video := []webrtc.RTCPFeedback{{Type: "goog-remb"}, {Type: "ccm", Parameter: "fir"},
		{Type: "nack"}, {Type: "nack", Parameter: "pli"}, {Type: webrtc.TypeRTCPFBTransportCC}}
	err := me.RegisterCodec(webrtc.RTPCodecParameters{
		RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2,
			SDPFmtpLine: "minptime=10;useinbandfec=1", RTCPFeedback: []webrtc.RTCPFeedback{{Type: webrtc.TypeRTCPFBTransportCC}}},
		PayloadType: 111,
	}, webrtc.RTPCodecTypeAudio)
	if err != nil {
		return err
	}
	return me.RegisterCodec(webrtc.RTPCodecParameters{
		RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000, RTCPFeedback: video},
		PayloadType:        96,
	}, webrtc.RTPCodecTypeVideo)
}
