package signaling

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"time"

	"github.com/gorilla/websocket"
	"github.com/kogge-project/kogge/signaling/sfu"
)

// enterMeeting reads the hello, authorizes it and joins the meeting (or
// its lobby); nil when the connection was closed instead.
func (h *Hub) enterMeeting(c *conn, remoteAddr string) (*meeting, string) {
	hello, bad := c.readHello()
	if hello == nil {
		c.close(bad) // nil: the connection is gone
		return nil, ""
	}
	if _, ok := h.hellos.Take(addrKey(remoteAddr), h.now()); !ok {
		c.close(&Refusal{Reason: ReasonRateLimited, Message: "Too many joins from your address; please wait a moment."})
		return nil, ""
	}
	if h.relayFirst(c, hello, remoteAddr) {
		return nil, ""
	}
	ctx, cancel := context.WithTimeout(h.ctx, authTimeout)
	req := JoinRequest{Token: hello.Token, PIN: hello.PIN, RemoteAddr: remoteAddr}
	ticket, err := h.auth.Authorize(ctx, req)
	cancel()
	if err != nil {
		c.close(h.refusalFor(err, req))
		return nil, ""
	}
	spec := ticket.Meeting
	if spec.ID == "" || (ticket.Role != RoleHost && ticket.Role != RoleGuest) {
		h.log.Error("authorizer returned an unusable ticket", "meeting", spec.ID, "role", ticket.Role)
		c.close(refusal(ReasonInvalidToken))
		return nil, ""
	}
	if !spec.Closes.IsZero() && !h.now().Before(spec.Closes) {
		c.close(refusal(ReasonEnded))
		return nil, ""
	}
	// Routed again after the full check, also when relayFirst routed it:
	// a guest's PIN check may have waited its turn for seconds, in which
	// this node can have lost the meeting's claim (its lease) to another
	// that opened it; opening it here too would split the meeting. On one
	// machine (no Router) this does nothing.
	if h.elsewhere(c, hello, spec.ID, remoteAddr) { // another node runs it: relayed (or moving)
		return nil, ""
	}
	p := &participant{
		id:        rand.Text(),
		name:      hello.Name,
		role:      ticket.Role,
		candidate: ticket.Candidate,
		link:      ticket.Link,
		addr:      addrKey(remoteAddr),
		until:     ticket.Until,
		ep:        c,
		member:    ticket.Member,
		secret:    rand.Text(),
		resume:    hello.Resume,
	}
	if ticket.Member != 0 && ticket.MemberName != "" {
		p.name = ticket.MemberName // the chair sees the member, not what was typed
	}
	if h.cfg.ICEServers != nil {
		p.ice = h.cfg.ICEServers(p.id)
	}
	c.log = h.log.With("meeting", spec.ID, "participant", p.id, "role", p.role)
	memo, why := h.recall(spec.ID)
	if why != nil {
		c.close(why)
		return nil, ""
	}
	m, why := h.open(spec, memo)
	if m == nil {
		c.close(why)
		return nil, ""
	}
	idc := make(chan string, 1)
	if !m.post(joinReq{p: p, id: idc}) {
		c.close(m.final)
		return nil, ""
	}
	select {
	case id := <-idc:
		if id != p.id { // resumed
			c.log = h.log.With("meeting", spec.ID, "participant", id, "role", p.role)
		}
		return m, id
	case <-m.done:
		c.close(m.final)
		return nil, ""
	}
}

// refusalFor maps an Authorizer error: a *Refusal goes to the client, any
// other error becomes invalid_token without details. Neither token nor PIN
// is logged, even if the Authorizer's error text quotes them.
func (h *Hub) refusalFor(err error, req JoinRequest) *Refusal {
	var r *Refusal
	if errors.As(err, &r) && r.Reason != "" {
		return r
	}
	if h.log.Enabled(context.Background(), slog.LevelDebug) {
		msg := err.Error()
		for _, secret := range []string{req.Token, req.PIN} {
			if secret != "" {
				msg = strings.ReplaceAll(msg, secret, "[redacted]")
			}
		}
		h.log.Debug("join refused", "err", msg)
	}
	return refusal(ReasonInvalidToken)
}

