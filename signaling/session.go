package signaling

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"time"

	"github.com/gorilla/websocket"
	"github.com/kogge-project/kogge/signaling/sfu"
)

// serve is the reader of one connection: hello, authorization, joining the
// meeting, then every client message until the connection ends.
func (h *Hub) serve(c *conn, remoteAddr string) {
	hello, bad := c.readHello()
	if hello == nil {
		c.close(bad) // nil: the connection is gone
		return
	}
	ctx, cancel := context.WithTimeout(h.ctx, authTimeout)
	req := JoinRequest{Token: hello.Token, PIN: hello.PIN, RemoteAddr: remoteAddr}
	ticket, err := h.auth.Authorize(ctx, req)
	cancel()
	if err != nil {
		c.close(h.refusalFor(err, req))
		return
	}
	spec := ticket.Meeting
	if spec.ID == "" || (ticket.Role != RoleHost && ticket.Role != RoleGuest) {
		h.log.Error("authorizer returned an unusable ticket", "meeting", spec.ID, "role", ticket.Role)
		c.close(refusal(ReasonInvalidToken))
		return
	}
	if !spec.Closes.IsZero() && !h.now().Before(spec.Closes) {
		c.close(refusal(ReasonEnded))
		return
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
	}
	if ticket.Member != 0 && ticket.MemberName != "" {
		p.name = ticket.MemberName // the chair sees the member, not what was typed
	}
	if h.cfg.ICEServers != nil {
		p.ice = h.cfg.ICEServers(p.id)
	}
	c.log = h.log.With("meeting", spec.ID, "participant", p.id, "role", p.role)
	m, why := h.open(spec)
	if m == nil {
		c.close(why)
		return
	}
	if !m.post(joinReq{p: p}) {
		c.close(m.final)
		return
	}
	c.readLoop(m, p.id)
	m.post(leaveReq{id: p.id})
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

// readLoop reads client messages until the connection ends. Media
// messages go straight to the participant's MediaPeer (so a slow SDP
// negotiation never holds up the meeting); the rest go to the meeting.
func (c *conn) readLoop(m *meeting, id string) {
	renew := func() { _ = c.ws.SetReadDeadline(time.Now().Add(c.timing.pong)) }
	renew()
	c.ws.SetPongHandler(func(string) error { renew(); return nil })
	for {
		mt, data, err := c.ws.ReadMessage()
		if err != nil {
			c.log.Debug("connection ended", "err", err)
			return
		}
		renew()
		if c.closing() {
			continue // read on until the client's close frame
		}
		if !c.limiter.Allow() {
			c.sendError(codeRateLimited, "too many messages; slow down", "")
			continue
		}
		if mt != websocket.TextMessage {
			c.sendError(codeBadMessage, "messages are JSON text", "")
			continue
		}
		typ, msg, err := parse(data)
		if err != nil {
			c.sendError(codeBadMessage, err.Error(), clip(typ))
			continue
		}
		switch msg := msg.(type) {
		case *helloMsg:
			c.sendError(codeBadMessage, "hello only once", typ)
		case *sdpMsg, *candidateMsg, *keyframeMsg, *viewMsg:
			c.media(typ, msg)
		default:
			if !m.post(inboundReq{id: id, typ: typ, msg: msg}) {
				c.close(m.final)
			}
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
