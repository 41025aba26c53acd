package main

import (
	"bytes"
	"math/rand/v2"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/kogge-project/kogge/internal/piontest"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
)

// meetPeer is a participant's browser played by pion, with the join
// page's manners (assets/static/join.js): it publishes a VP8 and an Opus
// track whose payloads end in its marker, receives the others, and when
// its connection ends unexpectedly it comes back on its own — after 0.5,
// 1, 2, 4, then every 5 s (±20 %), through whichever node the "load
// balancer" (nodes) names, with its resume secret and new peer
// connections. A final close (signaling/PROTOCOL.md, "Reconnecting")
// ends it.
type meetPeer struct {
	t      *testing.T
	name   string
	token  string
	marker string
	origin string
	// nodes is the load balancer: the addresses of the live nodes, in
	// the order it sends this participant to them. The peer stays with
	// one until a connection to it fails.
	nodes func() []string
	api   *webrtc.API

	mu      sync.Mutex
	v       peerView
	changed chan struct{} // closed on every change of v
	resume  string
	conn    *peerConn
	stop    chan struct{}
	done    chan struct{}
}

// peerView is what the test sees of a peer.
type peerView struct {
	ID, Role string
	// State is "lobby" or "joined" since the last welcome or admitted;
	// "" while not connected.
	State string
	// Node is the address of the node the present connection went to.
	Node     string
	Welcomes int
	// Closes are the reasons of the connections that ended ("" for an
	// end without closed).
	Closes []string
	Final  string
	// Participants and Queue are the last state's (ids).
	Participants []peerPart
	Queue        []string
	// Media is what arrived on the present connection, by publisher id:
	// "audio"/"video" → the marker its payload ended in.
	Media map[string]map[string]string
}

type peerPart struct {
	ID   string `json:"id"`
	Role string `json:"role"`
	Hand bool   `json:"hand"`
}

// peerMsg is every server message's fields the peer looks at.
type peerMsg struct {
	Type         string                   `json:"type"`
	ID           string                   `json:"id"`
	Role         string                   `json:"role"`
	State        string                   `json:"state"`
	Resume       string                   `json:"resume"`
	PC           string                   `json:"pc"`
	SDP          string                   `json:"sdp"`
	Reason       string                   `json:"reason"`
	Candidate    *webrtc.ICECandidateInit `json:"candidate"`
	Participants []peerPart               `json:"participants"`
	Queue        []struct {
		ID string `json:"id"`
	} `json:"queue"`
}

// finalReasons never retry (PROTOCOL.md, "Reconnecting").
var finalReasons = []string{"ended", "removed", "denied", "left", "invalid_token", "not_open",
	"pin_required", "pin_wrong", "external", "version", "protocol", "full", "locked", "rate_limited"}

// peerBackoff is the join page's.
var peerBackoff = []time.Duration{500 * time.Millisecond, time.Second, 2 * time.Second, 4 * time.Second}

// markerTag starts every marker, so a receiver can read it off a payload.
const markerTag = "M:"

// startPeer connects a participant and keeps it connected until the test
// ends (or a final close).
func startPeer(t *testing.T, origin, token, name string, nodes func() []string) *meetPeer {
	p := &meetPeer{t: t, name: name, token: token, marker: markerTag + name, origin: origin, nodes: nodes,
		api:     piontest.LoopbackAPI(t),
		changed: make(chan struct{}), stop: make(chan struct{}), done: make(chan struct{})}
	go p.run()
	t.Cleanup(p.close)
	return p
}

func (p *meetPeer) close() {
	select {
	case <-p.stop:
	default:
		close(p.stop)
	}
	p.mu.Lock()
	c := p.conn
	p.mu.Unlock()
	if c != nil {
		c.ws.Close()
	}
	<-p.done
}

// update changes the view and wakes the waiters.
func (p *meetPeer) update(f func(v *peerView)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	f(&p.v)
	close(p.changed)
	p.changed = make(chan struct{})
}

// view is the peer's view now.
func (p *meetPeer) view() peerView {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.v
}

// await waits until cond holds for the view, failing the test at deadline.
func (p *meetPeer) await(what string, deadline time.Time, cond func(v peerView) bool) peerView {
	p.t.Helper()
	timer := time.NewTimer(time.Until(deadline))
	defer timer.Stop()
	for {
		p.mu.Lock()
		v, ch := p.v, p.changed
		ok := cond(v)
		p.mu.Unlock()
		if ok {
			return v
		}
		select {
		case <-ch:
		case <-timer.C:
			p.t.Fatalf("%s: %s not by the deadline; it sees %+v", p.name, what, v)
		}
	}
}

// drop ends the present connection from the client's side, as a network
// change does: the peer comes back through its load balancer.
func (p *meetPeer) drop() {
	p.mu.Lock()
	c := p.conn
	p.mu.Unlock()
	if c != nil {
		c.ws.Close()
	}
}

