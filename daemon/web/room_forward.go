package web

import (
	"context"
	"net/http"
	"net/http/httputil"
	"net/url"
)

// atOwner runs h on the node that drives the devices of the room named
// by the path value param: here, or by forwarding the request there.
// It runs after the caller was authenticated and authorised here, before
// h reads the body (the forwarded request carries it unread).
func (s *server) atOwner(param string, h handlerFunc) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, c *caller) error {
		room := r.PathValue(param)
		if s.roomRouter == nil || len(s.av.Statuses(room)) == 0 {
			return h(w, r, c) // one machine, or no devices: h answers
		}
		base, local := s.roomRouter.Owner(room)
		if local {
			return h(w, r, c)
		}
		if s.forwarded(r) {
			return roomUnreachable() // one hop only: the room moved on meanwhile
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
	ctx := context.WithValue(r.Context(), clientAddrKey{}, client)
	return r.WithContext(context.WithValue(ctx, forwardedKey{}, true))
}

// forwardedKey marks a request another node forwarded, as its signature
// proves (relayedClient).
type forwardedKey struct{}

// forwarded says whether another node forwarded r. The header alone is
// believed only where no relay signs (tests of a single node): anyone can
// send it.
func (s *server) forwarded(r *http.Request) bool {
	if r.Header.Get(forwardedHeader) == "" {
		return false
	}
	if s.clientRelay == nil {
		return true
	}
	return r.Context().Value(forwardedKey{}) != nil
}
