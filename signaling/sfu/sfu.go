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
// # Simulcast and layer choice
//
// A publisher may send a camera track as three simulcast encodings, rids
// l (320×180, ~150 kbit/s), m (640×360, ~500 kbit/s) and h (1280×720,
// ~1.5 Mbit/s). Each subscriber has one forwarding state per track
// (down.go) that forwards one layer and switches only where the new layer
// starts a keyframe, asking the publisher for one (PLI, at most one per
// layer every 500 ms). Sequence numbers, timestamps, VP8 picture ids and
// TL0PICIDX are renumbered per subscriber, so its decoder sees one
// continuous stream across switches and pauses.
//
// Every 200 ms the room's loop (alloc.go) measures each layer's received
// rate and decides each subscriber's layers:
//   - the budget is the GCC estimate of the subscriber's down connection
//     (pion's gcc over the subscriber's TWCC feedback; it starts at
//     2 Mbit/s and falls within a second or two on a link that cannot
//     carry that), capped by the subscriber's REMB when one came in the
//     last 5 s;
//   - audio is served first (its measured rate, 40 kbit/s assumed before
//     that) and is never dropped for video;
//   - the view decides the most a track needs: hidden (not in the last
//     view message) nothing, up to 352 px wide (320 + 10 %, height
//     counted as 16:9) l, up to 704 px m, else h; before any view, h;
//   - tracks are served largest tile first: every visible one gets l if
//     the budget carries it, then each is raised towards its need; a
//     switch up also needs 15 % of the new layer's rate spare, so an
//     estimate hovering at a layer's rate does not flap;
//   - a single-layer track (a screen share) is never dropped for
//     bandwidth, only when hidden.
//
// A falling estimate changes the target on the next tick and the switch
// happens at the lower layer's next keyframe, requested at once: well
// within 2 s. Publishers get a layers message listing the rids anyone
// needs, so unwatched encodings can be paused at the browser.
//
// Loss repair: each published video layer keeps at least its last second
// of packets in one cache (cache.go, 64 to 512 slots by the layer's
// rate) that answers every subscriber's NACKs, renumbered
// for that subscriber; pion's per-connection NACK responder is not used,
// so repair memory grows with publishers, not with subscribers.
//
// Active speaker (speaker.go): the RFC 6464 audio level is negotiated on
// up connections and smoothed over about a second per track; the loudest
// participant above -55 dBov becomes the active speaker when it is 3 dB
// louder than the current one and the last change is 1.5 s ago; after
// 3 s of silence nobody is.
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
	// tracks are ignored. The join page sends a microphone, a camera in
	// three simulcast layers (each a track of pion's until the SFU keeps
	// a camera's layers together) and a presentation.
	maxUpTracks = 6
	// gatherTimeout bounds the wait for ICE gathering of our description.
	gatherTimeout = 5 * time.Second
	// maxCandidateSize bounds one candidate line.
	maxCandidateSize = 1024
)
