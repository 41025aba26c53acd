package config

// Caps on connections and event streams ([server]). The numbers and their
// reasons are in docs/security.md ("Limits"); systemd/kogge.service's
// LimitNOFILE is twice DefaultMaxConnections, so that connections alone can
// never use up the file descriptors the store, the SFU and the outgoing
// connections (mail, providers, devices) need.
const (
	// DefaultMaxConnections: open connections of the public listener in
	// all; past it new ones get 503.
	DefaultMaxConnections = 8192
	// DefaultMaxConnectionsPerAddress: open connections from one client
	// address; past it new ones get 429. A browser opens at most six per
	// server over HTTP/1.1 plus a WebSocket, so 256 is some 35 browsers
	// behind one NAT address.
	DefaultMaxConnectionsPerAddress = 256
	// DefaultMaxEventStreamsPerLogin: open event streams of one login
	// (a session, an API token's user, a panel); each open page holds
	// one, and ten tabs are plenty.
	DefaultMaxEventStreamsPerLogin = 10

	maxMaxConnections          = 1 << 20
	maxMaxEventStreamsPerLogin = 1000
)
