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

// TestSwitchUpPendingKeepsItsMargin: the headroom a switch up needs
// (upMargin) is not asked again while the switch waits for its keyframe.
// Asking it again made a subscriber whose estimate sat inside the margin
// flip between two layers every 200 ms on a busy machine, each time
// asking the publisher for another keyframe.
func TestSwitchUpPendingKeepsItsMargin(t *testing.T) {
	now := time.Now().UnixNano()
	up := &upTrack{id: "cam", vp8: true, simulcast: true, pub: &Peer{id: "pub"}}
	for i, rate := range []float64{150_000, 500_000} {
		l := &upLayer{t: up, idx: i, rate: rate}
		l.lastPacket.Store(now)
		up.layers[i].Store(l)
	}
	p := &Peer{log: slog.New(slog.DiscardHandler)}
	p.SetView([]View{{Track: "cam", Width: 445, Height: 250}})
	// Enough for the middle layer, not for it with the margin (575 kbit/s).
	p.remb.Store(540_000)
	p.rembAt.Store(now)
	for _, c := range []struct {
		name        string
		cur, target int32
		want        int32
	}{
		{"on the low layer", 0, 0, 0},
		{"switching up, waiting for the keyframe", 0, 1, 1},
		{"on the middle layer", 1, 1, 1},
	} {
		d := &downTrack{up: up, sub: p, cur: int(c.cur)}
		d.target.Store(c.target)
		allocateSub(subscriber{p: p, downs: []*downTrack{d}}, now, map[*upTrack]uint8{})
		if got := d.target.Load(); got != c.want {
			t.Errorf("%s: target %d, want %d", c.name, got, c.want)
		}
	}
}
