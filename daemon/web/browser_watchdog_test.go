package web

import (
	"io"
	"net"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// blackhole is a TCP proxy in front of the test server that can go dark
// as a dead network path does: it stops forwarding in both directions
// but closes nothing, so neither end learns of it (no FIN, no reset).
// While dark it also takes new connections and forwards none of them.
// light lets new connections through again; the dark ones stay dark.
type blackhole struct {
	ln     net.Listener
	target string
	dark   atomic.Bool
	// darkAccepted gets a value for each connection taken while dark.
	darkAccepted chan struct{}
	mu           sync.Mutex
	conns        []net.Conn
	darks        []*atomic.Bool // each forwarded connection's own switch
	wg           sync.WaitGroup
}

// behindBlackhole moves the test server to another port and puts a
// blackhole on its old address: pages and join links keep the origin the
// server allows, and their bytes go through the proxy.
func (e *testEnv) behindBlackhole() *blackhole {
	e.t.Helper()
	addr, handler := e.srv.Listener.Addr().String(), e.srv.Config.Handler
	e.srv.Close()
	e.srv = httptest.NewServer(handler)
	e.t.Cleanup(e.srv.Close)
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		e.t.Fatal(err)
	}
	b := &blackhole{ln: ln, target: e.srv.Listener.Addr().String(), darkAccepted: make(chan struct{}, 64)}
	b.wg.Go(b.accept)
	e.t.Cleanup(func() {
		ln.Close()
		b.mu.Lock()
		for _, c := range b.conns {
			c.Close()
		}
		b.mu.Unlock()
		b.wg.Wait()
	})
	return b
}

func (b *blackhole) accept() {
	for {
		in, err := b.ln.Accept()
		if err != nil {
			return
		}
		b.mu.Lock()
		b.conns = append(b.conns, in)
		b.mu.Unlock()
		if b.dark.Load() {
			select {
			case b.darkAccepted <- struct{}{}:
			default:
			}
			b.wg.Go(func() { _, _ = io.Copy(io.Discard, in) }) // held open, never answered
			continue
		}
		out, err := net.Dial("tcp", b.target)
		if err != nil {
			in.Close()
			continue
		}
		dark := new(atomic.Bool)
		b.mu.Lock()
		b.conns = append(b.conns, out)
		b.darks = append(b.darks, dark)
		b.mu.Unlock()
		for _, p := range [][2]net.Conn{{in, out}, {out, in}} {
			b.wg.Go(func() { forward(p[0], p[1], dark); p[0].Close(); p[1].Close() })
		}
	}
}

// forward copies src to dst until either ends; once dark, what arrives
// is read and dropped, as a dead path loses it.
func forward(dst, src net.Conn, dark *atomic.Bool) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 && !dark.Load() {
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// goDark stops every connection, and the new ones, without closing any.
func (b *blackhole) goDark() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.dark.Store(true)
	for _, d := range b.darks {
		d.Store(true)
	}
}

// light forwards new connections again.
func (b *blackhole) light() { b.dark.Store(false) }

// TestJoinPageNoticesASilentNetworkInChromium: the network path between
// the join page and the server dies without a reset (the proxy goes
// dark, closing nothing), so the browser's WebSocket stays open. The
// page's heartbeat notices within a ping interval and its patience, says
// that it reconnects, gives up a new connection that hangs in the dark
// network too, and once the path works again it is back in the meeting
// as the same participant, the old connection replaced.
func TestJoinPageNoticesASilentNetworkInChromium(t *testing.T) {
	e := newTestEnv(t)
	anna := e.token("anna")
	b := anna.create(map[string]any{"kind": "council", "title": "Rat der Stadt",
		"hybrid": map[string]any{"enabled": true, "expected_remote": 2}})
	v := e.joinView(anna, b.ID)
	e.now = at(t, "2026-12-01T15:30:00Z")
	proxy := e.behindBlackhole()

	host := openJoinTab(t, newBrowser(t), "host", v.HostURL, true)
	host.enter("Vorsitz")
	const myID = `document.querySelector("#grid .tile.mine")?.dataset.participant || ""`
	host.until("the own tile", myID+` !== ""`, 15000)
	before := value[string](host, myID)

	proxy.goDark()
	dark := time.Now()
	// A ping within 5 s, then 8 s of patience: 13 s at most.
	host.until("the reconnecting sentence", reconnectingNow, 20000)
	t.Logf("the page noticed the silent network after %s", time.Since(dark).Round(100*time.Millisecond))
	if got := host.text("#reconnecting"); got != "Die Verbindung ist unterbrochen. Kogge verbindet Sie wieder …" {
		t.Errorf("the page says %q while it reconnects", got)
	}
	// Its next try hangs in the dark network as well (the handshake is
	// never answered): the page must give that up too.
	select {
	case <-proxy.darkAccepted:
	case <-time.After(15 * time.Second):
		t.Fatal("the page did not try again while the network was dark")
	}
	proxy.light()
	lit := time.Now()
	host.until("back in the meeting", `!(`+reconnectingNow+`) && !document.getElementById("meeting").hidden &&
	  !document.getElementById("meeting").classList.contains("stale") && `+myID+` !== ""`, 30000)
	t.Logf("back %s after the network", time.Since(lit).Round(100*time.Millisecond))
	if after := value[string](host, myID); after != before {
		t.Errorf("the page came back as participant %q, was %q", after, before)
	}
	// The resume replaced the old, silent connection: one participant.
	if ms := e.server.hub.Meetings(); len(ms) != 1 || ms[0].Participants != 1 {
		t.Errorf("the meetings are %+v, want one of one participant", ms)
	}
}
