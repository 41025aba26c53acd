package sfu

import (
	"sync"
	"sync/atomic"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
)

// downTrack is one subscriber's copy of an upTrack: a static RTP track
// whose Bind, run when the subscriber's answer arrives, asks the
// publisher for a keyframe so the newcomer's picture starts at once.
//
// For video it forwards one layer at a time and renumbers what it
// forwards (sequence number, timestamp, VP8 picture id and TL0PICIDX) so
// that the subscriber's decoder sees one continuous stream across layer
// switches and pauses. A switch happens only where the new layer starts
// a keyframe.
type downTrack struct {
	*webrtc.TrackLocalStaticRTP
	up     *upTrack
	sub    *Peer
	sender *webrtc.RTPSender
	// ssrc is the SSRC the subscriber's connection gave this track, 0
	// while unbound.
	ssrc atomic.Uint32

	// target is the layer the room's allocation wants forwarded, -1 for
	// none (hidden, or the link carries no video).
	target atomic.Int32

	mu      sync.Mutex
	cur     int // the layer forwarded now, -1 for none
	started bool
	lastSeq uint16
	lastTS  uint32
	lastPic uint16
	lastTL0 uint8
	lastAt  int64 // unix ns of the last packet sent
	// segs are the latest stretches of one layer with constant offsets,
	// newest at segs[nseg%len]: a NACK names our sequence numbers and
	// this maps them back to a layer's cache.
	segs [4]segment
	nseg int
	// sr is what the next sender report says (reports.go).
	sr srState
}

// segment is a stretch of the outgoing stream taken from one layer.
type segment struct {
	layer    int
	inStart  uint16
	outStart uint16
	seqOff   uint16
	tsOff    uint32
	picOff   uint16
	tl0Off   uint8
}

func newDownTrack(t *upTrack, sub *Peer) (*downTrack, error) {
	local, err := webrtc.NewTrackLocalStaticRTP(t.codec, t.id, t.pub.id)
	if err != nil {
		return nil, err
	}
	d := &downTrack{TrackLocalStaticRTP: local, up: t, sub: sub, cur: -1}
	// Until the allocation has run: the low layer starts a picture
	// quickly on any link.
	d.target.Store(0)
	return d, nil
}

// Bind implements webrtc.TrackLocal.
func (d *downTrack) Bind(ctx webrtc.TrackLocalContext) (webrtc.RTPCodecParameters, error) {
	c, err := d.TrackLocalStaticRTP.Bind(ctx)
	if err == nil {
		d.sub.rtcp.bind(uint32(ctx.SSRC()), d)
		d.ssrc.Store(uint32(ctx.SSRC()))
	}
	if err == nil && !d.up.audio {
		if l := d.up.layers[max(d.target.Load(), 0)].Load(); l != nil {
			l.requestKeyframe(false)
		}
	}
	return c, err
}

// Unbind implements webrtc.TrackLocal.
func (d *downTrack) Unbind(ctx webrtc.TrackLocalContext) error {
	d.sub.rtcp.unbind(uint32(ctx.SSRC()), d)
	d.ssrc.CompareAndSwap(uint32(ctx.SSRC()), 0)
	return d.TrackLocalStaticRTP.Unbind(ctx)
}

func (d *downTrack) seg() *segment { return &d.segs[d.nseg%len(d.segs)] }

// seqNewer reports whether a comes after b in RTP's wrapping order.
func seqNewer(a, b uint16) bool { return a != b && a-b < 0x8000 }

// forward sends one packet of layer l if it is this subscriber's layer,
// switching layers at a keyframe of the target. It reports whether the
// packet was sent.
func (d *downTrack) forward(l *upLayer, in *inPacket, now int64) bool {
	if d.up.audio {
		d.mu.Lock()
		defer d.mu.Unlock()
		if d.WriteRTP(in.pkt) != nil {
			return false
		}
		d.sent(in.pkt, now, true)
		return true
	}
	tgt := int(d.target.Load())
	d.mu.Lock()
	defer d.mu.Unlock()
	if tgt < 0 {
		d.cur = -1
		return false
	}
	if l.idx != d.cur {
		if l.idx != tgt {
			return false
		}
		if !in.key {
			l.requestKeyframe(true)
			// A single-layer track resumes at once, as it always
			// did: the decoder waits for the keyframe asked for.
			if d.up.simulcast {
				return false
			}
		}
		d.switchTo(l, in, now)
	} else if seqNewer(d.seg().inStart, in.seq) {
		return false // a late packet from before this segment began
	}
	sg := d.seg()
	p := in.pkt
	out, ts := in.seq+sg.seqOff, in.ts+sg.tsOff
	p.SequenceNumber, p.Timestamp = out, ts
	var pic uint16
	if in.hasPic {
		pic = (in.pic + sg.picOff) & in.vp8.picMask()
		in.vp8.setPic(p.Payload, pic)
	}
	tl0 := in.tl0 + sg.tl0Off
	if in.hasTL0 {
		p.Payload[in.vp8.tl0Off] = tl0
	}
	err := d.WriteRTP(p)
	inOrder := seqNewer(out, d.lastSeq) || !d.started
	if err == nil {
		d.sent(p, now, inOrder)
	}
	p.SequenceNumber, p.Timestamp = in.seq, in.ts
	if inOrder {
		d.lastSeq, d.lastTS, d.lastPic, d.lastTL0 = out, ts, pic, tl0
		d.lastAt = now
	}
	d.started = true
	return err == nil
}

