package web

import (
	"net"
	"net/http"
	"time"

	"github.com/kogge-project/kogge/rooms/av"
)

// On a cluster each room's devices are driven by one node, the room's
// owner (rooms/av/roomav, ownership.go): only it holds the connections to
// the projector and the DSP. A panel or a person may reach any node
// through the load balancer, so a request that acts on a room's devices
// (a scene, a device command, the panel's camera preset and microphone
// mute) is sent on to the owner as it came, with its cookie or token: the
// owner authenticates it again (the store, with its sessions, panels and
// tokens, is shared) and answers, and its answer goes back unchanged.
// Reads (device lists, the panel's state) are answered here, from the
// statuses the owner publishes.

// RoomRouter says which node drives a room's devices. nil: this one
// drives every room (one machine).
type RoomRouter interface {
	// Owner returns local when this node drives the room; else the base
	// URL of the node that does (its advertised URL, e.g.
	// "https://kogge2.stadt.example:8443"), or "" when no node does now
	// (the owner died and no other has taken the room yet).
	Owner(room string) (url string, local bool)
}

// ClientRelay carries the client's address from the node that forwards a
// request to the owner, so that the owner's rate limits and security log
// see the person, not the forwarding node.
//
// TODO(issue 17, integrator): implement with the signed header engineer B
// builds for the meeting relay (HMAC with the cluster's relay key in
// etcd, constant-time compare). Until then (nil) the owner sees the
// forwarding node's address, as it would a reverse proxy's.
type ClientRelay interface {
	// Sign adds the client's address to a request being forwarded.
	Sign(out http.Header, client string)
	// Verify returns the client's address a forwarded request carries,
	// if its signature is valid.
	Verify(r *http.Request) (client string, ok bool)
}

// forwardedHeader marks a request one node forwarded to another: it is
// never forwarded again (ownership that moved meanwhile is answered with
// roomUnreachable, not with a loop).
const forwardedHeader = "Kogge-Forwarded"

// roomRetryAfter is what a client is told to wait when the room's owner
// cannot be reached: about the time a dead owner's lease runs out and
// another node takes the room.
const roomRetryAfter = 5 * time.Second

// roomForwardTimeout bounds a forwarded request's answer: a device
// command waits for the device at most a scene's deadline on the owner.
const roomForwardTimeout = av.DefaultSceneDeadline + 10*time.Second

// roomUnreachable is the answer when the node that drives the room's
// devices cannot be reached (or no node drives them now).
func roomUnreachable() *problem {
	p := newProblem(http.StatusServiceUnavailable, "room-unreachable", "room-unreachable")
	p.retryAfter = roomRetryAfter
	return p
}

// newForwardTransport is the transport to the other nodes: a dead node
// is found out within a few seconds, a device command may take long.
func newForwardTransport() http.RoundTripper {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.DialContext = (&net.Dialer{Timeout: 3 * time.Second, KeepAlive: 30 * time.Second}).DialContext
	t.ResponseHeaderTimeout = roomForwardTimeout
	return t
}
