package web

import (
	"context"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// The client's address, by which logins and pairings are rate-limited:
// the peer's, or the one a trusted reverse proxy reports.

// TrustedProxies makes the client address (for login rate limits and
// security logs) the one a trusted reverse proxy reports. X-Forwarded-For
// from anyone else is ignored: it is trivially forged.
func TrustedProxies(next http.Handler, cidrs []netip.Prefix) http.Handler {
	if len(cidrs) == 0 {
		return next
	}
	trusted := inPrefixes(cidrs)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host, _, err := net.SplitHostPort(r.RemoteAddr)
		peer, perr := netip.ParseAddr(host)
		if err != nil || perr != nil || !trusted(peer) {
			next.ServeHTTP(w, r)
			return
		}
		// Walk X-Forwarded-For from the right: the first address not
		// belonging to a trusted proxy is the client.
		client := peer
		hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
		for i := len(hops) - 1; i >= 0; i-- {
			a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
			if err != nil {
				break
			}
			client = a
			if !trusted(a) {
				break
			}
		}
		ctx := context.WithValue(r.Context(), clientAddrKey{}, client.String())
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// clientAddr is the address logins are rate-limited by. Behind a trusted
// proxy the proxy's address would be every client's; see trustedProxies.
func clientAddr(r *http.Request) string {
	if a, ok := r.Context().Value(clientAddrKey{}).(string); ok {
		return a
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

type clientAddrKey struct{}

// inPrefixes says whether an address lies in one of the prefixes (an
// IPv4-mapped IPv6 address as its IPv4 one): trusted proxies here, the
// listener's exempt addresses in connlimit.go.
func inPrefixes(ps []netip.Prefix) func(netip.Addr) bool {
	return func(a netip.Addr) bool {
		a = a.Unmap()
		for _, p := range ps {
			if p.Contains(a) {
				return true
			}
		}
		return false
	}
}
