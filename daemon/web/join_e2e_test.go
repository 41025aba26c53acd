package web

import (
	"bytes"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"

	"github.com/kogge-project/kogge/internal/piontest"
	"github.com/kogge-project/kogge/signaling"
)

// e2eTimeout is the fail-safe of every wait here; nothing comes near it.
const e2eTimeout = 15 * time.Second

// sigMsg is every server message's fields the tests look at.
type sigMsg struct {
	Type         string                   `json:"type"`
	ID           string                   `json:"id"`
	State        string                   `json:"state"`
	PC           string                   `json:"pc"`
	SDP          string                   `json:"sdp"`
	Reason       string                   `json:"reason"`
	Code         string                   `json:"code"`
	Candidate    *webrtc.ICECandidateInit `json:"candidate"`
	Lobby        []struct{ ID string }    `json:"lobby"`
	Participants []struct {
		ID    string
		Name  string
		Muted bool
	} `json:"participants"`
	Queue []signaling.QueueEntry `json:"queue"`
}

// packet is one RTP packet a participant received, by publisher.
type packet struct {
	from    string // the publisher's participant id (stream id)
	audio   bool
	payload []byte
}

// participant is a browser played by pion: the WebSocket, an up
// connection publishing VP8 and Opus with a recognisable payload, a down
// connection that answers the server's offers.
type participant struct {
	t      *testing.T
	ws     *websocket.Conn
	wmu    sync.Mutex
	id     string
	msgs   chan sigMsg
	got    chan packet
	api    *webrtc.API
	mu     sync.Mutex
	up     *webrtc.PeerConnection
	down   *webrtc.PeerConnection
	marker []byte
	stop   chan struct{}
	wg     sync.WaitGroup
}

// dial opens /ws as a page of our own origin would, and says hello.
func (e *testEnv) dial(token, name, marker string) *participant {
	e.t.Helper()
	h := http.Header{"Origin": {e.publicURL}}
	ws, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(e.publicURL, "http")+"/ws", h)
	if err != nil {
		e.t.Fatal(err)
	}
	p := &participant{t: e.t, ws: ws, msgs: make(chan sigMsg, 256), got: make(chan packet, 1024),
		api: piontest.LoopbackAPI(e.t), marker: []byte(marker), stop: make(chan struct{})}
	e.t.Cleanup(p.close)
	p.wg.Add(1)
	go p.read()
	p.send(map[string]any{"type": "hello", "version": 1, "token": token, "name": name})
	return p
}

func (p *participant) send(v any) {
	p.wmu.Lock()
	defer p.wmu.Unlock()
	if err := p.ws.WriteJSON(v); err != nil {
		p.t.Logf("send: %v", err)
	}
}

// read answers down offers and up answers itself; everything else goes
// to msgs for the test.
func (p *participant) read() {
	defer p.wg.Done()
	defer close(p.msgs)
	for {
		var m sigMsg
		if err := p.ws.ReadJSON(&m); err != nil {
			return
		}
		switch {
		case m.Type == "offer" && m.PC == "down":
			p.answerDown(m.SDP)
		case m.Type == "answer" && m.PC == "up":
			p.mu.Lock()
			err := p.up.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: m.SDP})
			p.mu.Unlock()
			if err != nil {
				p.t.Logf("up answer: %v", err)
			}
		case m.Type == "candidate":
		default:
			select {
			case p.msgs <- m:
			default:
				p.t.Errorf("test fell behind reading messages")
			}
		}
	}
}

// expect waits for the next message of a type, skipping others.
func (p *participant) expect(typ string) sigMsg {
	p.t.Helper()
	deadline := time.After(e2eTimeout)
	for {
		select {
		case m, ok := <-p.msgs:
			if !ok {
				p.t.Fatalf("connection closed while waiting for %s", typ)
			}
			if m.Type == typ {
				return m
			}
		case <-deadline:
			p.t.Fatalf("no %s within %s", typ, e2eTimeout)
		}
	}
}

// expectState waits for a state message that satisfies ok.
func (p *participant) expectState(ok func(sigMsg) bool) sigMsg {
	p.t.Helper()
	for {
		if m := p.expect("state"); ok(m) {
			return m
		}
	}
}

