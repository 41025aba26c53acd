package signaling

// Meetings on a cluster: a meeting's state lives on one node, its owner
// (daemon/cluster/placement.go decides which). A join that reaches
// another node — one public name behind a load balancer — is relayed:
// this node opens the owner's /ws, says the same hello, and copies the
// messages both ways until either side ends. Media does not pass here:
// the owner's SDP names its own media address, and the browser's ICE
// goes there directly. A redirect would not do: browsers do not follow
// redirects on a WebSocket upgrade. PROTOCOL.md, "Relay", is the wire
// side; docs/cluster.md the operator's.

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
	"github.com/kogge-project/kogge/internal/relaysig"
)

// ReasonMoving: the meeting runs on another node that cannot be reached
// now (it is restarting, or died and the meeting is being placed anew).
// Close code 1013; the client reconnects.
const ReasonMoving = "moving"

// Router says where a meeting runs (Config.Router; nil: always here).
type Router interface {
	// Route returns the meeting's owner, claiming it for a node if
	// nobody owns it yet.
	Route(ctx context.Context, meetingID string) (Route, error)
	// Release tells that a meeting this node ran has closed here. It
	// is called on the meeting's goroutine and must not block.
	Release(meetingID string)
}

// Route is where a meeting runs: here, or at another node's URL (the
// base URL of its listener, as [store.etcd] advertise_url gives it).
type Route struct {
	Local bool
	URL   string
}

const (
	// relayDialWait bounds asking the Router and opening the owner's
	// /ws (an owner that does not answer by then is "moving").
	relayDialWait = 5 * time.Second
	// relayReadLimit bounds an owner's message: the owner is trusted,
	// but its state of a full meeting is larger than a client's limit.
	relayReadLimit = 8 << 20
	// relayPingEvery and relayOwnerSilence watch the owner: a machine
	// that vanishes (power, network) sends no close and no reset, so
	// without them a relayed client would wait on a dead owner for as
	// long as TCP does. An owner silent for relayOwnerSilence — no
	// message, no pong — is gone: the client is told "moving" about when
	// the owner's claim runs out (cluster.NodeTTL, 3 s) and the meeting
	// can reopen elsewhere.
	relayPingEvery    = time.Second
	relayOwnerSilence = 3 * time.Second
	// relayOwnerFirst is how long the owner may take to answer the
	// hello: placing the meeting and authorizing the join, each within
	// its own bound.
	relayOwnerFirst = relayDialWait + authTimeout
)

// clientOf is the client's address: the one a relaying node passes on if
// its signature holds (relayed), else the connection's own; not ok when
// the request carries a relay signature that does not hold (a forged
// one, or nodes whose clocks are too far apart).
func (h *Hub) clientOf(r *http.Request) (addr string, relayed, ok bool) {
	client, res := relaysig.Verify(r.Header, h.cfg.RelayKey, relaysig.ForWebSocket, time.Now())
	switch res {
	case relaysig.Valid:
		return client, true, true
	case relaysig.Invalid:
		h.log.Warn("a relayed connection whose signature does not hold was refused (are the nodes' clocks more than 30 s apart?)", "from", r.RemoteAddr)
		return "", false, false
	}
	return r.RemoteAddr, false, true
}

// relayFirst relays a join before it is authorized when the Authorizer
// can locate its meeting from the token alone (Locator) and another node
// runs it. The owner then checks everything else, the guest's PIN
// included, so its PIN limits count every attempt however many nodes a
// guesser spreads them over (docs/security.md, "Guest PINs"); this node
// checks no PIN and counts none. It reports done when the connection is
// over (relayed, or refused); otherwise the caller authorizes fully and
// routes again (no Router or no Locator: only then).
func (h *Hub) relayFirst(c *conn, hello *helloMsg, addr string) (done bool) {
	loc, ok := h.auth.(Locator)
	if h.cfg.Router == nil || !ok {
		return false
	}
	ctx, cancel := context.WithTimeout(h.ctx, authTimeout)
	id, err := loc.Locate(ctx, hello.Token)
	cancel()
	switch {
	case err != nil:
		c.close(h.refusalFor(err, JoinRequest{Token: hello.Token, PIN: hello.PIN}))
		return true
	case id == "":
		h.log.Error("the authorizer located a join in no meeting")
		c.close(refusal(ReasonInvalidToken))
		return true
	}
	return h.elsewhere(c, hello, id, addr)
}

