package signaling

import (
	"context"
	"encoding/hex"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/kogge-project/kogge/internal/relaysig"
)

var testRelayKey = []byte("0123456789abcdef0123456789abcdef")

// fakeRouter routes every meeting the same way and records releases.
type fakeRouter struct {
	mu       sync.Mutex
	route    Route
	err      error
	released chan string
}

func (r *fakeRouter) Route(ctx context.Context, id string) (Route, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.route, r.err
}

func (r *fakeRouter) Release(id string) {
	select {
	case r.released <- id:
	default:
	}
}

// addrAuth is the env's Authorizer that also records the client
// addresses it was asked about. It is a Locator, as the daemon's is, and
// if pin is set, a guest needs it.
type addrAuth struct {
	*fakeAuth
	addrs chan string
	pin   string
}

func (a *addrAuth) Authorize(ctx context.Context, req JoinRequest) (Ticket, error) {
	select {
	case a.addrs <- req.RemoteAddr:
	default:
	}
	t, err := a.fakeAuth.Authorize(ctx, req)
	if err == nil && t.Role == RoleGuest && a.pin != "" && req.PIN != a.pin {
		return Ticket{}, &Refusal{Reason: ReasonPINWrong, Message: "The PIN is not correct."}
	}
	return t, err
}

// Locate finds a token's meeting as Authorize would, without the PIN.
func (a *addrAuth) Locate(ctx context.Context, token string) (string, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if err, ok := a.errs[token]; ok {
		return "", err
	}
	if t, ok := a.tickets[token]; ok {
		return t.Meeting.ID, nil
	}
	return "", errors.New("bad signature on token " + token)
}

// node is a hub as one node of a cluster: its Router, the relay key, and
// the addresses its Authorizer saw.
type node struct {
	*env
	router *fakeRouter
	addrs  chan string
	auth   *addrAuth
}

func newNode(t *testing.T, route Route) *node {
	n := &node{router: &fakeRouter{route: route, released: make(chan string, 8)}, addrs: make(chan string, 64)}
	n.env = newEnv(t, testSpec(), func(e *env) {
		e.hub.cfg.Router, e.hub.cfg.RelayKey = n.router, testRelayKey
		n.auth = &addrAuth{fakeAuth: e.auth, addrs: n.addrs}
		e.hub.auth = n.auth
	})
	return n
}

func (n *node) addr() string {
	n.t.Helper()
	select {
	case a := <-n.addrs:
		return a
	case <-time.After(readTimeout):
		n.t.Fatal("the Authorizer was not asked")
		return ""
	}
}

// owner and relay: the meeting runs on owner; relay relays to it.
func relayPair(t *testing.T) (owner, relay *node) {
	owner = newNode(t, Route{Local: true})
	relay = newNode(t, Route{URL: owner.srv.URL})
	return owner, relay
}

// A participant who reached another node is in the same meeting as one
// on the owner: each sees the other, the meeting runs only on the owner,
// the owner sees the client's own address, and the owner's closed (leave,
// end) reaches the client with its close code.
func TestRelayedJoinMeetsTheOwnersMeeting(t *testing.T) {
	owner, relay := relayPair(t)
	host := owner.join("host", "Host")
	if a := owner.addr(); a == "" {
		t.Fatal("no address for the host")
	}
	guest := relay.join("guest", "Gus")
	if own, passed := guest.ws.LocalAddr().String(), owner.addr(); own != passed {
		t.Fatalf("the owner saw the relayed client at %q, its own address is %q", passed, own)
	}
	if len(relay.addrs) != 0 {
		t.Fatal("the relaying node authorized the join; only the owner should")
	}
	host.waitState(func(w wire) bool { return w.has(guest.welcome.ID) })
	guest.waitState(func(w wire) bool { return w.has(host.welcome.ID) })
	if ms := relay.hub.Meetings(); len(ms) != 0 {
		t.Fatalf("the relaying node runs %+v, want nothing", ms)
	}
	if ms := owner.hub.Meetings(); len(ms) != 1 || ms[0].Participants != 2 {
		t.Fatalf("the owner runs %+v, want one meeting of 2", ms)
	}

	// The guest's messages reach the owner, and what it answers comes back.
	guest.send(map[string]any{"type": "offer", "pc": "up", "sdp": "v=0"})
	if w := guest.next("answer"); w.SDP != "answer to v=0" {
		t.Fatalf("answer %+v", w)
	}
	guest.send(map[string]any{"type": "leave"})
	guest.expectClosed(ReasonLeft, websocket.CloseNormalClosure)
	host.waitState(func(w wire) bool { return !w.has(guest.welcome.ID) })

	again := relay.join("guest", "Gil")
	owner.hub.End("m1", ReasonEnded)
	again.expectClosed(ReasonEnded, websocket.CloseNormalClosure)
	host.expectClosed(ReasonEnded, websocket.CloseNormalClosure)
	select {
	case id := <-owner.router.released:
		if id != "m1" {
			t.Fatalf("released %q", id)
		}
	case <-time.After(readTimeout):
		t.Fatal("the owner did not release the ended meeting")
	}
}

