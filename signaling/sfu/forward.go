package sfu

import (
	"strings"
	"sync/atomic"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
)

const (
	// pliInterval is the least time between two keyframe requests that
	// subscribers cause for one published layer.
	pliInterval = 500 * time.Millisecond
	// packetBufSize holds any RTP or RTCP packet that fits a UDP datagram
	// on a 1500-byte path.
	packetBufSize = 1500
	// maxLayers is the number of simulcast encodings: rids l, m, h.
	maxLayers = 3
)

// rids names the simulcast layers from low to high (signaling/PROTOCOL.md).
var rids = [maxLayers]string{"l", "m", "h"}

func layerIndex(rid string) int {
	for i, r := range rids {
		if r == rid {
			return i
		}
	}
	return -1
}

// upTrack is one track a participant publishes: one layer, or up to
// three simulcast layers (rids l, m, h) that subscribers choose between.
type upTrack struct {
	room      *Room
	pub       *Peer
	id        string
	audio     bool
	codec     webrtc.RTPCodecCapability
	vp8       bool
	h264      bool
	simulcast bool

	// layers by index; each has its own forward loop.
	layers [maxLayers]atomic.Pointer[upLayer]

	// subs is copy-on-write: the forward loops load it once per packet,
	// writers replace it under room.mu.
	subs atomic.Pointer[[]*downTrack]

	packets, bytes, muted atomic.Uint64

	// level is the smoothed audio level, 0 (silence) to 127 (loudest)
	// in fixed point ×256, written by the forward loop; lastLevel is
	// when a level last arrived (unix ns).
	level     atomic.Int64
	lastLevel atomic.Int64
	levelExt  uint8 // the audio level extension's id on the up connection

	// sentMask is the set of layers (bit i: rids[i]) the publisher was
	// last told anyone needs; owned by the allocation loop.
	sentMask uint8

	removed bool // guarded by room.mu
	running int  // forward loops still running; guarded by room.mu
}

// upLayer is one received stream (one SSRC) of an upTrack.
type upLayer struct {
	t      *upTrack
	idx    int
	remote *webrtc.TrackRemote
	recv   *webrtc.RTPReceiver
	ssrc   uint32
	// cache answers the subscribers' NACKs; nil for audio.
	cache *packetCache

	bytes      atomic.Uint64
	lastPacket atomic.Int64 // unix ns
	lastPLI    atomic.Int64 // unix ns

	// rate is the received bit rate, smoothed; owned by the room's
	// allocation loop.
	rate, prevBytes float64
}

func newUpTrack(p *Peer, remote *webrtc.TrackRemote) *upTrack {
	id := remote.ID()
	if id == "" {
		id = remote.Kind().String()
	}
	c := remote.Codec().RTPCodecCapability
	return &upTrack{
		room: p.room, pub: p, id: id, codec: c,
		audio:     remote.Kind() == webrtc.RTPCodecTypeAudio,
		vp8:       strings.EqualFold(c.MimeType, webrtc.MimeTypeVP8),
		h264:      strings.EqualFold(c.MimeType, webrtc.MimeTypeH264),
		simulcast: remote.RID() != "",
	}
}

func newUpLayer(t *upTrack, idx int, remote *webrtc.TrackRemote, recv *webrtc.RTPReceiver) *upLayer {
	l := &upLayer{t: t, idx: idx, remote: remote, recv: recv, ssrc: uint32(remote.SSRC())}
	if !t.audio {
		l.cache = new(packetCache)
	}
	return l
}

// live reports whether packets of l arrived within the last second: a
// layer the publisher paused is not live.
func (l *upLayer) live(now int64) bool {
	return now-l.lastPacket.Load() < int64(time.Second)
}

// forward copies every packet of the layer to the subscribers until the
// stream or its connection ends.
func (l *upLayer) forward() {
	t := l.t
	defer t.pub.wg.Done()
	defer t.room.layerEnded(l)
	buf := make([]byte, packetBufSize)
	var f forwarder
	for {
		n, _, err := l.remote.Read(buf)
		if err != nil {
			return
		}
		if t.audio && t.pub.audioMuted.Load() {
			f.dropped++
			t.muted.Add(1)
			continue
		}
		f.forward(l, buf[:n])
	}
}

// forwarder is the per-layer state of the packet path, reused for every
// packet so that forwarding allocates nothing.
type forwarder struct {
	pkt rtp.Packet
	// dropped counts audio packets withheld while muted; sequence
	// numbers are shifted down by it so subscribers see no gap to NACK.
	dropped uint16
}

