package sfu

import (
	"slices"
	"time"
)

// Layer choice. Every allocInterval the room's loop measures each
// published layer's bit rate and gives each subscriber, within its
// bandwidth estimate, the layers its view needs (see the package doc).
const (
	allocInterval = 200 * time.Millisecond
	// rateSmoothing weighs a new rate measurement against the old.
	rateSmoothing = 0.3
	// upMargin is the headroom (of the new layer's rate) an estimate
	// must leave before a subscriber is switched up, so that an estimate
	// hovering at a layer's rate does not switch it up and down.
	upMargin = 0.15
	// audioReserve is what each received audio track is assumed to
	// take before it has been measured: audio is served first.
	audioReserve = 40_000
	// rembValid is how long a REMB from the subscriber counts.
	rembValid = 5 * time.Second
)

// nominalRate is each simulcast layer's expected rate (signaling/PROTOCOL.md), used
// for a layer not yet (or no longer) received.
var nominalRate = [maxLayers]float64{150_000, 500_000, 1_500_000}

// layerWidth is each layer's width; a view up to 10 % wider still gets
// that layer.
var layerWidth = [maxLayers]int{320, 640, 1280}

// View is the largest size at which a subscriber shows one received
// video track (the "view" message).
type View struct {
	Track         string
	Width, Height int
}

// maxViews bounds a view message's tracks.
const maxViews = 256 // as signaling's maxViewTracks

// SetView replaces the sizes at which this participant shows the video
// it receives; a track not listed is hidden and gets no video.
func (p *Peer) SetView(views []View) {
	m := make(map[string]View, min(len(views), maxViews))
	for i, v := range views {
		if i == maxViews {
			break
		}
		m[v.Track] = v
	}
	p.viewMu.Lock()
	p.view = m
	p.viewMu.Unlock()
}

// want is the highest layer p's view needs of t (-1: hidden) and the
// area it is shown at, which orders the tracks when the estimate does
// not carry all of them.
func (p *Peer) want(t *upTrack) (layer, area int) {
	p.viewMu.Lock()
	v, ok := p.view[t.id]
	set := p.view != nil
	p.viewMu.Unlock()
	if !set {
		return maxLayers - 1, 1280 * 720 // no view yet: everything large
	}
	if !ok || v.Width <= 0 || v.Height <= 0 {
		return -1, 0
	}
	w := max(v.Width, v.Height*16/9)
	for i, lw := range layerWidth {
		if w <= lw*11/10 {
			return i, v.Width * v.Height
		}
	}
	return maxLayers - 1, v.Width * v.Height
}

func (p *Peer) setREMB(bps float32) {
	p.remb.Store(int64(bps))
	p.rembAt.Store(time.Now().UnixNano())
}

// estimate is the bit rate p's down connection carries: GCC on the
// subscriber's TWCC feedback, capped by its REMB when it sends one.
func (p *Peer) estimate(now int64) float64 {
	est := float64(bweInitial)
	if p.est != nil {
		est = float64(p.est.GetTargetBitrate())
	}
	if now-p.rembAt.Load() < int64(rembValid) {
		est = min(est, float64(p.remb.Load()))
	}
	return est
}

// rateOf is layer i's rate as the allocation counts it.
func (t *upTrack) rateOf(i int, now int64) float64 {
	l := t.layers[i].Load()
	if l != nil && l.live(now) && l.rate > 0 {
		return l.rate
	}
	if t.audio {
		return audioReserve
	}
	if !t.simulcast {
		return nominalRate[1]
	}
	return nominalRate[i]
}

// allocLoop runs the allocation and the active speaker choice until the
// room closes.
func (r *Room) allocLoop() {
	defer close(r.loopDone)
	tick := time.NewTicker(allocInterval)
	defer tick.Stop()
	last := time.Now()
	for {
		select {
		case <-r.stop:
			return
		case now := <-tick.C:
			r.allocate(now, now.Sub(last))
			last = now
		}
	}
}

type subscriber struct {
	p     *Peer
	downs []*downTrack
}

