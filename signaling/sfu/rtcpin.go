package sfu

import (
	"io"
	"sync"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/transport/v5/packetio"
)

// A subscriber's feedback (NACK, PLI, REMB, TWCC) arrives on its down
// connection. pion's SRTCP session decrypts it on its own goroutine and
// writes each packet into a buffer per SSRC, which the application then
// drains with RTPSender.Read, one goroutine per track. For an SFU those
// reader goroutines (and the buffers between) are most of what a
// subscriber costs beyond pion's own connection state: with audio and
// video, two goroutine stacks and two buffers per subscriber. So the down
// connections get their SRTCP buffers from Peer.streamBuffer, and those
// hand every packet on at once, still on the SRTCP session's goroutine:
// to the bandwidth estimator (what pion's cc interceptor did in
// RTPSender.Read) and to the track it is about.

// rtcpRouter is a Peer's table from its down tracks' SSRCs to the tracks,
// and the scratch space for answering NACKs.
type rtcpRouter struct {
	mu     sync.Mutex
	tracks map[uint32]*downTrack
	// rtxMu guards rtx. pion calls from one SRTCP goroutine per
	// connection, so it is never contended; it is there so nothing
	// depends on that.
	rtxMu sync.Mutex
	rtx   rtxScratch
}

// rtxScratch is where a retransmission is rebuilt.
type rtxScratch struct {
	buf []byte
	pkt rtp.Packet
}

func (r *rtcpRouter) bind(ssrc uint32, d *downTrack) {
	r.mu.Lock()
	if r.tracks == nil {
		r.tracks = make(map[uint32]*downTrack)
	}
	r.tracks[ssrc] = d
	r.mu.Unlock()
}

func (r *rtcpRouter) unbind(ssrc uint32, d *downTrack) {
	r.mu.Lock()
	if r.tracks[ssrc] == d {
		delete(r.tracks, ssrc)
	}
	r.mu.Unlock()
}

// onRTCP handles one RTCP packet (pion's SRTCP session splits compound
// packets) addressed to ssrc.
func (p *Peer) onRTCP(ssrc uint32, b []byte) {
	pkts, err := rtcp.Unmarshal(b)
	if err != nil {
		return
	}
	if p.est != nil {
		// Transport-wide feedback for GCC, whichever track it names.
		_ = p.est.WriteRTCP(pkts, nil)
	}
	for _, x := range pkts {
		if remb, ok := x.(*rtcp.ReceiverEstimatedMaximumBitrate); ok {
			p.setREMB(remb.Bitrate)
		}
	}
	r := &p.rtcp
	r.mu.Lock()
	d := r.tracks[ssrc]
	r.mu.Unlock()
	if d != nil {
		r.rtxMu.Lock()
		d.onRTCP(pkts, &r.rtx)
		r.rtxMu.Unlock()
	}
}

// streamBuffer is the down connection's SettingEngine.BufferFactory:
// RTCP goes to onRTCP as it arrives; RTP (a subscriber sends none on its
// down connection) gets pion's usual bounded buffer.
func (p *Peer) streamBuffer(kind packetio.BufferPacketType, ssrc uint32) io.ReadWriteCloser {
	if kind == packetio.RTCPBufferPacket {
		return &rtcpInline{p: p, ssrc: ssrc, done: make(chan struct{})}
	}
	b := packetio.NewBuffer()
	b.SetLimitSize(rtpBufferLimit)
	return rtpBuffer{b}
}

// rtpBufferLimit is pion's own limit for an SRTP stream's buffer.
const rtpBufferLimit = 1000 * 1000

// rtcpInline is one SSRC's SRTCP "buffer": Write delivers at once, and
// there is nothing to read (Read waits until the stream closes).
type rtcpInline struct {
	p    *Peer
	ssrc uint32
	once sync.Once
	done chan struct{}
}

func (b *rtcpInline) Write(pkt []byte) (int, error) {
	select {
	case <-b.done:
		return 0, io.ErrClosedPipe
	default:
	}
	b.p.onRTCP(b.ssrc, pkt)
	return len(pkt), nil
}

func (b *rtcpInline) Read([]byte) (int, error) {
	<-b.done
	return 0, io.EOF
}

func (b *rtcpInline) Close() error {
	b.once.Do(func() { close(b.done) })
	return nil
}

// rtpBuffer is a packetio.Buffer as the io.ReadWriteCloser pion's SRTP
// session wants (what srtp's unexported packetBuffer does).
type rtpBuffer struct{ *packetio.Buffer }

func (b rtpBuffer) Read(p []byte) (int, error) {
	n, _, err := b.Buffer.Read(p, nil)
	return n, err
}

func (b rtpBuffer) Write(p []byte) (int, error) { return b.Buffer.Write(p, nil) }

func (b rtpBuffer) ReadWithAttributes(p []byte, a packetio.Attributes) (int, packetio.Attributes, error) {
	return b.Buffer.Read(p, a)
}

func (b rtpBuffer) WriteWithAttributes(p []byte, a packetio.Attributes) (int, error) {
	return b.Buffer.Write(p, a)
}