func (f *forwarder) forward(l *upLayer, b []byte) {
	if err := f.pkt.Unmarshal(b); err != nil {
		return
	}
	t := l.t
	wall := time.Now()
	now := wall.UnixNano()
	l.bytes.Add(uint64(len(b)))
	l.lastPacket.Store(now)
	if t.audio {
		f.pkt.SequenceNumber -= f.dropped
		if t.levelExt != 0 {
			if e := f.pkt.GetExtension(t.levelExt); len(e) > 0 {
				t.addLevel(e[0]&0x7f, now)
			}
		}
	} else {
		l.cache.put(f.pkt.SequenceNumber, b, cacheClock(wall))
	}
	// Header extension ids are negotiated per connection: the
	// publisher's mean nothing downstream. Keep the slice's capacity.
	f.pkt.Extension = false
	f.pkt.ExtensionProfile = 0
	f.pkt.Extensions = f.pkt.Extensions[:0]

	subs := t.subs.Load()
	if subs == nil {
		return
	}
	var in inPacket
	in.pkt = &f.pkt
	in.seq, in.ts = f.pkt.SequenceNumber, f.pkt.Timestamp
	if !t.audio {
		in.inspect(t)
	}
	var sent uint64
	for _, d := range *subs {
		if d.forward(l, &in, now) {
			sent++
		}
	}
	t.packets.Add(sent)
	t.bytes.Add(sent * uint64(len(b)))
}

// addLevel folds one RFC 6464 level (dBov below full scale: 0 loudest,
// 127 silence) into the track's smoothed loudness: an exponential
// average over about fifty packets (one second of 20 ms Opus frames).
func (t *upTrack) addLevel(dBov byte, now int64) {
	loud := int64(127-dBov) << 8
	old := t.level.Load()
	t.level.Store(old + (loud-old)/50)
	t.lastLevel.Store(now)
}

// inPacket is one inbound packet as the subscribers' rewriting sees it:
// the original sequence number, timestamp and VP8 fields, read once.
type inPacket struct {
	pkt    *rtp.Packet
	seq    uint16
	ts     uint32
	key    bool
	vp8    vp8Desc
	pic    uint16
	tl0    uint8
	hasPic bool
	hasTL0 bool
}

func (in *inPacket) inspect(t *upTrack) {
	p := in.pkt.Payload
	switch {
	case t.vp8:
		in.vp8 = parseVP8(p)
		in.key = in.vp8.keyStart
		if in.vp8.ok && in.vp8.picOff != 0 {
			in.hasPic, in.pic = true, in.vp8.pic(p)
		}
		if in.vp8.ok && in.vp8.tl0Off != 0 {
			in.hasTL0, in.tl0 = true, p[in.vp8.tl0Off]
		}
	case t.h264:
		in.key = h264KeyStart(p)
	}
}

// requestKeyframe sends a PLI for this layer to the publisher; limited
// requests are dropped within pliInterval of the previous one.
func (l *upLayer) requestKeyframe(limited bool) {
	now := time.Now().UnixNano()
	last := l.lastPLI.Load()
	if limited && now-last < int64(pliInterval) {
		return
	}
	if !l.lastPLI.CompareAndSwap(last, now) {
		return // another goroutine just sent one
	}
	pli := &rtcp.PictureLossIndication{MediaSSRC: l.ssrc}
	if err := l.t.pub.up.pc.WriteRTCP([]rtcp.Packet{pli}); err != nil {
		return
	}
	l.t.room.keyframes.Add(1)
}

// requestKeyframe asks for a keyframe of every layer.
func (t *upTrack) requestKeyframe(limited bool) {
	for i := range t.layers {
		if l := t.layers[i].Load(); l != nil {
			l.requestKeyframe(limited)
		}
	}
}

// readRTCP drains a layer's receiver RTCP (sender reports) so the
// interceptors see it.
func (l *upLayer) readRTCP() {
	defer l.t.pub.wg.Done()
	buf := make([]byte, packetBufSize)
	rid := l.remote.RID()
	for {
		var err error
		if rid == "" {
			_, _, err = l.recv.Read(buf)
		} else {
			_, _, err = l.recv.ReadSimulcast(buf, rid)
		}
		if err != nil {
			return
		}
	}
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