// send writes a message on the present connection.
func (p *meetPeer) send(v any) {
	p.t.Helper()
	p.mu.Lock()
	c := p.conn
	p.mu.Unlock()
	if c == nil || c.send(v) != nil {
		p.t.Fatalf("%s: not connected to send %v", p.name, v)
	}
}

// run is the page's connect-and-retry loop.
func (p *meetPeer) run() {
	defer close(p.done)
	retries, pos := 0, 0
	for {
		nodes := p.nodes()
		reason, welcomed, dialled := p.session(nodes[pos%len(nodes)])
		if !dialled {
			pos++
		}
		if slices.Contains(finalReasons, reason) {
			p.update(func(v *peerView) { v.Final = reason })
			return
		}
		if welcomed {
			retries = 0
		}
		base := 5 * time.Second
		if retries < len(peerBackoff) {
			base = peerBackoff[retries]
		}
		retries++
		wait := min(5*time.Second, time.Duration(float64(base)*(0.8+0.4*rand.Float64())))
		select {
		case <-p.stop:
			return
		case <-time.After(wait): // the page's backoff, not a test's timing
		}
	}
}

// session is one connection through the node at addr, until it ends;
// it returns the closed reason ("" for none), whether it was welcomed and
// whether the node took the connection at all.
func (p *meetPeer) session(addr string) (reason string, welcomed, dialled bool) {
	d := websocket.Dialer{HandshakeTimeout: 5 * time.Second}
	ws, _, err := d.Dial("ws://"+addr+"/ws", http.Header{"Origin": {p.origin}})
	if err != nil {
		p.update(func(v *peerView) { v.Closes = append(v.Closes, "dial: "+err.Error()) })
		return "", false, false
	}
	c := &peerConn{p: p, ws: ws, quit: make(chan struct{})}
	p.mu.Lock()
	hello := map[string]any{"type": "hello", "version": 1, "token": p.token, "name": p.name}
	if p.resume != "" {
		hello["resume"] = p.resume
	}
	p.conn = c
	p.mu.Unlock()
	select {
	case <-p.stop: // closed while dialling: close saw no connection
		ws.Close()
		return "left", false, true
	default:
	}
	p.update(func(v *peerView) { v.Node, v.State, v.Media = addr, "", map[string]map[string]string{} })
	defer func() {
		c.end()
		p.mu.Lock()
		p.conn = nil
		p.mu.Unlock()
		p.update(func(v *peerView) { v.State, v.Closes = "", append(v.Closes, reason) })
	}()
	if c.send(hello) != nil {
		return "", false, true
	}
	for {
		var m peerMsg
		if err := ws.ReadJSON(&m); err != nil {
			return reason, welcomed, true
		}
		switch m.Type {
		case "welcome":
			welcomed = true
			p.mu.Lock()
			p.resume = m.Resume
			p.mu.Unlock()
			p.update(func(v *peerView) { v.ID, v.Role, v.State, v.Welcomes = m.ID, m.Role, m.State, v.Welcomes+1 })
			if m.State == "joined" {
				c.publish()
			}
		case "admitted":
			p.update(func(v *peerView) { v.State = "joined" })
			c.publish()
		case "offer":
			c.answerDown(m.SDP)
		case "answer":
			c.answered(m.SDP)
		case "candidate":
			c.candidate(m.PC, m.Candidate)
		case "state":
			var q []string
			for _, e := range m.Queue {
				q = append(q, e.ID)
			}
			p.update(func(v *peerView) { v.Participants, v.Queue = m.Participants, q })
		case "closed":
			reason = m.Reason
		}
	}
}

// peerConn is one connection's WebSocket and peer connections.
type peerConn struct {
	p        *meetPeer
	ws       *websocket.Conn
	wmu      sync.Mutex
	mu       sync.Mutex
	up, down *webrtc.PeerConnection
	quit     chan struct{}
	wg       sync.WaitGroup
}

func (c *peerConn) send(v any) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_ = c.ws.SetWriteDeadline(time.Now().Add(5 * time.Second))
	return c.ws.WriteJSON(v)
}

// end closes the connection's peer connections and stops its sources.
func (c *peerConn) end() {
	close(c.quit)
	c.ws.Close()
	c.mu.Lock()
	pcs := []*webrtc.PeerConnection{c.up, c.down}
	c.mu.Unlock()
	for _, pc := range pcs {
		if pc != nil {
			_ = pc.Close()
		}
	}
	c.wg.Wait()
}

