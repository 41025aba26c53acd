package sfu

import (
	"sync/atomic"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
)

const (
	// pliInterval is the least time between two keyframe requests that
	// subscribers cause for one published track.
	pliInterval = 500 * time.Millisecond
	// packetBufSize holds any RTP or RTCP packet that fits a UDP datagram
	// on a 1500-byte path.
	packetBufSize = 1500
)

// upTrack is one track a participant publishes. Its forward loop is the
// only reader of the remote track and the only writer to its
// subscribers' local tracks.
type upTrack struct {
	room   *Room
	pub    *Peer
	remote *webrtc.TrackRemote
	recv   *webrtc.RTPReceiver
	id     string
	audio  bool

	// subs is copy-on-write: the forward loop loads it once per packet,
	// writers replace it under room.mu.
	subs    atomic.Pointer[[]*downTrack]
	lastPLI atomic.Int64 // unix nanoseconds

	packets, bytes, muted atomic.Uint64

	removed bool // guarded by room.mu
}

func newUpTrack(p *Peer, remote *webrtc.TrackRemote, recv *webrtc.RTPReceiver) *upTrack {
	id := remote.ID()
	if id == "" {
		id = remote.Kind().String()
	}
	return &upTrack{
		room: p.room, pub: p, remote: remote, recv: recv, id: id,
		audio: remote.Kind() == webrtc.RTPCodecTypeAudio,
	}
}

// forward copies every packet of the remote track to the subscribers
// until the track or its connection ends.
func (t *upTrack) forward() {
	defer t.pub.wg.Done()
	defer t.room.trackEnded(t)
	buf := make([]byte, packetBufSize)
	var f forwarder
	for {
		n, _, err := t.remote.Read(buf)
		if err != nil {
			return
		}
		if t.audio && t.pub.audioMuted.Load() {
			f.dropped++
			t.muted.Add(1)
			continue
		}
		f.forward(t, buf[:n])
	}
}

// forwarder is the per-track state of the packet path, reused for every
// packet so that forwarding allocates nothing.
type forwarder struct {
	pkt rtp.Packet
	// dropped counts packets withheld while muted; sequence numbers are
	// shifted down by it so subscribers see no gap to NACK.
	dropped uint16
}

func (f *forwarder) forward(t *upTrack, b []byte) {
	if err := f.pkt.Unmarshal(b); err != nil {
		return
	}
	f.pkt.SequenceNumber -= f.dropped
	// Header extension ids are negotiated per connection: the
	// publisher's mean nothing downstream. Keep the slice's capacity.
	f.pkt.Extension = false
	f.pkt.ExtensionProfile = 0
	f.pkt.Extensions = f.pkt.Extensions[:0]

	subs := t.subs.Load()
	if subs == nil {
		return
	}
	var sent uint64
	for _, d := range *subs {
		if d.WriteRTP(&f.pkt) == nil {
			sent++
		}
	}
	t.packets.Add(sent)
	t.bytes.Add(sent * uint64(len(b)))
}

// readRTCP drains the receiver's RTCP (sender reports) so the
// interceptors see it.
func (t *upTrack) readRTCP() {
	defer t.pub.wg.Done()
	buf := make([]byte, packetBufSize)
	for {
		if _, _, err := t.recv.Read(buf); err != nil {
			return
		}
	}
}

// requestKeyframe sends a PLI to the publisher; limited requests are
// dropped within pliInterval of the previous one.
func (t *upTrack) requestKeyframe(limited bool) {
	now := time.Now().UnixNano()
	last := t.lastPLI.Load()
	if limited && now-last < int64(pliInterval) {
		return
	}
	if !t.lastPLI.CompareAndSwap(last, now) {
		return // another goroutine just sent one
	}
	pli := &rtcp.PictureLossIndication{MediaSSRC: uint32(t.remote.SSRC())}
	if err := t.pub.up.pc.WriteRTCP([]rtcp.Packet{pli}); err != nil {
		return
	}
	t.room.keyframes.Add(1)
}

func (t *upTrack) stats() Stats {
	return Stats{
		ForwardedPackets: t.packets.Load(),
		ForwardedBytes:   t.bytes.Load(),
		MutedPackets:     t.muted.Load(),
	}
}

// addSub and removeSub replace the subscriber slice; room.mu held.
func (t *upTrack) addSub(d *downTrack) {
	old := t.subs.Load()
	var s []*downTrack
	if old != nil {
		s = make([]*downTrack, 0, len(*old)+1)
		s = append(s, *old...)
	}
	s = append(s, d)
	t.subs.Store(&s)
}

func (t *upTrack) removeSub(d *downTrack) {
	old := t.subs.Load()
	if old == nil {
		return
	}
	s := make([]*downTrack, 0, len(*old))
	for _, x := range *old {
		if x != d {
			s = append(s, x)
		}
	}
	t.subs.Store(&s)
}

func (t *upTrack) clearSubs() []*downTrack {
	old := t.subs.Swap(nil)
	if old == nil {
		return nil
	}
	return *old
}

// downTrack is one subscriber's copy of an upTrack: a static RTP track
// whose Bind, run when the subscriber's answer arrives, asks the
// publisher for a keyframe so the newcomer's picture starts at once.
type downTrack struct {
	*webrtc.TrackLocalStaticRTP
	up     *upTrack
	sub    *Peer
	sender *webrtc.RTPSender
}

func newDownTrack(t *upTrack, sub *Peer) (*downTrack, error) {
	local, err := webrtc.NewTrackLocalStaticRTP(t.remote.Codec().RTPCodecCapability, t.id, t.pub.id)
	if err != nil {
		return nil, err
	}
	return &downTrack{TrackLocalStaticRTP: local, up: t, sub: sub}, nil
}

// Bind implements webrtc.TrackLocal.
func (d *downTrack) Bind(ctx webrtc.TrackLocalContext) (webrtc.RTPCodecParameters, error) {
	c, err := d.TrackLocalStaticRTP.Bind(ctx)
	if err == nil && !d.up.audio {
		d.up.requestKeyframe(false)
	}
	return c, err
}

// readRTCP drains the sender's RTCP (so NACKs reach the responder) and
// passes keyframe requests on to the publisher.
func (d *downTrack) readRTCP() {
	defer d.sub.wg.Done()
	buf := make([]byte, packetBufSize)
	for {
		n, _, err := d.sender.Read(buf)
		if err != nil {
			return
		}
		if d.up.audio {
			continue
		}
		pkts, err := rtcp.Unmarshal(buf[:n])
		if err != nil {
			continue
		}
		for _, p := range pkts {
			switch p.(type) {
			case *rtcp.PictureLossIndication, *rtcp.FullIntraRequest:
				d.up.requestKeyframe(true)
			}
		}
	}
}
