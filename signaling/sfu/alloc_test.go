package sfu

import (
	"log/slog"
	"testing"
	"time"
)

// TestDownSwitchToAPausedLayerKeepsTheCurrentOne: a subscriber on the
// middle layer whose estimate falls to the low layer's, while the
// publisher has paused the low layer (nobody needed it), keeps getting
// the middle layer until the low one arrives, rather than nothing (a
// frozen picture until the low layer's keyframe); and the low layer is
// asked back from the publisher.
func TestDownSwitchToAPausedLayerKeepsTheCurrentOne(t *testing.T) {
	now := time.Now().UnixNano()
	up := &upTrack{id: "cam", vp8: true, simulcast: true, pub: &Peer{id: "pub"}}
	for i := range maxLayers {
		up.layers[i].Store(&upLayer{t: up, idx: i})
	}
	mid := up.layers[1].Load()
	mid.lastPacket.Store(now)
	mid.rate = 500_000
	p := &Peer{log: slog.New(slog.DiscardHandler)}
	p.SetView([]View{{Track: "cam", Width: 445, Height: 250}}) // wants the middle layer
	p.remb.Store(120_000)
	p.rembAt.Store(now)
	d := &downTrack{up: up, sub: p, cur: 1}
	d.target.Store(1)

	needed := map[*upTrack]uint8{}
	allocateSub(subscriber{p: p, downs: []*downTrack{d}}, now, needed)
	if got := d.target.Load(); got != 1 {
		t.Errorf("forwarding layer %d while the low layer is paused, want the middle one (1) kept", got)
	}
	if needed[up] != 1<<0|1<<1 {
		t.Errorf("layers asked of the publisher %03b, want the low one back and the middle one until the switch (011)", needed[up])
	}

	// Once the low layer arrives, it is the target.
	low := up.layers[0].Load()
	low.lastPacket.Store(now)
	low.rate = 150_000
	allocateSub(subscriber{p: p, downs: []*downTrack{d}}, now, needed)
	if got := d.target.Load(); got != 0 {
		t.Errorf("target %d once the low layer arrives, want 0", got)
	}
}