func (r *Room) allocate(now time.Time, dt time.Duration) {
	r.mu.Lock()
	tracks := slices.Clone(r.tracks)
	subs := make([]subscriber, 0, len(r.peers))
	for _, p := range r.peers {
		s := subscriber{p: p}
		for _, d := range p.downTracks {
			s.downs = append(s.downs, d)
		}
		subs = append(subs, s)
	}
	r.mu.Unlock()

	ns := now.UnixNano()
	for _, t := range tracks {
		for i := range t.layers {
			if l := t.layers[i].Load(); l != nil {
				b := float64(l.bytes.Load())
				inst := (b - l.prevBytes) * 8 / dt.Seconds()
				if l.prevBytes == 0 {
					l.rate = inst // the first measurement, not a ramp from 0
				} else {
					l.rate += rateSmoothing * (inst - l.rate)
				}
				l.prevBytes = b
			}
		}
	}
	needed := make(map[*upTrack]uint8)
	for _, s := range subs {
		allocateSub(s, ns, needed)
	}
	r.sendReports(now, subs)
	for _, t := range tracks {
		if !t.simulcast {
			continue
		}
		mask := needed[t]
		if t.sentMask == mask {
			continue
		}
		t.sentMask = mask
		active := []string{}
		for i, rid := range rids {
			if mask&(1<<i) != 0 {
				active = append(active, rid)
			}
		}
		t.pub.send(Outbound{Type: "layers", Track: t.id, Active: active})
	}
	r.chooseSpeaker(now, tracks, subs)
}

// allocateSub sets the target layer of each video track s receives.
// Audio is served first; then every visible track gets its lowest layer,
// largest tiles first, as far as the estimate goes (the largest always
// keeps its lowest layer, see below); then each is raised
// towards what its view needs, again largest first. A track without
// simulcast (a screen share, an old client) has one layer and is never
// dropped for bandwidth, only when hidden.
func allocateSub(s subscriber, now int64, needed map[*upTrack]uint8) {
	budget := s.p.estimate(now)
	type cand struct {
		d                 *downTrack
		want, area        int
		choice, cur, held int
	}
	var cands []cand
	for _, d := range s.downs {
		if d.up.audio {
			budget -= d.up.rateOf(0, now)
			continue
		}
		want, area := s.p.want(d.up)
		d.mu.Lock()
		cur := d.cur
		d.mu.Unlock()
		// held is the layer the subscriber has or is switching to: a
		// switch waiting for its keyframe keeps its layer like one made.
		held := max(cur, int(d.target.Load()))
		cands = append(cands, cand{d: d, want: want, area: area, choice: -1, cur: cur, held: held})
	}
	slices.SortStableFunc(cands, func(a, b cand) int { return b.area - a.area })
	for i := range cands {
		c := &cands[i]
		if c.want < 0 {
			continue
		}
		if !c.d.up.simulcast {
			c.choice = 0
			budget -= c.d.up.rateOf(0, now)
		}
	}
	floor := true
	for i := range cands {
		c := &cands[i]
		if c.want < 0 || !c.d.up.simulcast {
			continue
		}
		// The largest visible track keeps its lowest layer even when
		// the estimate is below it: with nothing sent there is no
		// feedback, and GCC, which does not probe, would never raise
		// the estimate again.
		if r0 := c.d.up.rateOf(0, now); budget >= r0 || floor {
			c.choice = 0
			budget -= r0
		}
		floor = false
	}
	for i := range cands {
		c := &cands[i]
		t := c.d.up
		for c.choice >= 0 && c.choice < c.want && t.simulcast {
			next := c.choice + 1
			extra := t.rateOf(next, now) - t.rateOf(c.choice, now)
			if next > c.held {
				extra += upMargin * t.rateOf(next, now)
			}
			if budget < extra {
				break
			}
			budget -= t.rateOf(next, now) - t.rateOf(c.choice, now)
			c.choice = next
		}
		target := c.choice
		if t.simulcast && target >= 0 {
			needed[t] |= 1 << target
			if c.cur >= 0 {
				needed[t] |= 1 << c.cur // until the switch is made
			}
			// Forward the best layer at or below the choice that
			// arrives; the publisher resumes a paused one on the
			// layers message.
			for target >= 0 {
				if l := t.layers[target].Load(); l != nil && l.live(now) {
					break
				}
				target--
			}
			// Nothing at or below the choice arrives yet (the publisher
			// had paused it and resumes it on the layers message): keep
			// forwarding the current layer meanwhile rather than
			// nothing, which would freeze the picture until the lower
			// layer's keyframe.
			if target < 0 && c.cur >= 0 {
				if l := t.layers[c.cur].Load(); l != nil && l.live(now) {
					target = c.cur
				}
			}
		}
		if old := c.d.target.Swap(int32(target)); old != int32(target) {
			s.p.log.Debug("sfu: layer target", "publisher", t.pub.id, "track", t.id,
				"from", old, "to", target, "estimate", int(s.p.estimate(now)),
				"rates", []int{int(t.rateOf(0, now)), int(t.rateOf(1, now)), int(t.rateOf(2, now))})
		}
	}
}
