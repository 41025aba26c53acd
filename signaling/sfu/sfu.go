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
// The exported API is what the signaling package builds on. Engine is in
// engine.go, Room in room.go, Peer in peer.go and negotiate.go, the packet
// path in forward.go.
package sfu

import (
	"errors"
	"time"

	"github.com/pion/transport/v5"
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

	// vnet replaces the host's network (tests on pion's virtual network).
	vnet transport.Net
}

// Errors callers may test for.
var (
	ErrClosed     = errors.New("sfu: closed")
	ErrBadSDP     = errors.New("sfu: malformed session description")
	ErrSDPTooLong = errors.New("sfu: session description too long")
	ErrState      = errors.New("sfu: message not expected in this negotiation state")
	// ErrDuplicate: a participant id already present in the room joined
	// again; the caller closes the old Peer first.
	ErrDuplicate = errors.New("sfu: participant already in the room")
)

// MaxSDPSize bounds an inbound session description.
const MaxSDPSize = 64 << 10

// Outbound is a message the SFU needs delivered to one participant's
// client. Send functions given to Join must not block.
type Outbound struct {
	// Type is "offer" (for the down connection), "answer" (to the client's
	// offer on the up connection), "candidate", "layers" or
	// "active_speaker".
	Type string
	// PC is "up" or "down" (offer, answer, candidate).
	PC        string
	SDP       string
	Candidate *webrtc.ICECandidateInit
	// Track and Active are a layers message: the rids of the
	// publisher's own track Track that anyone needs.
	Track  string
	Active []string
	// ID is an active_speaker message's participant ("" for nobody).
	ID string
}

// Stats are running totals.
type Stats struct {
	// ForwardedPackets and ForwardedBytes count packets handed to
	// subscribers: one inbound packet sent to three counts three.
	ForwardedPackets uint64
	ForwardedBytes   uint64
	// KeyframeRequests counts PLIs sent to publishers.
	KeyframeRequests uint64
	// Retransmissions counts packets resent to a subscriber from a
	// publisher track's shared cache on the subscriber's NACK.
	Retransmissions uint64
	// MutedPackets counts inbound audio packets dropped while muted.
	MutedPackets uint64
	Peers        int
}

// Bounds on what a client may make us hold.
const (
	// maxCandidates bounds the trickled candidates one PeerConnection
	// takes from the client in all (queued before the remote description
	// and added after it).
	maxCandidates = 64
	// maxMediaSections bounds the m= sections of a client's offer.
	maxMediaSections = 6
	// maxUpTracks bounds the tracks one participant publishes; further
	// tracks are ignored.
	maxUpTracks = 4
	// gatherTimeout bounds the wait for ICE gathering of our description.
	gatherTimeout = 5 * time.Second
	// maxCandidateSize bounds one candidate line.
	maxCandidateSize = 1024
)
