// Package sfu forwards media between the participants of a meeting: a
// selective forwarding unit on pion/webrtc.
//
// Each participant has two PeerConnections, as Galène and LiveKit do: "up"
// carries what the participant publishes (the client offers, we answer) and
// "down" carries everything the others publish (we offer, the client
// answers). Offers therefore only ever flow one way on each connection and
// there is no glare to resolve; renegotiation of "down" is serialised here
// (one offer outstanding, a change during it re-offers after the answer).
//
// All ICE traffic of every meeting shares one UDP port through ICE UDP mux
// (and optionally one TCP port for ICE-TCP).
//
// CONTRACT (implementation pending): the exported API below is what the
// signaling package builds on; keep names and signatures.
package sfu

import (
	"errors"
	"log/slog"
	"net"

	"github.com/pion/webrtc/v4"
)

// Config is the media part of the [webrtc] configuration.
type Config struct {
	// UDPPort carries all ICE UDP traffic (UDP mux). 0 picks a free port
	// (tests).
	UDPPort int
	// ListenIP restricts the mux to one local address; "" means all.
	ListenIP string
	// IncludeLoopback gathers loopback candidates (tests, a demo on
	// 127.0.0.1).
	IncludeLoopback bool
	// ICETCPPort enables ICE-TCP on that port; 0 leaves it off.
	ICETCPPort int
	// NAT1To1IPs are public addresses announced as host candidates when
	// Kogge sits behind a 1:1 NAT.
	NAT1To1IPs []string
}

// Errors callers may test for.
var (
	ErrClosed     = errors.New("sfu: closed")
	ErrBadSDP     = errors.New("sfu: malformed session description")
	ErrSDPTooLong = errors.New("sfu: session description too long")
	ErrState      = errors.New("sfu: message not expected in this negotiation state")
)

// MaxSDPSize bounds an inbound session description.
const MaxSDPSize = 64 << 10

// Outbound is a message the SFU needs delivered to one participant's
// client. Send functions given to Join must not block.
type Outbound struct {
	// Type is "offer" (for the down connection), "answer" (to the client's
	// offer on the up connection) or "candidate".
	Type string
	// PC is "up" or "down".
	PC        string
	SDP       string
	Candidate *webrtc.ICECandidateInit
}

// Stats are running totals.
type Stats struct {
	ForwardedPackets uint64
	ForwardedBytes   uint64
	KeyframeRequests uint64
	Peers            int
}

// Engine owns the pion API (codecs, default interceptors, the UDP mux).
// One per daemon.
type Engine struct{}

// NewEngine opens the mux sockets.
func NewEngine(cfg Config, log *slog.Logger) (*Engine, error) { panic("TODO") }

// UDPAddr is where the mux listens (the port is real even when Config
// asked for 0).
func (e *Engine) UDPAddr() net.Addr { panic("TODO") }

// Stats adds up every room.
func (e *Engine) Stats() Stats { panic("TODO") }

// Close closes every room and the mux sockets.
func (e *Engine) Close() error { panic("TODO") }

// Room forwards media within one meeting.
type Room struct{}

// NewRoom starts an empty room.
func (e *Engine) NewRoom(id string, log *slog.Logger) *Room { panic("TODO") }

// Join adds a participant. send delivers offers, answers and candidates
// to its client and must not block. Every track the others publish is
// offered on the participant's down connection; the streams carry the
// publisher's participant id as their stream id (MediaStream id in the
// browser) so the client can label them.
func (r *Room) Join(participantID string, send func(Outbound)) (*Peer, error) {
	panic("TODO")
}

// Close ends every peer and waits for their goroutines.
func (r *Room) Close() { panic("TODO") }

// Stats for this room.
func (r *Room) Stats() Stats { panic("TODO") }

// Peer is one participant's media.
type Peer struct{}

// Offer handles the client's offer for the up connection; the answer goes
// out through send.
func (p *Peer) Offer(sdp string) error { panic("TODO") }

// Answer handles the client's answer to our last down offer.
func (p *Peer) Answer(sdp string) error { panic("TODO") }

// AddCandidate adds a trickled ICE candidate from the client for pc
// ("up" or "down").
func (p *Peer) AddCandidate(pc string, c webrtc.ICECandidateInit) error { panic("TODO") }

// SetAudioMuted stops (true) or resumes (false) forwarding this peer's
// audio to everyone.
func (p *Peer) SetAudioMuted(muted bool) { panic("TODO") }

// RequestKeyframe asks every publisher whose video this peer receives for
// a keyframe.
func (p *Peer) RequestKeyframe() { panic("TODO") }

// Close removes the peer: its tracks leave everyone's down connection.
func (p *Peer) Close() { panic("TODO") }
