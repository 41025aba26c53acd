package main

import (
	"context"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/kogge-project/kogge/internal/etcdtest"
	"github.com/kogge-project/kogge/signaling"
	"github.com/kogge-project/kogge/signaling/admission"
)

// A guest's PIN is checked on the meeting's owner only, so its limits
// (docs/security.md, "Guest PINs") hold for the whole cluster: wrong PINs
// sent through the two other nodes in turn all count on the owner, and
// once a network has used its tries the next is refused whichever node it
// comes through, the right PIN too, until a try has grown back. The
// limit is the guesser's network's, as the relaying node signed it, not
// the relaying node's: a guest elsewhere with the right PIN gets in
// through the same nodes meanwhile.
func TestClusterGuestPINIsCountedByTheOwner(t *testing.T) {
	c := etcdtest.Start(t, 3)
	nodes := clusterNodes(t, c, 3)
	anna := nodes[0].login("anna")
	b := anna.createHybrid("Bauausschuss", "")
	const pin = "24681357"
	r := anna.do("PATCH", "/api/v1/bookings/"+b.ID+"/join", map[string]any{"guest_pin": pin, "lobby": "off"})
	var v struct {
		HostURL  string `json:"host_url"`
		GuestURL string `json:"guest_url"`
	}
	r.json(t, &v)
	if r.status != http.StatusOK || !strings.Contains(v.GuestURL, "/j/") {
		t.Fatalf("setting the guest PIN: %d %s", r.status, r.body)
	}
	host, guest := v.HostURL[strings.LastIndex(v.HostURL, "/j/")+3:], v.GuestURL[strings.LastIndex(v.GuestURL, "/j/")+3:]
	for _, n := range nodes[1:] {
		n.caughtUp()
	}

	// The host opens the meeting; it runs on one node, the guests come
	// through the two others.
	dialMeeting(t, nodes[0], host, "Gastgeberin").next("welcome")
	owner := ownerOf(t, nodes, b.ID)
	var via []*testEnv
	for i, n := range nodes {
		if i != owner {
			via = append(via, n)
		}
	}
	const guesser, other = "127.0.1.5", "127.0.2.7" // two client networks (/24)

	for i := range admission.PINBurst {
		guestFrom(t, via[i%2], guesser, guest, "00000000").closedWith(signaling.ReasonPINWrong)
	}
	for i := range 2 {
		guestFrom(t, via[(admission.PINBurst+i)%2], guesser, guest, "00000000").closedWith(signaling.ReasonRateLimited)
	}
	guestFrom(t, via[0], guesser, guest, pin).closedWith(signaling.ReasonRateLimited)

	// Another network's guest is not held up by the guesser.
	if w := guestFrom(t, via[1], other, guest, pin).next("welcome"); w.State != "joined" {
		t.Fatalf("the other guest's welcome %+v, want joined", w)
	}
	// A minute on (on every node: their clocks agree), the guesser's
	// network has one try again, and the right PIN is let in.
	for _, n := range nodes {
		n.advance(admission.PINEvery)
	}
	if w := guestFrom(t, via[0], guesser, guest, pin).next("welcome"); w.State != "joined" {
		t.Fatalf("the right PIN after a minute: welcome %+v, want joined", w)
	}
	if info, _ := nodes[owner].d.meetings.Hub().Meeting(b.ID); info.Participants != 3 {
		t.Fatalf("the owner's meeting: %+v, want the host and two guests", info)
	}
	for _, n := range via {
		if ms := n.d.meetings.Hub().Meetings(); len(ms) != 0 {
			t.Fatalf("a relaying node runs %+v", ms)
		}
	}
}

// guestFrom opens /ws of node e from the local address ip (any 127/8
// address reaches the loopback listener) and says a guest's hello with
// the PIN.
func guestFrom(t *testing.T, e *testEnv, ip, token, pin string) *meetClient {
	t.Helper()
	local := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 10 * time.Second}
	d := websocket.Dialer{HandshakeTimeout: 10 * time.Second,
		NetDialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			return local.DialContext(ctx, network, addr)
		}}
	h := http.Header{"Origin": {signaling.OriginOf(e.cfg.Server.PublicURL)}}
	ws, _, err := d.Dial("ws"+strings.TrimPrefix(e.url(), "http")+"/ws", h)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.Close() })
	hello := map[string]any{"type": "hello", "version": 1, "token": token, "name": "Gast", "pin": pin}
	if err := ws.WriteJSON(hello); err != nil {
		t.Fatal(err)
	}
	return &meetClient{t: t, ws: ws}
}

// closedWith reads up to the closed message and fails unless it gives
// the reason.
func (c *meetClient) closedWith(reason string) {
	c.t.Helper()
	_ = c.ws.SetReadDeadline(time.Now().Add(15 * time.Second))
	for {
		var m meetMsg
		if err := c.ws.ReadJSON(&m); err != nil {
			c.t.Fatalf("waiting for closed{%s}: %v", reason, err)
		}
		if m.Type == "closed" {
			if m.Reason != reason {
				c.t.Fatalf("closed{%s}, want %s", m.Reason, reason)
			}
			return
		}
	}
}
