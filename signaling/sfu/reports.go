package sfu

import (
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
)

// RTCP sender reports on the down connections (RFC 3550 6.4.1): they map
// each forwarded stream's RTP clock to wall-clock time, which the
// subscriber's browser needs to play audio and video in sync. pion's
// report interceptor would do this with a ticker goroutine and a locked
// per-stream record per connection; the room's allocation loop already
// visits every subscriber's tracks five times a second, so it sends the
// reports too (sendReports), once a second like pion, all of one
// connection's in one compound packet. That is one goroutine stack and
// one interceptor's state less per subscriber (bench/sfuload/README.md).

// reportInterval is how often each down connection gets its reports.
const reportInterval = time.Second

// srState is what a down track's next sender report says. Guarded by
// downTrack.mu.
type srState struct {
	packets, octets uint32 // sent, retransmissions included (RFC 3550)
	// ts is the RTP timestamp of the latest frame sent in order and at
	// the wall-clock time (unix ns) its first packet went out.
	ts uint32
	at int64
}

// sent records a packet that went out. inOrder is false for
// retransmissions, which count but move no clock. d.mu held.
func (d *downTrack) sent(p *rtp.Packet, now int64, inOrder bool) {
	s := &d.sr
	if inOrder && (s.packets == 0 || p.Timestamp != s.ts) {
		s.ts, s.at = p.Timestamp, now
	}
	s.packets++
	s.octets += uint32(len(p.Payload))
}

// senderReport is the track's report at now, false before its first
// packet (a source that sent nothing sends no SR) or when unbound.
func (d *downTrack) senderReport(now time.Time) (*rtcp.SenderReport, bool) {
	ssrc := d.ssrc.Load()
	if ssrc == 0 {
		return nil, false
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	s := d.sr
	if s.packets == 0 {
		return nil, false
	}
	el := float64(now.UnixNano()-s.at) / 1e9
	return &rtcp.SenderReport{
		SSRC:        ssrc,
		NTPTime:     ntpTime(now),
		RTPTime:     s.ts + uint32(int64(el*float64(d.up.codec.ClockRate))),
		PacketCount: s.packets,
		OctetCount:  s.octets,
	}, true
}

// sendReports sends every subscriber in subs its sender reports, if the
// last ones went out at least reportInterval ago. Allocation loop only.
func (r *Room) sendReports(now time.Time, subs []subscriber) {
	if now.Sub(r.lastReports) < reportInterval {
		return
	}
	r.lastReports = now
	var pkts []rtcp.Packet
	for _, s := range subs {
		pkts = pkts[:0]
		for _, d := range s.downs {
			if sr, ok := d.senderReport(now); ok {
				pkts = append(pkts, sr)
			}
		}
		if len(pkts) > 0 {
			// Errors are a connection closing or not yet up; the next
			// round tries again.
			_ = s.p.down.pc.WriteRTCP(pkts)
		}
	}
}

// ntpTime is t as a 64-bit NTP timestamp (seconds since 1900, 32.32
// fixed point).
func ntpTime(t time.Time) uint64 {
	const unixToNTP = 2208988800 // seconds from 1900 to 1970
	ns := t.UnixNano()
	sec := uint64(ns/1e9) + unixToNTP
	frac := uint64(ns%1e9) << 32 / 1e9
	return sec<<32 | frac
}