// switchTo starts a segment of layer l at in, a keyframe: the offsets
// make it continue where the previous layer left off, with the
// timestamp advanced by the wall-clock time since the last packet.
func (d *downTrack) switchTo(l *upLayer, in *inPacket, now int64) {
	sg := segment{layer: l.idx, inStart: in.seq}
	if d.started {
		sg.seqOff = d.lastSeq + 1 - in.seq
		ticks := uint32((now - d.lastAt) / 1000 * int64(d.up.codec.ClockRate) / 1_000_000)
		sg.tsOff = d.lastTS + max(ticks, 1) - in.ts
		sg.picOff = d.lastPic + 1 - in.pic
		sg.tl0Off = d.lastTL0 + 1 - in.tl0
	}
	sg.outStart = in.seq + sg.seqOff
	d.nseg++
	*d.seg() = sg
	d.cur = l.idx
}

// retransmit answers a subscriber's NACK for our sequence number seq
// from the shared cache of the layer it was taken from.
func (d *downTrack) retransmit(seq uint16, buf []byte, pkt *rtp.Packet) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if !d.started {
		return false
	}
	var sg *segment
	for i := 0; i < len(d.segs) && i < d.nseg; i++ {
		s := &d.segs[(d.nseg-i)%len(d.segs)]
		if !seqNewer(s.outStart, seq) {
			sg = s
			break
		}
	}
	if sg == nil || seqNewer(seq, d.lastSeq) {
		return false
	}
	l := d.up.layers[sg.layer].Load()
	if l == nil || l.cache == nil {
		return false
	}
	n := l.cache.get(seq-sg.seqOff, buf)
	if n == 0 || pkt.Unmarshal(buf[:n]) != nil {
		return false
	}
	pkt.Extension, pkt.ExtensionProfile, pkt.Extensions = false, 0, pkt.Extensions[:0]
	pkt.SequenceNumber = seq
	pkt.Timestamp += sg.tsOff
	if d.up.vp8 {
		v := parseVP8(pkt.Payload)
		if v.ok && v.picOff != 0 {
			v.setPic(pkt.Payload, (v.pic(pkt.Payload)+sg.picOff)&v.picMask())
		}
		if v.ok && v.tl0Off != 0 {
			pkt.Payload[v.tl0Off] += sg.tl0Off
		}
	}
	if d.WriteRTP(pkt) != nil {
		return false
	}
	d.sent(pkt, 0, false)
	return true
}

// onRTCP handles the subscriber's feedback on this track (rtcpin.go):
// NACKs are answered from the publisher's cache, keyframe requests go to
// the publisher. rtx is scratch space of the caller's.
func (d *downTrack) onRTCP(pkts []rtcp.Packet, rtx *rtxScratch) {
	if d.up.audio {
		return
	}
	for _, p := range pkts {
		switch p := p.(type) {
		case *rtcp.PictureLossIndication, *rtcp.FullIntraRequest:
			d.mu.Lock()
			cur := d.cur
			d.mu.Unlock()
			if l := d.up.layers[max(cur, 0)].Load(); l != nil {
				l.requestKeyframe(true)
			}
		case *rtcp.TransportLayerNack:
			if rtx.buf == nil {
				rtx.buf = make([]byte, packetBufSize)
			}
			for _, pair := range p.Nacks {
				for _, seq := range pair.PacketList() {
					if d.retransmit(seq, rtx.buf, &rtx.pkt) {
						d.up.room.retransmits.Add(1)
					}
				}
			}
		}
	}
}
