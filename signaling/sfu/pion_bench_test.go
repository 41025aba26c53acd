package sfu

import (
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
)

// pionPair connects a sender built on the Engine's API (our codecs and
// interceptors) to a client over loopback, for measuring what pion costs
// per packet beyond our fan-out.
func pionPair(b *testing.B) (*webrtc.TrackLocalStaticRTP, <-chan struct{}, func()) {
	e := newTestEngine(b)
	snd, err := e.downAPI(e.downSE).NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		b.Fatal(err)
	}
	rcv, err := clientAPI(b).NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		b.Fatal(err)
	}
	track, err := webrtc.NewTrackLocalStaticRTP(codecs[1].params.RTPCodecCapability, "v", "s")
	if err != nil {
		b.Fatal(err)
	}
	if _, err := snd.AddTrack(track); err != nil {
		b.Fatal(err)
	}
	got := make(chan struct{}, 1024)
	rcv.OnTrack(func(tr *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
		buf := make([]byte, packetBufSize)
		for {
			if _, _, err := tr.Read(buf); err != nil {
				return
			}
			got <- struct{}{}
		}
	})
	signal := func(from, to *webrtc.PeerConnection, offer bool) {
		var d webrtc.SessionDescription
		if offer {
			d, err = from.CreateOffer(nil)
		} else {
			d, err = from.CreateAnswer(nil)
		}
		if err != nil {
			b.Fatal(err)
		}
		g := webrtc.GatheringCompletePromise(from)
		if err := from.SetLocalDescription(d); err != nil {
			b.Fatal(err)
		}
		<-g
		if err := to.SetRemoteDescription(*from.LocalDescription()); err != nil {
			b.Fatal(err)
		}
	}
	signal(snd, rcv, true)
	signal(rcv, snd, false)
	return track, got, func() { _ = snd.Close(); _ = rcv.Close() }
}

// BenchmarkPionWriteRoundTrip writes one packet through pion's send path
// (interceptors, SRTP, UDP mux) and waits until the client's TrackRemote
// has read it: pion's per-packet cost on both sides of a hop.
func BenchmarkPionWriteRoundTrip(b *testing.B) {
	track, got, stop := pionPair(b)
	defer stop()
	pkt := &rtp.Packet{
		Header:  rtp.Header{Version: 2, Timestamp: 9000, Marker: true},
		Payload: make([]byte, 1000),
	}
	// Packets written before DTLS completes are dropped: retry until one
	// arrives.
	deadline := waitTimeout()
	for arrived := false; !arrived; {
		pkt.SequenceNumber++
		if err := track.WriteRTP(pkt); err != nil {
			b.Fatal(err)
		}
		select {
		case <-got:
			arrived = true
		case <-time.After(10 * time.Millisecond):
		case <-deadline:
			b.Fatal("no packet through")
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		pkt.SequenceNumber++
		if err := track.WriteRTP(pkt); err != nil {
			b.Fatal(err)
		}
		<-got
	}
}
