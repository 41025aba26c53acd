package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"sync"
	"time"

	"github.com/pion/webrtc/v4"
)

// target is one SFU under test, started afresh for every measured point.
type target interface {
	name() string
	// mediaIP is the address the load peers gather on.
	mediaIP() net.IP
	start(ctx context.Context, pin bool) error
	pid() int
	// publish connects the publisher and returns once the SFU has it up.
	publish(ctx context.Context, p *publisher) error
	// subscribe signals one subscriber up to its answer.
	subscribe(ctx context.Context, s *subscriber) error
	close()
}

// statser is a target that describes its own state (-v).
type statser interface {
	stats(ctx context.Context) string
}

// gcTimer is a target that reports its garbage collector's CPU time
// (-v: the GC's share of the SFU's CPU in the window).
type gcTimer interface {
	gcSeconds(ctx context.Context) (float64, error)
}

// profiler is a target that can hand out a CPU profile of itself.
type profiler interface {
	profile(ctx context.Context, d time.Duration, out string) error
	heap(ctx context.Context, out string) error
}

// result of one point (one SFU, one N, one repetition).
type result struct {
	n         int
	pps       float64 // packets received by all subscribers per second
	cpuPerM   float64 // SFU CPU seconds per million forwarded packets
	sfuCPU    float64 // SFU CPU share of one core during the window
	loadCPU   float64 // load generator's share of one core
	memPerSub float64 // SFU RSS growth per subscriber, bytes
	joins     []time.Duration
	// stages are the joins split (subscriber.stages), for -v.
	stages [4][]time.Duration
	// frames and forcedKeys the publisher sent during the window.
	frames, forcedKeys uint64
	// layerKbps is, per simulcast layer asked for, the median video rate
	// its subscribers received (kbit/s): it shows each SFU honoured the
	// choice.
	layerKbps [3]float64
	note      string // the target's own view (-v)
}

const (
	setupTimeout = 30 * time.Second
	joinTimeout  = 15 * time.Second
)

