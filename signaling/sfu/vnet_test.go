package sfu

import (
	"fmt"
	"log/slog"
	"os"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/interceptor"
	"github.com/pion/interceptor/pkg/nack"
	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/transport/v5/vnet"
	"github.com/pion/webrtc/v4"
)

// Impaired links in-process: pion's virtual network puts the SFU and
// each client on a router, a subscriber's downlink behind a token bucket
// (bandwidth) or a loss filter. The clients run pion with its default
// interceptors, as a browser does: TWCC feedback and NACKs.
//
// Each test runs in a synctest bubble (testing/synctest): vnet's links,
// pion's timers and GCC's clock (time.Now) are all virtual there, and
// time advances only when every goroutine waits. Bandwidth, queueing
// delay and the estimator's reaction are therefore exact whatever the
// machine's load or the race detector, and the ten-odd simulated
// seconds of each test take a fraction of a real one. Every wait is
// bounded by a deadline in that virtual time.

type vnetWorld struct {
	t      *testing.T
	router *vnet.Router
	e      *Engine
	room   *Room
	next   int
}

func newVnetWorld(t *testing.T) *vnetWorld {
	t.Helper()
	router, err := vnet.NewRouter(&vnet.RouterConfig{CIDR: "10.0.0.0/24", LoggerFactory: pionLoggerFactory{log: slog.New(slog.DiscardHandler)}})
	if err != nil {
		t.Fatal(err)
	}
	sfuNet, err := vnet.NewNet(&vnet.NetConfig{StaticIPs: []string{"10.0.0.1"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := router.AddNet(sfuNet); err != nil {
		t.Fatal(err)
	}
	if err := router.Start(); err != nil {
		t.Fatal(err)
	}
	var log *slog.Logger
	if testing.Verbose() {
		log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	e, err := NewEngine(Config{UDPPort: 5000, ListenIP: "10.0.0.1", vnet: sfuNet}, log)
	if err != nil {
		t.Fatal(err)
	}
	w := &vnetWorld{t: t, router: router, e: e, room: e.NewRoom("r", nil), next: 10}
	t.Cleanup(func() {
		w.room.Close()
		_ = e.Close()
		_ = router.Stop()
	})
	return w
}

// host adds a client's network; wrap puts something (a bandwidth queue,
// a loss filter) between the router and it.
func (w *vnetWorld) host(wrap func(*vnet.Net) vnet.NIC) (*vnet.Net, string) {
	w.t.Helper()
	w.next++
	ip := fmt.Sprintf("10.0.0.%d", w.next)
	n, err := vnet.NewNet(&vnet.NetConfig{StaticIPs: []string{ip}})
	if err != nil {
		w.t.Fatal(err)
	}
	var nic vnet.NIC = n
	if wrap != nil {
		nic = wrap(n)
	}
	if err := w.router.AddNet(nic); err != nil {
		w.t.Fatal(err)
	}
	return n, ip
}

// api is a browser-like pion on n: default codecs and interceptors.
func (w *vnetWorld) api(n *vnet.Net) *webrtc.API {
	var se webrtc.SettingEngine
	se.SetNet(n)
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	me := &webrtc.MediaEngine{}
	if err := me.RegisterDefaultCodecs(); err != nil {
		w.t.Fatal(err)
	}
	// As libwebrtc: a packet is NACKed at most ten times, and SRTP
	// accepts a repair up to 1024 packets late. Pion's defaults (NACK
	// until it arrives, a 64-packet replay window) reject every repair
	// older than 64 packets and NACK it again every 100 ms, which is
	// not what a browser does to a link.
	se.SetSRTPReplayProtectionWindow(1024)
	ir := &interceptor.Registry{}
	if err := webrtc.RegisterDefaultInterceptorsWithOptions(me, ir,
		webrtc.WithNackGeneratorOptions(nack.GeneratorMaxNacksPerPacket(10))); err != nil {
		w.t.Fatal(err)
	}
	return webrtc.NewAPI(webrtc.WithMediaEngine(me), webrtc.WithInterceptorRegistry(ir), webrtc.WithSettingEngine(se))
}

// link is a downlink of limited bandwidth with a 100 ms queue.
type link struct {
	q   *vnet.Queue
	tbf *vnet.TBFQueue
}

func limited(t *testing.T, bps int) (*link, func(*vnet.Net) vnet.NIC) {
	l := &link{tbf: vnet.NewTBFQueue(bps, 3000, int64(bps/8/10)+3000)}
	return l, func(n *vnet.Net) vnet.NIC {
		q, err := vnet.NewQueue(n, l.tbf)
		if err != nil {
			t.Fatal(err)
		}
		l.q = q
		t.Cleanup(func() { _ = q.Close() })
		return q
	}
}

// simulcastPublisher sends VP8 in three layers (rids l, m, h) at their
// nominal rates, 30 frames a second, a keyframe on each layer's PLI.
type simulcastPublisher struct {
	*client
	tx     *webrtc.RTPTransceiver
	tracks [maxLayers]*webrtc.TrackLocalStaticRTP
	keyReq [maxLayers]chan struct{}
}

func (w *vnetWorld) publisher(id string) *simulcastPublisher {
	n, _ := w.host(nil)
	c := newClientOn(w.t, w.room, id, false, w.api(n), nil)
	// Runs before the client's own cleanup: closing the room closes the
	// client's connections, which ends its RTCP readers.
	w.t.Cleanup(w.room.Close)
	p := &simulcastPublisher{client: c}
	vp8 := webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000}
	var sender *webrtc.RTPSender
	for i, rid := range rids {
		tr, err := webrtc.NewTrackLocalStaticRTP(vp8, id+"-video", id, webrtc.WithRTPStreamID(rid))
		if err != nil {
			w.t.Fatal(err)
		}
		p.tracks[i] = tr
		p.keyReq[i] = make(chan struct{}, 1)
		if i == 0 {
			tx, err := c.up.AddTransceiverFromTrack(tr, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendonly})
			if err != nil {
				w.t.Fatal(err)
			}
			sender = tx.Sender()
			p.tx = tx
		} else if err := sender.AddEncoding(tr); err != nil {
			w.t.Fatal(err)
		}
	}
	for i, rid := range rids {
		c.wg.Add(1)
		go func() {
			defer c.wg.Done()
			for {
				pkts, _, err := sender.ReadSimulcastRTCP(rid)
				if err != nil {
					return
				}
				for _, pk := range pkts {
					if _, ok := pk.(*rtcp.PictureLossIndication); ok {
						select {
						case p.keyReq[i] <- struct{}{}:
						default:
						}
					}
				}
			}
		}()
	}
	c.wg.Add(1)
	go p.generate()
	c.offerUp()
	return p
}

// generate paces frames at 30 a second (of the bubble's virtual time):
// the links under test are token buckets.
func (p *simulcastPublisher) generate() {
	defer p.wg.Done()
	tick := time.NewTicker(time.Second / 30)
	defer tick.Stop()
	var seq [maxLayers]uint16
	for i := range seq {
		seq[i] = uint16(1000 + 20000*i) // distinct spaces, as browsers' are
	}
	// A browser marks each simulcast packet with its mid and rid
	// (pion's TrackLocalStaticRTP does not): the ids negotiated.
	var midID, ridID uint8
	for frame := uint32(0); ; frame++ {
		select {
		case <-p.stop:
			return
		case <-tick.C:
		}
		if midID == 0 || ridID == 0 {
			for _, h := range p.tx.Sender().GetParameters().HeaderExtensions {
				switch h.URI {
				case "urn:ietf:params:rtp-hdrext:sdes:mid":
					midID = uint8(h.ID)
				case "urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id":
					ridID = uint8(h.ID)
				}
			}
		}
		for i := range maxLayers {
			key := frame == 0
			select {
			case <-p.keyReq[i]:
				key = true
			default:
			}
			size := int(nominalRate[i]) / 8 / 30
			if key {
				size *= 2
			}
			pic := uint16(frame*3+uint32(i)) & 0x7fff
			for off := 0; off < size; off += 1000 {
				n := min(1000, size-off)
				payload := make([]byte, max(n, 8))
				payload[0] = 0x80 // X
				if off == 0 {
					payload[0] |= 0x10 // S
				}
				payload[1] = 0x80 // I
				payload[2], payload[3] = 0x80|byte(pic>>8), byte(pic)
				payload[4] = 1 // interframe
				if key {
					payload[4] = 0
				}
				payload[5] = rids[i][0]
				seq[i]++
				pkt := &rtp.Packet{
					Header: rtp.Header{
						Version: 2, SequenceNumber: seq[i],
						Timestamp: uint32(i)*1_000_000 + frame*3000,
						Marker:    off+n >= size,
					},
					Payload: payload,
				}
				if midID != 0 && ridID != 0 {
					_ = pkt.Header.SetExtension(midID, []byte(p.tx.Mid()))
					_ = pkt.Header.SetExtension(ridID, []byte(rids[i]))
				}
				_ = p.tracks[i].WriteRTP(pkt)
			}
		}
	}
}

// watcher is a subscriber's view of the video it receives.
type watcher struct {
	mu      sync.Mutex
	layer   byte // rid of the last packet
	seqs    map[int]int
	last    int // unwrapped highest sequence number
	n       int
	jumps   []string // layer changes with a sequence or timestamp jump
	lastTS  uint32
	lastAt  time.Time // arrival of the last packet
	changes []time.Time
	byLayer map[byte]time.Time // first packet of each layer after reset
}

func (v *watcher) sink(p *rtp.Packet) {
	if len(p.Payload) < 6 {
		return
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	rid := p.Payload[5]
	seq := int(p.SequenceNumber)
	if v.n > 0 {
		// unwrap near the last one
		for seq < v.last-0x8000 {
			seq += 0x10000
		}
		for seq > v.last+0x8000 {
			seq -= 0x10000
		}
	}
	v.seqs[seq]++
	if v.n > 0 && rid != v.layer && seq > v.last {
		if seq-v.last > 30 || p.Timestamp-v.lastTS > 90000 {
			v.jumps = append(v.jumps, fmt.Sprintf("%c→%c: seq +%d, ts +%d", v.layer, rid, seq-v.last, p.Timestamp-v.lastTS))
		}
		v.changes = append(v.changes, time.Now())
	}
	if v.n == 0 || seq > v.last {
		if v.n > 0 && rid == v.layer && seq-v.last > 200 {
			v.jumps = append(v.jumps, fmt.Sprintf("within %c: seq +%d", rid, seq-v.last))
		}
		v.last, v.lastTS, v.layer = seq, p.Timestamp, rid
	}
	v.lastAt = time.Now()
	if _, ok := v.byLayer[rid]; !ok {
		v.byLayer[rid] = time.Now()
	}
	v.n++
}

// mark forgets which layers arrived so far.
func (v *watcher) mark() {
	v.mu.Lock()
	clear(v.byLayer)
	v.mu.Unlock()
}

// current is the layer arriving now: that of the last packet, if it
// came within the last 200 ms (six frames); 0 when video has stopped.
func (v *watcher) current() byte {
	v.mu.Lock()
	defer v.mu.Unlock()
	if time.Since(v.lastAt) > 200*time.Millisecond {
		return 0
	}
	return v.layer
}

func (w *vnetWorld) subscriber(id string, wrap func(*vnet.Net) vnet.NIC) *watcher {
	n, _ := w.host(wrap)
	v := &watcher{seqs: map[int]int{}, byLayer: map[byte]time.Time{}}
	newClientOn(w.t, w.room, id, false, w.api(n), v.sink)
	return v
}

// waitLayers waits until every watcher receives its wanted layer and
// keeps it for hold (so a passing state on the way does not count); the
// state must be reached within the given time.
func waitLayers(t *testing.T, within, hold time.Duration, want map[*watcher]byte) time.Duration {
	t.Helper()
	start := time.Now()
	deadline := time.After(within + hold)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	var since time.Time
	for {
		ok := true
		for v, l := range want {
			ok = ok && v.current() == l
		}
		switch {
		case !ok:
			since = time.Time{}
		case since.IsZero():
			since = time.Now()
		case time.Since(since) >= hold:
			if reached := since.Sub(start); reached <= within {
				return reached
			}
		}
		select {
		case <-tick.C:
		case <-deadline:
			got := ""
			for v, l := range want {
				got += fmt.Sprintf("%c (want %c) ", v.current(), l)
			}
			t.Fatalf("layers after %s: %s", within, got)
		}
	}
}

func (v *watcher) checkContinuous(t *testing.T, name string) {
	t.Helper()
	v.mu.Lock()
	defer v.mu.Unlock()
	if len(v.jumps) > 0 {
		t.Errorf("%s: discontinuities %v", name, v.jumps)
	}
}

func TestSimulcastLayersFollowLinks(t *testing.T) {
	synctest.Test(t, testSimulcastLayersFollowLinks)
}

func testSimulcastLayersFollowLinks(t *testing.T) {
	w := newVnetWorld(t)
	_, l300 := limited(t, 300_000)
	_, l1M := limited(t, 1_000_000)
	slow := w.subscriber("slow", l300)
	mid := w.subscriber("mid", l1M)
	fast := w.subscriber("fast", nil)
	p := w.publisher("P")

	reached := waitLayers(t, 10*time.Second, 2*time.Second, map[*watcher]byte{slow: 'l', mid: 'm', fast: 'h'})
	t.Logf("layers l/m/h reached after %s and held for 2 s", reached.Round(time.Millisecond))
	// The publisher was told to send the three layers these need.
	var last Outbound
	for len(p.layers) > 0 {
		last = <-p.layers
	}
	if last.Track != "P-video" || fmt.Sprint(last.Active) != "[l m h]" {
		t.Errorf("last layers message to the publisher %+v, want all three of P-video", last)
	}
	for name, v := range map[string]*watcher{"300k": slow, "1M": mid, "unlimited": fast} {
		v.checkContinuous(t, name)
	}
}

func TestSimulcastSwitchesDownWhenLinkDrops(t *testing.T) {
	synctest.Test(t, testSimulcastSwitchesDownWhenLinkDrops)
}

func testSimulcastSwitchesDownWhenLinkDrops(t *testing.T) {
	w := newVnetWorld(t)
	lk, wrap := limited(t, 2_000_000)
	drop := w.subscriber("drop", wrap)
	other := w.subscriber("other", nil)
	w.publisher("P")
	waitLayers(t, 10*time.Second, time.Second, map[*watcher]byte{drop: 'h', other: 'h'})

	other.mark()
	lk.tbf.SetRate(300_000)
	changed := time.Now()
	deadline := time.After(2 * time.Second)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	// A lower layer, not a stall (current is 0 then), is the switch.
	for c := drop.current(); c != 'l' && c != 'm'; c = drop.current() {
		select {
		case <-tick.C:
		case <-deadline:
			t.Fatalf("on layer %q 2 s after the link dropped to 300 kbit/s, want l or m", c)
		}
	}
	t.Logf("switched down after %s", time.Since(changed))
	// The other subscriber stays high meanwhile.
	other.mu.Lock()
	_, low := other.byLayer['l']
	_, mid := other.byLayer['m']
	other.mu.Unlock()
	if other.current() != 'h' || low || mid {
		t.Errorf("the unimpaired subscriber left the high layer")
	}
	drop.checkContinuous(t, "dropped link")
	other.checkContinuous(t, "unimpaired")
}

func TestLossRepairedFromSharedCache(t *testing.T) {
	synctest.Test(t, testLossRepairedFromSharedCache)
}

func testLossRepairedFromSharedCache(t *testing.T) {
	w := newVnetWorld(t)
	lossy := w.subscriber("lossy", func(n *vnet.Net) vnet.NIC {
		f, err := vnet.NewLossFilter(n, 5)
		if err != nil {
			t.Fatal(err)
		}
		return f
	})
	clean := w.subscriber("clean", nil)
	w.publisher("P")
	waitLayers(t, 10*time.Second, time.Second, map[*watcher]byte{clean: 'h'})
	lossy.mark()
	before := w.room.Stats().Retransmissions
	lossy.mu.Lock()
	from := lossy.last
	lossy.mu.Unlock()
	// Three seconds of media, then check the stretch before the last
	// half second (whose repairs may still be on their way).
	deadline := time.After(timeout)
	for {
		lossy.mu.Lock()
		n := lossy.last - from
		lossy.mu.Unlock()
		if n > 600 {
			break
		}
		select {
		case <-time.After(50 * time.Millisecond):
		case <-deadline:
			t.Fatal("the lossy subscriber receives too little")
		}
	}
	lossy.mu.Lock()
	to := lossy.last - 60
	missing := 0
	for s := from; s < to; s++ {
		if lossy.seqs[s] == 0 {
			missing++
		}
	}
	lossy.mu.Unlock()
	rtx := w.room.Stats().Retransmissions - before
	t.Logf("lossy link: %d of %d packets missing after repair; %d retransmitted", missing, to-from, rtx)
	if rtx == 0 {
		t.Fatal("nothing retransmitted to the lossy subscriber")
	}
	if missing*100 > (to-from)*1 {
		t.Errorf("%d of %d packets still missing on a 5 %% loss link", missing, to-from)
	}
	// The clean subscriber got no duplicates: repairs went to the lossy
	// one alone.
	clean.mu.Lock()
	defer clean.mu.Unlock()
	for s, n := range clean.seqs {
		if n > 1 {
			t.Fatalf("clean subscriber got packet %d %d times", s, n)
		}
	}
}

func TestSimulcastClimbsBackWhenLinkRecovers(t *testing.T) {
	synctest.Test(t, testSimulcastClimbsBackWhenLinkRecovers)
}

// testSimulcastClimbsBackWhenLinkRecovers: a subscriber whose link
// dropped below even the low layer's rate and came back to 2 Mbit/s gets
// the high layer again, within a minute. Nothing probes: while only the
// low layer arrives, GCC's estimate grows by its multiplicative 8 % a
// second (about 35 s from 140 kbit/s to the high layer's 1.8 Mbit/s on
// this virtual link), and the allocation follows it up a layer at a
// time.
func testSimulcastClimbsBackWhenLinkRecovers(t *testing.T) {
	w := newVnetWorld(t)
	lk, wrap := limited(t, 2_000_000)
	v := w.subscriber("back", wrap)
	w.publisher("P")
	waitLayers(t, 10*time.Second, time.Second, map[*watcher]byte{v: 'h'})
	// Too slow even for the low layer: GCC's decreases happen while the
	// low layer is all that arrives.
	lk.tbf.SetRate(150_000)
	waitLayers(t, 5*time.Second, 10*time.Second, map[*watcher]byte{v: 'l'})
	lk.tbf.SetRate(2_000_000)
	back := waitLayers(t, 60*time.Second, 2*time.Second, map[*watcher]byte{v: 'h'})
	t.Logf("back on the high layer %s after the link recovered", back.Round(time.Second))
	v.checkContinuous(t, "recovered link")
}