// publish starts the up connection with a VP8 and an Opus track whose
// payloads start with the participant's marker.
func (p *participant) publish() {
	p.t.Helper()
	up, err := p.api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		p.t.Fatal(err)
	}
	video, _ := webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000}, "video", "cam")
	audio, _ := webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2}, "audio", "cam")
	for _, tr := range []webrtc.TrackLocal{video, audio} {
		if _, err := up.AddTransceiverFromTrack(tr, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendonly}); err != nil {
			p.t.Fatal(err)
		}
	}
	offer, err := up.CreateOffer(nil)
	if err != nil {
		p.t.Fatal(err)
	}
	gathered := webrtc.GatheringCompletePromise(up)
	if err := up.SetLocalDescription(offer); err != nil {
		p.t.Fatal(err)
	}
	<-gathered
	p.mu.Lock()
	p.up = up
	p.mu.Unlock()
	p.send(map[string]any{"type": "offer", "pc": "up", "sdp": up.LocalDescription().SDP})
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		// A media source, not a timer for the test: 50 packets a second
		// each way, like a (very) low-rate camera and microphone.
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		var seq uint16
		for {
			select {
			case <-p.stop:
				return
			case <-tick.C:
			}
			seq++
			// Every video packet starts a keyframe (VP8 payload
			// descriptor S=1, then a key frame header), so a late
			// subscriber can decode at once.
			vp8 := append([]byte{0x10, 0x00, 0x9d, 0x01, 0x2a}, p.marker...)
			_ = video.WriteRTP(&rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 96, SequenceNumber: seq, Timestamp: uint32(seq) * 3000, Marker: true}, Payload: vp8})
			_ = audio.WriteRTP(&rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 111, SequenceNumber: seq, Timestamp: uint32(seq) * 960}, Payload: append([]byte{0xfc}, p.marker...)})
		}
	}()
}

// answerDown answers the server's down offer. Failures are logged, not
// fatal: the meeting may end while an offer is in flight, and a real
// failure shows as media that never arrives.
func (p *participant) answerDown(sdp string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.down == nil {
		down, err := p.api.NewPeerConnection(webrtc.Configuration{})
		if err != nil {
			p.t.Error(err)
			return
		}
		down.OnTrack(func(tr *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
			audio := tr.Kind() == webrtc.RTPCodecTypeAudio
			for {
				pkt, _, err := tr.ReadRTP()
				if err != nil {
					return
				}
				select {
				case p.got <- packet{from: tr.StreamID(), audio: audio, payload: pkt.Payload}:
				default: // the test has what it needs
				}
			}
		})
		p.down = down
	}
	if err := p.down.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: sdp}); err != nil {
		p.t.Logf("down offer: %v", err)
		return
	}
	answer, err := p.down.CreateAnswer(nil)
	if err != nil {
		p.t.Logf("down answer: %v", err)
		return
	}
	gathered := webrtc.GatheringCompletePromise(p.down)
	if err := p.down.SetLocalDescription(answer); err != nil {
		p.t.Logf("down answer: %v", err)
		return
	}
	<-gathered
	p.send(map[string]any{"type": "answer", "pc": "down", "sdp": p.down.LocalDescription().SDP})
}

// receive waits until both the audio and the video of from arrived with
// from's marker.
func (p *participant) receive(from string, marker string) {
	p.t.Helper()
	var video, audio bool
	deadline := time.After(e2eTimeout)
	for !video || !audio {
		select {
		case pk := <-p.got:
			if pk.from != from || !bytes.HasSuffix(pk.payload, []byte(marker)) {
				continue
			}
			video, audio = video || !pk.audio, audio || pk.audio
		case <-deadline:
			p.t.Fatalf("media from %s: video %v audio %v", from, video, audio)
		}
	}
}

func (p *participant) close() {
	select {
	case <-p.stop:
		return
	default:
	}
	close(p.stop)
	p.ws.Close()
	p.mu.Lock()
	for _, pc := range []*webrtc.PeerConnection{p.up, p.down} {
		if pc != nil {
			pc.Close()
		}
	}
	p.mu.Unlock()
	p.wg.Wait()
}