func runPoint(cfg *config, t target, n int, profileOut string) (res result, err error) {
	res.n = n
	ctx, cancel := context.WithTimeout(context.Background(), setupTimeout+cfg.settle+cfg.warmup+cfg.duration+time.Duration(n)*joinTimeout)
	defer cancel()
	defer t.close()
	if err := t.start(ctx, cfg.pin); err != nil {
		return res, fmt.Errorf("start: %w", err)
	}
	api, err := newAPI(t.mediaIP(), cfg.dtlsRetransmit, srtpProfiles[cfg.srtp], cfg.simulcast)
	if err != nil {
		return res, err
	}
	pub, err := newPublisher(api, cfg.simulcast)
	if err != nil {
		return res, err
	}
	defer pub.close()
	pctx, pcancel := context.WithTimeout(ctx, setupTimeout)
	defer pcancel()
	if err := t.publish(pctx, pub); err != nil {
		return res, fmt.Errorf("publish: %w", err)
	}
	select {
	case <-pub.connected:
	case <-pctx.Done():
		return res, fmt.Errorf("publisher not connected (%s)", describe(pub.pc))
	}
	pub.start()
	time.Sleep(cfg.settle)
	rss0, err := rssBytes(t.pid())
	if err != nil {
		return res, err
	}
	parts0 := rssParts(t.pid())
	if p, ok := t.(profiler); ok && profileOut != "" {
		// The heap with only the publisher, to diff against the one after
		// the joins: go tool pprof -diff_base FILE.heap-before FILE.heap.
		if err := p.heap(ctx, profileOut+".heap-before"); err != nil {
			fmt.Fprintln(os.Stderr, "sfuload: heap profile:", err)
		}
	}
	var note0 string
	if st, ok := t.(statser); ok && cfg.verbose {
		note0 = st.stats(ctx)
	}

	subs := make([]*subscriber, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	sem := make(chan struct{}, cfg.joinPar)
	for i := range subs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			layer := -1
			if cfg.simulcast {
				layer = i % len(simLayers)
			}
			subs[i], errs[i] = join(ctx, api, t, layer)
		}()
	}
	wg.Wait()
	defer func() {
		for _, s := range subs {
			if s != nil {
				s.close()
			}
		}
	}()
	for i, err := range errs {
		if err != nil {
			return res, fmt.Errorf("subscriber %d: %w", i, err)
		}
		d, _ := subs[i].joinTime()
		res.joins = append(res.joins, d)
		if st, ok := subs[i].stages(); ok {
			for k := range st {
				res.stages[k] = append(res.stages[k], st[k])
			}
		}
	}

	time.Sleep(cfg.warmup)
	var prof chan error
	if p, ok := t.(profiler); ok && profileOut != "" {
		prof = make(chan error, 1)
		go func() { prof <- p.profile(ctx, cfg.duration*3/4, profileOut) }()
	}
	gt, hasGC := t.(gcTimer)
	var gc0 float64
	if hasGC && cfg.verbose {
		gc0, _ = gt.gcSeconds(ctx)
	}
	c0, err := cpuSeconds(t.pid())
	if err != nil {
		return res, err
	}
	l0, _ := cpuSeconds(os.Getpid())
	f0, k0 := pub.frames.Load(), pub.forced.Load()
	p0 := received(subs)
	v0 := videoBytes(subs)
	t0 := time.Now()
	time.Sleep(cfg.duration)
	c1, err := cpuSeconds(t.pid())
	if err != nil {
		return res, err
	}
	gcNote := ""
	if hasGC && cfg.verbose {
		if gc1, err := gt.gcSeconds(ctx); err == nil && c1 > c0 {
			gcNote = fmt.Sprintf("; GC %.0f%% of the SFU's CPU in the window", 100*(gc1-gc0)/(c1-c0))
		}
	}
	l1, _ := cpuSeconds(os.Getpid())
	res.frames, res.forcedKeys = pub.frames.Load()-f0, pub.forced.Load()-k0
	p1 := received(subs)
	el := time.Since(t0).Seconds()
	if cfg.simulcast {
		var per [3][]float64
		for i, b := range videoBytes(subs) {
			per[subs[i].layer] = append(per[subs[i].layer], float64(b-v0[i])*8/el/1e3)
		}
		for l := range per {
			res.layerKbps[l] = median(per[l])
		}
	}
	rss1, err := rssBytes(t.pid())
	if err != nil {
		return res, err
	}
	if st, ok := t.(statser); ok && cfg.verbose {
		res.note = fmt.Sprintf("RSS %.1f (%s) → %.1f (%s) MB; before the joins %s\n    after: %s%s",
			float64(rss0)/1e6, parts0, float64(rss1)/1e6, rssParts(t.pid()), note0, st.stats(ctx), gcNote)
	}
	if prof != nil {
		if err := <-prof; err != nil {
			fmt.Fprintln(os.Stderr, "sfuload: profile:", err)
		}
	}
	pk := float64(p1 - p0)
	res.pps = pk / el
	if pk > 0 {
		res.cpuPerM = (c1 - c0) / pk * 1e6
	}
	res.sfuCPU = (c1 - c0) / el
	res.loadCPU = (l1 - l0) / el
	res.memPerSub = float64(rss1-rss0) / float64(n)
	return res, nil
}

// join starts one subscriber and waits for its first media packet.
func join(ctx context.Context, api *webrtc.API, t target, layer int) (*subscriber, error) {
	s, err := newSubscriber(api, layer)
	if err != nil {
		return nil, err
	}
	s.started = time.Now()
	jctx, cancel := context.WithTimeout(ctx, joinTimeout)
	defer cancel()
	if err := t.subscribe(jctx, s); err != nil {
		s.close()
		return nil, err
	}
	select {
	case <-s.got:
		return s, nil
	case <-jctx.Done():
		err := fmt.Errorf("no media within %v (%s)", joinTimeout, describe(s.pc))
		s.close()
		return nil, err
	}
}

func received(subs []*subscriber) uint64 {
	var n uint64
	for _, s := range subs {
		n += s.pkts.Load()
	}
	return n
}

func videoBytes(subs []*subscriber) []uint64 {
	b := make([]uint64, len(subs))
	for i, s := range subs {
		b[i] = s.videoBytes.Load()
	}
	return b
}
