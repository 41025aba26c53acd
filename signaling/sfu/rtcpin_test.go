package sfu

import (
	"testing"

	"github.com/pion/rtcp"
	"github.com/pion/webrtc/v4"
)

// A subscriber's PLI on its down connection reaches the publisher: the
// feedback is handled as pion's SRTCP session delivers it (rtcpin.go),
// with no reader goroutine per track.
func TestSubscriberPLIReachesPublisher(t *testing.T) {
	e := newTestEngine(t)
	r := e.NewRoom("r1", nil)
	defer r.Close()
	a := newClient(t, r, "A", false)
	a.publish()
	b := newClient(t, r, "B", false)
	b.waitRecv("A's video at B", fromPeer(t, "A", false))
	var ssrc webrtc.SSRC
	for _, rc := range b.down.GetReceivers() {
		if tr := rc.Track(); tr != nil && tr.Kind() == webrtc.RTPCodecTypeVideo {
			ssrc = tr.SSRC()
		}
	}
	if ssrc == 0 {
		t.Fatal("B has no video receiver")
	}
	before := r.Stats().KeyframeRequests
	// Asked again on every poll: the SFU passes on at most one request
	// per pliInterval.
	waitFor(t, "B's PLI at A", func() bool {
		b.must(b.down.WriteRTCP([]rtcp.Packet{&rtcp.PictureLossIndication{MediaSSRC: uint32(ssrc)}}))
		return r.Stats().KeyframeRequests > before
	})
}
