package sfu

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kogge-project/kogge/internal/piontest"
	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
)

// timeout is the fail-safe for every wait; nothing should come near it.
const timeout = 10 * time.Second

// testConfig keeps every test on loopback.
var testConfig = Config{UDPPort: 0, IncludeLoopback: true, ListenIP: "127.0.0.1"}

func newTestEngine(t testing.TB) *Engine {
	t.Helper()
	e, err := NewEngine(testConfig, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.Close() })
	return e
}

// clientAPI plays the browser: pion's default codecs and interceptors,
// host candidates on loopback only.
func clientAPI(t testing.TB) *webrtc.API {
	t.Helper()
	return piontest.LoopbackAPI(t)
}

// received is one packet a client got on its down connection.
type received struct {
	stream, track string
	audio         bool
	seq           uint16
	payload       []byte
}

// client is a participant's browser: an up connection it offers, a down
// connection it answers automatically (unless manual).
type client struct {
	t    testing.TB
	id   string
	peer *Peer
	api  *webrtc.API
	up   *webrtc.PeerConnection
	down *webrtc.PeerConnection

	msgs   chan Outbound
	recv   chan received
	ended  chan string // "stream/track" of a down track that ended
	plis   atomic.Int64
	pliCh  chan struct{}
	offers atomic.Int64 // down offers seen
	manual bool         // leave down offers in offerCh
	sink   func(*rtp.Packet)

	offerCh  chan string
	layers   chan Outbound // layers messages, as far as room
	speakers chan string   // active_speaker ids, as far as room
	stop     chan struct{}
	wg       sync.WaitGroup
}

func newClient(t testing.TB, r *Room, id string, manual bool) *client {
	t.Helper()
	return newClientOn(t, r, id, manual, clientAPI(t), nil)
}

// newClientOn is newClient with the given API; sink, when not nil,
// takes every received video packet instead of the recv channel.
func newClientOn(t testing.TB, r *Room, id string, manual bool, api *webrtc.API, sink func(*rtp.Packet)) *client {
	t.Helper()
	c := &client{
		t: t, id: id, api: api, manual: manual, sink: sink,
		msgs:     make(chan Outbound, 64),
		recv:     make(chan received, 4096),
		ended:    make(chan string, 16),
		pliCh:    make(chan struct{}, 64),
		offerCh:  make(chan string, 16),
		layers:   make(chan Outbound, 64),
		speakers: make(chan string, 64),
		stop:     make(chan struct{}),
	}
	var err error
	if c.up, err = c.api.NewPeerConnection(webrtc.Configuration{}); err != nil {
		t.Fatal(err)
	}
	if c.down, err = c.api.NewPeerConnection(webrtc.Configuration{}); err != nil {
		t.Fatal(err)
	}
	c.down.OnTrack(c.onTrack)
	c.peer, err = r.Join(id, func(m Outbound) {
		select {
		case c.msgs <- m:
		default:
			t.Errorf("%s: outbound queue full", id)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	c.wg.Add(1)
	go c.pump()
	t.Cleanup(c.close)
	return c
}

// close ends the client side; the peer is closed by whoever owns it.
func (c *client) close() {
	select {
	case <-c.stop:
		return
	default:
	}
	close(c.stop)
	// The connections first: a pump stuck in a handshake that never
	// finishes (a loaded machine) ends only when they close.
	_ = c.up.Close()
	_ = c.down.Close()
	c.wg.Wait()
}

func (c *client) pump() {
	defer c.wg.Done()
	for {
		var m Outbound
		select {
		case <-c.stop:
			return
		case m = <-c.msgs:
		}
		switch {
		case m.PC == "up" && m.Type == "answer":
			c.must(c.up.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: m.SDP}))
		case m.PC == "down" && m.Type == "offer":
			c.offers.Add(1)
			if c.manual {
				c.offerCh <- m.SDP
				continue
			}
			c.answerDown(m.SDP)
		case m.Type == "layers":
			select {
			case c.layers <- m:
			default:
			}
		case m.Type == "active_speaker":
			select {
			case c.speakers <- m.ID:
			default:
			}
		default:
			c.t.Errorf("%s: unexpected message %s/%s", c.id, m.PC, m.Type)
		}
	}
}

// answerDown answers a down offer as a browser would.
func (c *client) answerDown(sdp string) {
	c.must(c.down.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: sdp}))
	answer, err := c.down.CreateAnswer(nil)
	c.must(err)
	gathered := webrtc.GatheringCompletePromise(c.down)
	c.must(c.down.SetLocalDescription(answer))
	<-gathered
	if err := c.peer.Answer(c.down.LocalDescription().SDP); err != nil && !errors.Is(err, ErrClosed) {
		c.t.Errorf("%s: answer: %v", c.id, err)
	}
}