// elsewhere relays the connection if its meeting runs on another node,
// and reports whether it did (or closed the connection trying): the
// connection is then over. Called once the meeting is known (relayFirst),
// or once the hello is authorized.
func (h *Hub) elsewhere(c *conn, hello *helloMsg, meetingID, addr string) bool {
	if h.cfg.Router == nil {
		return false
	}
	ctx, cancel := context.WithTimeout(h.ctx, relayDialWait)
	defer cancel()
	rt, err := h.cfg.Router.Route(ctx, meetingID)
	switch {
	case err != nil:
		h.log.Warn("could not place a meeting; the client will try again", "meeting", meetingID, "err", err)
		c.close(refusal(ReasonMoving))
		return true
	case rt.Local:
		return false
	case c.relayed:
		// One hop only: the relaying node took us for the owner and we
		// are not (the owner changed meanwhile). The client's next
		// attempt finds the new one.
		c.close(refusal(ReasonMoving))
		return true
	}
	c.log = h.log.With("meeting", meetingID, "owner", rt.URL)
	owner, err := h.dialOwner(ctx, rt.URL, hello, addr)
	if err != nil {
		c.log.Warn("the meeting's node cannot be reached; the client will try again", "err", err)
		c.close(refusal(ReasonMoving))
		return true
	}
	cancel()
	h.relay(c, owner)
	return true
}

// dialOwner opens the owner's /ws as the client's page would (the
// cluster's one public origin), with the client's address signed, and
// says the client's hello.
func (h *Hub) dialOwner(ctx context.Context, base string, hello *helloMsg, addr string) (*websocket.Conn, error) {
	u := strings.TrimSuffix(base, "/") + "/ws"
	switch {
	case strings.HasPrefix(u, "https://"):
		u = "wss://" + strings.TrimPrefix(u, "https://")
	case strings.HasPrefix(u, "http://"):
		u = "ws://" + strings.TrimPrefix(u, "http://")
	default:
		return nil, errors.New("the owner's URL is not http(s): " + base)
	}
	hdr := http.Header{}
	if len(h.cfg.AllowedOrigins) > 0 {
		hdr.Set("Origin", h.cfg.AllowedOrigins[0])
	}
	if len(h.cfg.RelayKey) > 0 {
		relaysig.Sign(hdr, h.cfg.RelayKey, relaysig.ForWebSocket, addr, time.Now())
	}
	d := websocket.Dialer{HandshakeTimeout: relayDialWait, ReadBufferSize: wsReadBuffer,
		WriteBufferSize: wsWriteBuffer, WriteBufferPool: &wsWriteBuffers}
	ws, resp, err := d.DialContext(ctx, u, hdr)
	if err != nil {
		if resp != nil {
			return nil, errors.New(err.Error() + " (" + resp.Status + ")")
		}
		return nil, err
	}
	ws.SetReadLimit(relayReadLimit)
	// The same hello, re-encoded: whatever fields it has reach the owner.
	msg, err := json.Marshal(struct {
		Type string `json:"type"`
		*helloMsg
	}{"hello", hello})
	if err == nil {
		_ = ws.SetWriteDeadline(time.Now().Add(h.timing.write))
		err = ws.WriteMessage(websocket.TextMessage, msg)
	}
	if err != nil {
		ws.Close()
		return nil, err
	}
	return ws, nil
}