// TestMeetingByLinkEndToEnd is the whole meeting through the daemon: a
// council session's host and a guest open their links, the guest waits in
// the lobby until admitted, each receives the other's audio and video
// intact, the host mutes the guest, the guest's raised hand reaches the
// room's events stream, and ending the meeting closes it for both and
// keeps it closed.
func TestMeetingByLinkEndToEnd(t *testing.T) {
	e := newTestEnv(t)
	anna := e.token("anna")
	b := anna.create(map[string]any{"kind": "council", "title": "Ratssitzung", "hybrid": map[string]any{"enabled": true, "expected_remote": 3}})
	v := e.joinView(anna, b.ID)
	e.now = at(t, "2026-12-01T15:30:00Z")
	queue, stopQueue := e.server.queues.subscribe(8)
	defer stopQueue()

	host := e.dial(tokenOf(t, v.HostURL), "Vorsitz", "HOST")
	if w := host.expect("welcome"); w.State != "joined" {
		t.Fatalf("host welcome %+v", w)
	}
	host.publish()
	guest := e.dial(tokenOf(t, v.GuestURL), "Gast", "GUEST")
	w := guest.expect("welcome")
	if w.State != "lobby" {
		t.Fatalf("a council session's guest goes to the lobby: %+v", w)
	}
	guest.id = w.ID
	host.expectState(func(m sigMsg) bool { return len(m.Lobby) == 1 && m.Lobby[0].ID == guest.id })
	host.send(map[string]any{"type": "admit", "id": guest.id})
	guest.expect("admitted")
	guest.publish()
	st := host.expectState(func(m sigMsg) bool { return len(m.Participants) == 2 })
	for _, p := range st.Participants {
		if p.Name == "Vorsitz" {
			host.id = p.ID
		}
	}

	guest.receive(host.id, "HOST")
	host.receive(guest.id, "GUEST")

	host.send(map[string]any{"type": "host_mute", "id": guest.id})
	guest.expect("mute_request")
	host.expectState(func(m sigMsg) bool {
		for _, p := range m.Participants {
			if p.ID == guest.id {
				return p.Muted
			}
		}
		return false
	})

	guest.send(map[string]any{"type": "hand", "raised": true})
	select {
	case q := <-queue:
		if q.Room != "ratssaal" || q.Booking != b.ID || len(q.Queue) != 1 || q.Queue[0].Name != "Gast" {
			t.Fatalf("queue event %+v", q)
		}
	case <-time.After(e2eTimeout):
		t.Fatal("no speaker queue event")
	}
	// The room's panel shows the queue of the session running now.
	var ps struct{ Queue []signaling.QueueEntry }
	anna.do("GET", "/api/v1/panel/ratssaal/state", nil).json(t, &ps)
	if len(ps.Queue) != 1 || ps.Queue[0].Name != "Gast" {
		t.Fatalf("panel queue %+v", ps.Queue)
	}

	host.send(map[string]any{"type": "end"})
	if c := guest.expect("closed"); c.Reason != signaling.ReasonEnded {
		t.Fatalf("guest closed %+v", c)
	}
	if c := host.expect("closed"); c.Reason != signaling.ReasonEnded {
		t.Fatalf("host closed %+v", c)
	}
	if r := e.anonymous().do("GET", "/j/"+tokenOf(t, v.GuestURL), nil); !strings.Contains(string(r.body), `data-state="ended"`) {
		t.Fatalf("the page of a meeting the host ended: %d", r.status)
	}
	again := e.dial(tokenOf(t, v.GuestURL), "Gast", "X")
	if c := again.expect("closed"); c.Reason != signaling.ReasonEnded {
		t.Fatalf("rejoining an ended meeting: %+v", c)
	}
	// A restart forgets what the hub remembered; the booking's join
	// settings still say the host ended it.
	e.server.joins.SetEnded(func(string) bool { return false })
	again = e.dial(tokenOf(t, v.GuestURL), "Gast", "X")
	if c := again.expect("closed"); c.Reason != signaling.ReasonEnded {
		t.Fatalf("rejoining an ended meeting after a restart: %+v", c)
	}
	hist := anna.do("GET", "/api/v1/bookings/"+b.ID+"/history", nil)
	for _, action := range []string{"meeting.join", "meeting.admit", "meeting.host_mute", "meeting.end"} {
		if !strings.Contains(string(hist.body), action) {
			t.Errorf("history lacks %s: %s", action, hist.body)
		}
	}
}

// TestRotatingALinkRemovesItsUsers: withdrawing the guest link removes the
// guest waiting with it at once; the host, on another link, stays.
func TestRotatingALinkRemovesItsUsers(t *testing.T) {
	e := newTestEnv(t)
	anna := e.token("anna")
	b := anna.create(map[string]any{"kind": "council", "hybrid": map[string]any{"enabled": true, "expected_remote": 3}})
	v := e.joinView(anna, b.ID)
	e.now = at(t, "2026-12-01T15:30:00Z")
	host := e.dial(tokenOf(t, v.HostURL), "Vorsitz", "H")
	host.expect("welcome")
	guest := e.dial(tokenOf(t, v.GuestURL), "Gast", "G")
	if w := guest.expect("welcome"); w.State != "lobby" {
		t.Fatalf("welcome %+v", w)
	}
	host.expectState(func(m sigMsg) bool { return len(m.Lobby) == 1 })
	if r := anna.do("POST", "/api/v1/bookings/"+b.ID+"/join/rotate", map[string]any{"link": "guest"}); r.status != 200 {
		t.Fatalf("rotate: %d %s", r.status, r.body)
	}
	if c := guest.expect("closed"); c.Reason != signaling.ReasonInvalidToken {
		t.Fatalf("guest on the withdrawn link: %+v", c)
	}
	host.expectState(func(m sigMsg) bool { return len(m.Lobby) == 0 })
	host.send(map[string]any{"type": "hand", "raised": true})
	host.expectState(func(m sigMsg) bool { return len(m.Queue) == 1 }) // still in
}