// publish offers up: a VP8 and an Opus track, fed 50 packets a second.
func (c *peerConn) publish() {
	up, err := c.p.api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		c.p.t.Errorf("%s: %v", c.p.name, err)
		return
	}
	c.mu.Lock()
	c.up = up
	c.mu.Unlock()
	video, _ := webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000}, "video", "cam")
	audio, _ := webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2}, "audio", "cam")
	for _, tr := range []webrtc.TrackLocal{video, audio} {
		if _, err := up.AddTransceiverFromTrack(tr, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendonly}); err != nil {
			c.p.t.Errorf("%s: %v", c.p.name, err)
			return
		}
	}
	offer, err := up.CreateOffer(nil)
	if err != nil {
		c.p.t.Logf("%s: up offer: %v", c.p.name, err)
		return
	}
	gathered := webrtc.GatheringCompletePromise(up)
	if err := up.SetLocalDescription(offer); err != nil {
		c.p.t.Logf("%s: up offer: %v", c.p.name, err)
		return
	}
	<-gathered
	_ = c.send(map[string]any{"type": "offer", "pc": "up", "sdp": up.LocalDescription().SDP})
	marker := []byte(c.p.marker)
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		// A media source, not a timer for the test: a (very) low-rate
		// camera and microphone.
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		var seq uint16
		for {
			select {
			case <-c.quit:
				return
			case <-tick.C:
			}
			seq++
			// Every video packet starts a key frame, so a subscriber
			// decodes at once.
			vp8 := append([]byte{0x10, 0x00, 0x9d, 0x01, 0x2a}, marker...)
			_ = video.WriteRTP(&rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 96, SequenceNumber: seq, Timestamp: uint32(seq) * 3000, Marker: true}, Payload: vp8})
			_ = audio.WriteRTP(&rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 111, SequenceNumber: seq, Timestamp: uint32(seq) * 960}, Payload: append([]byte{0xfc}, marker...)})
		}
	}()
}

func (c *peerConn) answered(sdp string) {
	c.mu.Lock()
	up := c.up
	c.mu.Unlock()
	if up == nil {
		return
	}
	if err := up.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: sdp}); err != nil {
		c.p.t.Logf("%s: up answer: %v", c.p.name, err)
	}
}

func (c *peerConn) candidate(pc string, cand *webrtc.ICECandidateInit) {
	c.mu.Lock()
	target := c.up
	if pc == "down" {
		target = c.down
	}
	c.mu.Unlock()
	if target != nil && cand != nil {
		_ = target.AddICECandidate(*cand)
	}
}

// answerDown answers the server's offer on down. Failures are logged:
// the connection may end while an offer is in flight, and a real failure
// shows as media that never arrives.
func (c *peerConn) answerDown(sdp string) {
	c.mu.Lock()
	down := c.down
	c.mu.Unlock()
	if down == nil {
		var err error
		if down, err = c.p.api.NewPeerConnection(webrtc.Configuration{}); err != nil {
			c.p.t.Errorf("%s: %v", c.p.name, err)
			return
		}
		down.OnTrack(func(tr *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
			kind := tr.Kind().String()
			for {
				pkt, _, err := tr.ReadRTP()
				if err != nil {
					return
				}
				c.received(tr.StreamID(), kind, pkt.Payload)
			}
		})
		c.mu.Lock()
		c.down = down
		c.mu.Unlock()
	}
	if err := down.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: sdp}); err != nil {
		c.p.t.Logf("%s: down offer: %v", c.p.name, err)
		return
	}
	answer, err := down.CreateAnswer(nil)
	if err != nil {
		c.p.t.Logf("%s: down answer: %v", c.p.name, err)
		return
	}
	gathered := webrtc.GatheringCompletePromise(down)
	if err := down.SetLocalDescription(answer); err != nil {
		c.p.t.Logf("%s: down answer: %v", c.p.name, err)
		return
	}
	<-gathered
	_ = c.send(map[string]any{"type": "answer", "pc": "down", "sdp": down.LocalDescription().SDP})
}

// received notes the first packet of each publisher's kind on the
// present connection, with the marker it carried.
func (c *peerConn) received(from, kind string, payload []byte) {
	i := bytes.Index(payload, []byte(markerTag))
	if i < 0 {
		return
	}
	marker := string(payload[i:])
	p := c.p
	p.mu.Lock()
	current := p.conn == c && p.v.Media != nil && p.v.Media[from][kind] != marker
	p.mu.Unlock()
	if !current {
		return
	}
	p.update(func(v *peerView) {
		if p.conn != c { // an old connection's last packets
			return
		}
		// Copied, not changed in place: the test holds earlier views.
		media := map[string]map[string]string{}
		for k, m := range v.Media {
			media[k] = m
		}
		seen := map[string]string{kind: marker}
		for k, mk := range v.Media[from] {
			if k != kind {
				seen[k] = mk
			}
		}
		media[from] = seen
		v.Media = media
	})
}

// hears reports whether the view has audio and video from id with name's marker.
func (v peerView) hears(id, name string) bool {
	m := v.Media[id]
	return m["audio"] == markerTag+name && m["video"] == markerTag+name
}

// part is participant id in the last state.
func (v peerView) part(id string) (peerPart, bool) {
	for _, pp := range v.Participants {
		if pp.ID == id {
			return pp, true
		}
	}
	return peerPart{}, false
}