// relay copies messages between the client (c) and the owner until
// either side ends; it returns when both copies have stopped. The hub's
// limits still apply to the client: its pings and read deadline, the
// message rate, the send queue (a slow client is dropped). What the owner
// sends passes unchanged; its closed message closes the client's
// connection with the same reason (and so the same close code). An owner
// that goes away without one is "moving": the client reconnects and the
// meeting is placed anew.
func (h *Hub) relay(c *conn, owner *websocket.Conn) {
	c.watchPongs()
	var clientGone atomic.Bool
	fromOwner := make(chan struct{})
	go func() {
		defer close(fromOwner)
		c.fromOwner(owner, &clientGone)
	}()
	pinging := make(chan struct{})
	go pingOwner(owner, pinging)
	code := c.toOwner(owner)
	close(pinging)
	clientGone.Store(true)
	if code != 0 {
		// The client's own close code, so the owner tells a leave from a
		// drop as it would without us (after a closed from the owner,
		// this answers its close frame).
		_ = owner.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, ""), time.Now().Add(c.timing.write))
	}
	owner.Close()
	<-fromOwner
}

// toOwner passes the client's messages on until its connection ends, and
// returns the close code it sent (0: none, it dropped).
func (c *conn) toOwner(owner *websocket.Conn) int {
	ownerDown := false
	for {
		mt, data, err := c.ws.ReadMessage()
		if err != nil {
			var ce *websocket.CloseError
			if errors.As(err, &ce) && ce.Code != websocket.CloseNoStatusReceived && ce.Code != websocket.CloseAbnormalClosure {
				return ce.Code
			}
			return 0
		}
		c.renewRead()
		switch {
		case c.closing() || ownerDown: // read on until the client's close frame
		case !c.limiter.Allow():
			c.sendError(codeRateLimited, "too many messages; slow down", "")
		case mt != websocket.TextMessage:
			c.sendError(codeBadMessage, "messages are JSON text", "")
		default:
			_ = owner.SetWriteDeadline(time.Now().Add(c.timing.write))
			if owner.WriteMessage(websocket.TextMessage, data) != nil {
				// The owner is gone: fromOwner's read fails now and
				// closes the client.
				ownerDown = true
				_ = owner.NetConn().Close()
			}
		}
	}
}

// fromOwner passes the owner's messages to the client until the owner's
// connection ends, then closes the client's (unless it is gone already).
func (c *conn) fromOwner(owner *websocket.Conn, clientGone *atomic.Bool) {
	var final *Refusal
	// Until its first message the owner is placing and authorizing the
	// hello, and a guest's PIN check may wait its turn in the booking's
	// pace (signaling/admission/pin.go): it answers nothing meanwhile,
	// not even pings, so it is given that long before it counts as gone.
	answered, first := false, time.Now().Add(relayOwnerFirst)
	alive := func() {
		d := time.Now().Add(relayOwnerSilence)
		if !answered && d.Before(first) {
			d = first
		}
		_ = owner.SetReadDeadline(d)
	}
	alive()
	owner.SetPongHandler(func(string) error { alive(); return nil })
	for {
		mt, data, err := owner.ReadMessage()
		if err != nil {
			break
		}
		answered = true
		alive()
		if mt != websocket.TextMessage {
			continue
		}
		var head typeOnly
		_ = json.Unmarshal(data, &head)
		switch head.Type {
		case "closed":
			var cl closedOut
			if json.Unmarshal(data, &cl) == nil && cl.Reason != "" && final == nil {
				final = &Refusal{Reason: cl.Reason, Message: cl.Message, Opens: cl.Opens, URL: cl.URL}
				c.close(final)
			}
		case "state":
			c.sendState(data)
		default:
			c.send(data)
		}
	}
	if final == nil && !clientGone.Load() {
		c.close(refusal(ReasonMoving))
	}
}

// pingOwner pings the owner until stop closes; its pongs keep
// fromOwner's read deadline ahead (WriteControl may run beside the
// other writes).
func pingOwner(owner *websocket.Conn, stop <-chan struct{}) {
	t := time.NewTicker(relayPingEvery)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			if owner.WriteControl(websocket.PingMessage, nil, time.Now().Add(relayPingEvery)) != nil {
				return
			}
		}
	}
}

// released tells the Router that a meeting closed here.
func (h *Hub) released(meetingID string) {
	if h.cfg.Router != nil {
		h.cfg.Router.Release(meetingID)
	}
}
