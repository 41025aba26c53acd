package sfu

import (
	"math"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
)

// A subscriber gets RTCP sender reports for what it receives (reports.go,
// sent by the room's allocation loop instead of a goroutine per
// connection): for audio and video, each mapping wall-clock time to the
// RTP clock of the stream as forwarded, which the browser needs to play
// the two in sync.
func TestSubscriberGetsSenderReports(t *testing.T) {
	e := newTestEngine(t)
	r := e.NewRoom("r1", nil)
	defer r.Close()
	a := newClient(t, r, "A", false)
	a.publish()
	var lastTS atomic.Int64 // the latest video timestamp B received, +1
	b := newClientOn(t, r, "B", false, clientAPI(t), func(p *rtp.Packet) {
		lastTS.Store(int64(p.Timestamp) + 1)
	})
	waitFor(t, "A's video at B", func() bool { return lastTS.Load() != 0 })

	for _, rc := range b.down.GetReceivers() {
		tr := rc.Track()
		if tr == nil {
			continue
		}
		kind, ssrc := tr.Kind(), uint32(tr.SSRC())
		clock := 48000.0 // Opus
		if kind == webrtc.RTPCodecTypeVideo {
			clock = 90000
		}
		// Two reports on the stream, at least a reportInterval apart.
		var srs []*rtcp.SenderReport
		deadline := time.Now().Add(timeout)
		for len(srs) < 2 {
			if err := rc.SetReadDeadline(deadline); err != nil {
				t.Fatal(err)
			}
			pkts, _, err := rc.ReadRTCP()
			if err != nil {
				t.Fatalf("%s: %d sender reports before %v", kind, len(srs), err)
			}
			for _, p := range pkts {
				if sr, ok := p.(*rtcp.SenderReport); ok && sr.SSRC == ssrc {
					srs = append(srs, sr)
				}
			}
		}
		first, second := srs[0], srs[1]
		if d := time.Since(ntpToTime(second.NTPTime)); d < -time.Second || d > 3*time.Second {
			t.Errorf("%s: report's wall clock is %v from now", kind, d)
		}
		// The RTP clock moves on with the wall clock, never ahead of it.
		// Not exactly at its rate: the test's publisher stamps its
		// packets from a ticker that drops ticks on a loaded machine,
		// and the reports follow the stream as sent.
		dWall := ntpToTime(second.NTPTime).Sub(ntpToTime(first.NTPTime)).Seconds()
		dRTP := float64(int32(second.RTPTime - first.RTPTime))
		if dWall < 0.5 || dRTP <= 0 || dRTP > 1.25*clock*dWall {
			t.Errorf("%s: %.0f RTP ticks in %.2f s of wall clock at %.0f/s", kind, dRTP, dWall, clock)
		}
		if second.PacketCount <= first.PacketCount || second.OctetCount <= first.OctetCount {
			t.Errorf("%s: counts did not grow: %d/%d then %d/%d packets/octets", kind,
				first.PacketCount, first.OctetCount, second.PacketCount, second.OctetCount)
		}
		if kind == webrtc.RTPCodecTypeVideo {
			// The mapping is that of the stream as B receives it
			// (timestamps renumbered by the SFU), within half a second.
			off := int32(second.RTPTime - uint32(lastTS.Load()-1))
			if math.Abs(float64(off)) > clock/2 {
				t.Errorf("video: report's RTP time %d is %d ticks from the last received %d",
					second.RTPTime, off, lastTS.Load()-1)
			}
		}
	}
}

// ntpToTime reads a 64-bit NTP timestamp.
func ntpToTime(v uint64) time.Time {
	sec := int64(v>>32) - 2208988800
	frac := int64((v & 0xffffffff) * 1e9 >> 32)
	return time.Unix(sec, frac)
}