// A relaying node checks no PIN: it relays the hello as it came, and the
// owner alone checks it (and so counts every attempt, docs/security.md).
// A wrong PIN is refused by the owner through the relay, the right one
// gets in, and a token that opens nothing is refused by the relaying
// node itself.
func TestRelayLeavesThePINToTheOwner(t *testing.T) {
	owner, relay := relayPair(t)
	owner.auth.pin, relay.auth.pin = "24681357", "24681357"
	hello := func(pin string) *client {
		ws, _, err := relay.dial(testOrigin)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { ws.Close() })
		c := &client{t: t, ws: ws}
		c.send(map[string]any{"type": "hello", "version": 1, "token": "guest", "name": "Gus", "pin": pin})
		return c
	}
	hello("11111111").expectClosed(ReasonPINWrong, websocket.ClosePolicyViolation)
	hello("24681357").next("welcome")
	relay.connect("forged", "Eve").expectClosed(ReasonInvalidToken, websocket.ClosePolicyViolation)
	relay.auth.mu.Lock()
	seen := relay.auth.pins
	relay.auth.mu.Unlock()
	owner.auth.mu.Lock()
	checked := owner.auth.pins
	owner.auth.mu.Unlock()
	if len(seen) != 0 {
		t.Errorf("the relaying node checked PINs %q", seen)
	}
	if len(checked) != 2 || checked[0] != "11111111" || checked[1] != "24681357" {
		t.Errorf("the owner checked PINs %q, want both", checked)
	}
}