// readHello reads the first message, which must be a hello of our version
// with a usable display name, within timing.hello.
func (c *conn) readHello() (*helloMsg, *Refusal) {
	_ = c.ws.SetReadDeadline(time.Now().Add(c.timing.hello))
	mt, data, err := c.ws.ReadMessage()
	if err != nil {
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			return nil, &Refusal{Reason: ReasonProtocol, Message: fmt.Sprintf("No hello within %s.", c.timing.hello)}
		}
		c.log.Debug("connection ended before hello", "err", err)
		return nil, nil // gone (or too big: gorilla has sent 1009)
	}
	if mt != websocket.TextMessage {
		return nil, &Refusal{Reason: ReasonProtocol, Message: "Messages are JSON text."}
	}
	typ, msg, err := parse(data)
	if err != nil || typ != "hello" {
		return nil, &Refusal{Reason: ReasonProtocol, Message: "The first message must be hello."}
	}
	hello := msg.(*helloMsg)
	if hello.Version != ProtocolVersion {
		return nil, &Refusal{Reason: ReasonVersion, Message: fmt.Sprintf("The server speaks protocol version %d.", ProtocolVersion)}
	}
	name, err := cleanName(hello.Name)
	if err != nil {
		return nil, &Refusal{Reason: ReasonProtocol, Message: err.Error()}
	}
	hello.Name = name
	return hello, nil
}

// watchPongs sets the read deadline, which every message and every pong
// renews.
func (c *conn) watchPongs() {
	c.renewRead()
	c.ws.SetPongHandler(func(string) error { c.renewRead(); return nil })
}

func (c *conn) renewRead() { _ = c.ws.SetReadDeadline(time.Now().Add(c.timing.pong)) }

// read is the reader of a connection in a meeting: every client message
// until the connection ends, then the participant leaves. Media messages
// go straight to the participant's MediaPeer (so a slow SDP negotiation
// never holds up the meeting); the rest go to the meeting. Its frame lies
// beneath the blocking read while the client is idle, so the work is in
// functions it calls (see Hub.run).
func (c *conn) read() {
	for {
		// NextReader, not ReadMessage: one frame less beneath the read.
		mt, r, err := c.ws.NextReader()
		if err != nil {
			c.readEnded(err)
			break
		}
		c.message(mt, r)
	}
	c.leave()
}

// message reads the rest of a message and answers it.
//
//go:noinline
func (c *conn) message(mt int, r io.Reader) {
	data, err := io.ReadAll(r)
	if err != nil {
		return // NextReader reports the failure next
	}
	c.renewRead()
	if !c.closing() { // else read on until the client's close frame
		c.handle(c.meeting, c.id, mt, data)
	}
}

// leave ends a participant's connection after its reader.
//
//go:noinline
func (c *conn) leave() {
	c.meeting.post(leaveReq{id: c.id, ep: c})
	c.hub.unregister(c)
	c.hub.finish(c)
}

// readEnded logs the end; not inlined, for read's frame.
//
//go:noinline
func (c *conn) readEnded(err error) { c.log.Debug("connection ended", "err", err) }

// handle answers one client message.
func (c *conn) handle(m *meeting, id string, mt int, data []byte) {
	if !c.limiter.Allow() {
		c.sendError(codeRateLimited, "too many messages; slow down", "")
		return
	}
	if mt != websocket.TextMessage {
		c.sendError(codeBadMessage, "messages are JSON text", "")
		return
	}
	typ, msg, err := parse(data)
	if err != nil {
		c.sendError(codeBadMessage, err.Error(), clip(typ))
		return
	}
	switch msg := msg.(type) {
	case *helloMsg:
		c.sendError(codeBadMessage, "hello only once", typ)
	case *pingMsg:
		c.keptSecret(m, id) // before the pong: resume.go
		c.pong()            // heartbeat.go
	case *sdpMsg, *candidateMsg, *keyframeMsg, *viewMsg:
		c.media(typ, msg)
	default:
		if !m.post(inboundReq{id: id, typ: typ, msg: msg, ep: c}) {
			c.close(m.final)
		}
	}
}

// media hands a media message to the participant's peer.
func (c *conn) media(typ string, msg message) {
	p := c.mediaPeer()
	if p == nil {
		c.sendError(codeNotJoined, "media starts once you have joined", typ)
		return
	}
	var err error
	switch msg := msg.(type) {
	case *sdpMsg:
		if typ == "offer" {
			err = p.Offer(msg.SDP)
		} else {
			err = p.Answer(msg.SDP)
		}
	case *candidateMsg:
		err = p.AddCandidate(msg.PC, *msg.Candidate)
	case *keyframeMsg:
		p.RequestKeyframe()
	case *viewMsg:
		setView(p, msg)
	}
	switch {
	case err == nil, errors.Is(err, sfu.ErrClosed):
	case errors.Is(err, sfu.ErrBadSDP), errors.Is(err, sfu.ErrSDPTooLong), errors.Is(err, sfu.ErrState):
		c.sendError(codeMedia, err.Error(), typ)
	default:
		c.log.Warn("media error", "type", typ, "err", err)
		c.sendError(codeMedia, "the media server refused the message", typ)
	}
}
