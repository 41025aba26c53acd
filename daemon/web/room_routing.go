package web

import (
	"context"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
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

// atOwner runs h on the node that drives the devices of the room named
// by the path value param: here, or by forwarding the request there.
// It runs after the caller was authenticated and authorised here, before
// h reads the body (the forwarded request carries it unread).
func (s *server) atOwner(param string, h handlerFunc) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, c *caller) error {
		room := r.PathValue(param)
		if s.roomRouter == nil || r.Header.Get(forwardedHeader) != "" || len(s.av.Statuses(room)) == 0 {
			return h(w, r, c) // one machine, forwarded once already, or no devices: h answers
		}
		base, local := s.roomRouter.Owner(room)
		if local {
			return h(w, r, c)
		}
		if base == "" {
			return roomUnreachable()
		}
		target, err := url.Parse(base)
		if err != nil || target.Host == "" {
			s.log.Error("room owner's URL is not usable", "room", room, "url", base, "err", err)
			return roomUnreachable()
		}
		s.forwarder(target).ServeHTTP(w, r)
		return nil
	}
}

// forwarder sends requests to the node at target as they came: same
// method, path, body, cookie or token, and Host (the owner checks the
// origin of a cookie's write against it as this node did).
func (s *server) forwarder(target *url.URL) *httputil.ReverseProxy {
	return &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(target)
			pr.Out.Host = pr.In.Host
			pr.Out.Header.Set(forwardedHeader, "1")
			if s.clientRelay != nil {
				s.clientRelay.Sign(pr.Out.Header, clientAddr(pr.In))
			}
		},
		Transport: s.forwardTransport,
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			s.log.Warn("room's owner not reachable", "url", target.String(), "path", r.URL.Path, "err", err)
			writeProblem(w, r, roomUnreachable())
		},
	}
}

// newForwardTransport is the transport to the other nodes: a dead node
// is found out within a few seconds, a device command may take long.
func newForwardTransport() http.RoundTripper {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.DialContext = (&net.Dialer{Timeout: 3 * time.Second, KeepAlive: 30 * time.Second}).DialContext
	t.ResponseHeaderTimeout = roomForwardTimeout
	return t
}

// relayedClient puts the client address a forwarded request carries in
// its context, if the relay vouches for it.
func (s *server) relayedClient(r *http.Request) *http.Request {
	if s.clientRelay == nil || r.Header.Get(forwardedHeader) == "" {
		return r
	}
	client, ok := s.clientRelay.Verify(r)
	if !ok {
		return r
	}
	return r.WithContext(context.WithValue(r.Context(), clientAddrKey{}, client))
}
