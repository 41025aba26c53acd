// Package relaysig signs the client's address on a request one Kogge node
// passes to another (a relayed meeting WebSocket, signaling/relay.go; a
// room's device request sent to the node that drives the room,
// daemon/web/room_routing.go), so that the receiving node's rate limits and
// security log see the person and not the passing node.
//
// The key is the cluster's relay key, kept in etcd (daemon/cluster,
// RelayKey) and so known only to the nodes. The signature is
// HMAC-SHA256 over a fixed label, the purpose (a meeting's WebSocket, a
// forwarded HTTP request), the address and the time in Unix seconds, so a
// signature taken off one kind of request does not serve the other; it
// holds for Skew either way (the nodes' clocks agree through NTP far
// better) and is compared in constant time. Between nodes on plain
// http:// a signature can be read on the wire and replayed within Skew to
// claim that address: give the nodes https advertise URLs
// (docs/cluster.md). A request without a
// valid signature is taken as coming from its peer address, as any other.
package relaysig

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// The headers that carry the address and its signature.
const (
	ForHeader = "Kogge-Relay-For"
	SigHeader = "Kogge-Relay-Sig"
)

// Skew is how old, or how far ahead, a signature may be.
const Skew = 30 * time.Second

// The purposes a signature is made for.
const (
	ForWebSocket = "ws"
	ForHTTP      = "http"
)

// MAC is the signature of addr for purpose at ts (Unix seconds, decimal).
func MAC(key []byte, purpose, addr, ts string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("kogge relay v2\n" + purpose + "\n" + addr + "\n" + ts))
	return m.Sum(nil)
}

// Sign puts the client's address and its signature for purpose at now
// into h.
func Sign(h http.Header, key []byte, purpose, client string, now time.Time) {
	ts := strconv.FormatInt(now.Unix(), 10)
	h.Set(ForHeader, client)
	h.Set(SigHeader, ts+"."+hex.EncodeToString(MAC(key, purpose, client, ts)))
}

// Result is what Verify found.
type Result int

const (
	// Absent: the request carries no relayed address (or there is no key).
	Absent Result = iota
	// Valid: the address is signed with the key, recently.
	Valid
	// Invalid: an address is there, but its signature does not hold.
	Invalid
)

// Verify returns the relayed client address in h if its signature for
// purpose holds at now.
func Verify(h http.Header, key []byte, purpose string, now time.Time) (client string, res Result) {
	fwd, sig := h.Get(ForHeader), h.Get(SigHeader)
	if fwd == "" || sig == "" || len(key) == 0 {
		return "", Absent
	}
	ts, mac, ok := strings.Cut(sig, ".")
	unix, err := strconv.ParseInt(ts, 10, 64)
	got, herr := hex.DecodeString(mac)
	if !ok || err != nil || herr != nil {
		return "", Invalid
	}
	if age := now.Sub(time.Unix(unix, 0)); age > Skew || age < -Skew || !hmac.Equal(got, MAC(key, purpose, fwd, ts)) {
		return "", Invalid
	}
	return fwd, Valid
}