// must reports a client-side error, unless the server side has closed
// the peer: then pion closes the client's connections on the DTLS
// close_notify, as a browser does, and errors are expected.
func (c *client) must(err error) {
	select {
	case <-c.stop:
		return // closing: the connections fail on purpose
	default:
	}
	if err != nil && !c.peer.isClosed() {
		c.t.Errorf("%s: %v", c.id, err)
	}
}

func (c *client) onTrack(tr *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
	audio := tr.Kind() == webrtc.RTPCodecTypeAudio
	for {
		pkt, _, err := tr.ReadRTP()
		if err != nil {
			select {
			case c.ended <- tr.StreamID() + "/" + tr.ID():
			default:
			}
			return
		}
		if c.sink != nil {
			if !audio {
				c.sink(pkt)
			}
			continue
		}
		r := received{tr.StreamID(), tr.ID(), audio, pkt.SequenceNumber, pkt.Payload}
		select {
		case c.recv <- r:
		default: // nobody is looking
		}
	}
}

// publish adds a VP8 and an Opus track and negotiates up. The tracks
// carry payloads payloadFor(id, kind, n) until the client is closed.
func (c *client) publish() {
	video, err := webrtc.NewTrackLocalStaticRTP(
		webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8}, c.id+"-video", "cam-"+c.id)
	c.must(err)
	audio, err := webrtc.NewTrackLocalStaticRTP(
		webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus}, c.id+"-audio", "cam-"+c.id)
	c.must(err)
	sendonly := webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendonly}
	vt, err := c.up.AddTransceiverFromTrack(video, sendonly)
	c.must(err)
	_, err = c.up.AddTransceiverFromTrack(audio, sendonly)
	c.must(err)
	c.wg.Add(2)
	go c.readPLI(vt.Sender())
	go c.generate(video, audio)

	c.offerUp()
}

// offerUp (re)negotiates the up connection; the answer comes through pump.
func (c *client) offerUp() {
	offer, err := c.up.CreateOffer(nil)
	c.must(err)
	gathered := webrtc.GatheringCompletePromise(c.up)
	c.must(c.up.SetLocalDescription(offer))
	<-gathered
	if err := c.peer.Offer(c.up.LocalDescription().SDP); err != nil {
		c.t.Fatal(err)
	}
}

func payloadFor(id, kind string, n uint16) []byte {
	return fmt.Appendf(nil, "%s/%s/%d", id, kind, n)
}

// generate sends a video packet (a fake one-packet frame) and an audio
// packet every 5 ms.
func (c *client) generate(video, audio *webrtc.TrackLocalStaticRTP) {
	defer c.wg.Done()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for n := uint16(1); ; n++ {
		select {
		case <-c.stop:
			return
		case <-tick.C:
		}
		_ = video.WriteRTP(&rtp.Packet{
			Header:  rtp.Header{Version: 2, SequenceNumber: n, Timestamp: uint32(n) * 450, Marker: true},
			Payload: payloadFor(c.id, "video", n),
		})
		_ = audio.WriteRTP(&rtp.Packet{
			Header:  rtp.Header{Version: 2, SequenceNumber: n, Timestamp: uint32(n) * 240},
			Payload: payloadFor(c.id, "audio", n),
		})
	}
}

func (c *client) readPLI(s *webrtc.RTPSender) {
	defer c.wg.Done()
	for {
		pkts, _, err := s.ReadRTCP()
		if err != nil {
			return
		}
		for _, p := range pkts {
			if _, ok := p.(*rtcp.PictureLossIndication); ok {
				c.plis.Add(1)
				select {
				case c.pliCh <- struct{}{}:
				default:
				}
			}
		}
	}
}

// waitRecv returns the first received packet matching ok.
func (c *client) waitRecv(what string, ok func(received) bool) received {
	c.t.Helper()
	deadline := time.After(timeout)
	for {
		select {
		case r := <-c.recv:
			if ok(r) {
				return r
			}
		case <-deadline:
			c.t.Fatalf("%s: timed out waiting for %s", c.id, what)
		}
	}
}

// waitFor polls cond, a fail-safe for counters that have no channel.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.After(timeout)
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-tick.C:
		case <-deadline:
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

func waitTimeout() <-chan time.Time { return time.After(timeout) }