// The owner believes a relayed address only with a valid signature of
// the cluster's key. A request without one is a client's own (its
// address counts); one whose signature does not hold is refused (403)
// rather than counted under the relaying node's address, which every
// guest it relays shares.
func TestRelayedAddressNeedsTheSignature(t *testing.T) {
	owner := newNode(t, Route{Local: true})
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	old := strconv.FormatInt(time.Now().Add(-time.Hour).Unix(), 10)
	sign := func(key []byte, addr, ts string) string {
		return ts + "." + hex.EncodeToString(relaysig.MAC(key, relaysig.ForWebSocket, addr, ts))
	}
	forHTTP := ts + "." + hex.EncodeToString(relaysig.MAC(testRelayKey, relaysig.ForHTTP, "203.0.113.7", ts))
	for _, tc := range []struct {
		name, sig string
		trusted   bool
	}{
		{"valid", sign(testRelayKey, "203.0.113.7", ts), true},
		{"no signature", "", false},
		{"garbage", "abc", false},
		{"another key", sign([]byte("another key of the same length.."), "203.0.113.7", ts), false},
		{"another address", sign(testRelayKey, "203.0.113.8", ts), false},
		{"an hour old", sign(testRelayKey, "203.0.113.7", old), false},
		{"made for a forwarded HTTP request", forHTTP, false},
	} {
		h := http.Header{"Origin": {testOrigin}, relaysig.ForHeader: {"203.0.113.7"}}
		if tc.sig != "" {
			h.Set(relaysig.SigHeader, tc.sig)
		}
		ws, resp, err := websocket.DefaultDialer.Dial(owner.url(), h)
		if tc.sig != "" && !tc.trusted {
			if err == nil || resp == nil || resp.StatusCode != http.StatusForbidden {
				t.Errorf("%s: not refused with 403 (%v)", tc.name, err)
			}
			if ws != nil {
				ws.Close()
			}
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		c := &client{t: t, ws: ws}
		c.send(map[string]any{"type": "hello", "version": 1, "token": "guest", "name": "Gus"})
		if got := owner.addr(); (got == "203.0.113.7") != tc.trusted {
			t.Errorf("%s: the owner saw %q", tc.name, got)
		}
		c.next("welcome")
		ws.Close()
	}
}

// An owner that cannot be reached, a Router that cannot place the
// meeting, and an owner that drops the relay mid-meeting all tell the
// client "moving" with 1013, so it reconnects; an owner's shutdown
// passes through as shutdown (1001).
func TestUnreachableOwnerSaysMoving(t *testing.T) {
	gone, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	gone.Close()
	relay := newNode(t, Route{URL: "http://" + gone.Addr().String()})
	relay.connect("guest", "Gus").expectClosed(ReasonMoving, websocket.CloseTryAgainLater)

	relay.router.mu.Lock()
	relay.router.err = errors.New("etcd is away")
	relay.router.mu.Unlock()
	relay.connect("guest", "Gus").expectClosed(ReasonMoving, websocket.CloseTryAgainLater)

	owner := newNode(t, Route{Local: true})
	cut := newCutter(t, owner.srv.Listener.Addr().String())
	relay.router.mu.Lock()
	relay.router.route, relay.router.err = Route{URL: "http://" + cut.addr()}, nil
	relay.router.mu.Unlock()
	host := owner.join("host", "Host")
	guest := relay.join("guest", "Gus")
	host.waitState(func(w wire) bool { return w.has(guest.welcome.ID) })
	cut.cut()
	guest.expectClosed(ReasonMoving, websocket.CloseTryAgainLater)
	host.waitState(func(w wire) bool { return !w.has(guest.welcome.ID) })

	again := relay.join("guest", "Gil")
	owner.hub.Close()
	again.expectClosed(ReasonShutdown, websocket.CloseGoingAway)
}

// A node relays only to an owner, never onward: a relayed join of a
// meeting the node does not own (the owner changed meanwhile) is
// "moving".
func TestRelayIsOneHop(t *testing.T) {
	other := newNode(t, Route{Local: true})
	owner := newNode(t, Route{URL: other.srv.URL}) // it thinks other owns it
	relay := newNode(t, Route{URL: owner.srv.URL})
	relay.connect("guest", "Gus").expectClosed(ReasonMoving, websocket.CloseTryAgainLater)
	if ms := other.hub.Meetings(); len(ms) != 0 {
		t.Fatalf("relayed twice: %+v", ms)
	}
}

// The hub's limits hold for a relayed client: a flood of messages is
// answered rate_limited by the relaying node.
func TestRelayedClientIsRateLimited(t *testing.T) {
	_, relay := relayPair(t)
	g := relay.join("guest", "Gus")
	for range inboundBurst + 10 {
		if err := g.ws.WriteJSON(map[string]any{"type": "hand", "raised": true}); err != nil {
			t.Fatal(err)
		}
	}
	g.expectError(codeRateLimited, "")
}

// cutter forwards TCP connections to target until cut drops them all,
// as a node's death would.
type cutter struct {
	ln    net.Listener
	mu    sync.Mutex
	conns []net.Conn
	wg    sync.WaitGroup
}

func newCutter(t *testing.T, target string) *cutter {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c := &cutter{ln: ln}
	c.wg.Go(func() {
		for {
			in, err := ln.Accept()
			if err != nil {
				return
			}
			out, err := net.Dial("tcp", target)
			if err != nil {
				in.Close()
				continue
			}
			c.mu.Lock()
			c.conns = append(c.conns, in, out)
			c.mu.Unlock()
			for _, p := range [][2]net.Conn{{in, out}, {out, in}} {
				c.wg.Go(func() { _, _ = io.Copy(p[0], p[1]); p[0].Close(); p[1].Close() })
			}
		}
	})
	t.Cleanup(func() { ln.Close(); c.cut(); c.wg.Wait() })
	return c
}

func (c *cutter) addr() string { return c.ln.Addr().String() }

func (c *cutter) cut() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, conn := range c.conns {
		conn.Close()
	}
	c.conns = nil
}
