package signaling

// The client's heartbeat (PROTOCOL.md, "Connection"): a browser cannot
// see WebSocket ping frames, so the server's pings protect only the
// server. A page whose network path dies silently (Wi-Fi gone without a
// reset, a NAT that forgets the flow) would sit in a frozen meeting until
// TCP gives up, minutes later. So the page sends ping every few seconds
// and expects some message soon after; pong is that message when nothing
// else comes. The reader answers it at once, without the meeting's
// goroutine: it costs one queued write. Like every message it passes the
// connection's rate limit first (conn.handle), which the page's rate of
// one every 10 s never comes near. A relaying node (relay.go) passes
// ping and pong on unchanged, so the pong also says the owner is there.

// pingMsg is the client's heartbeat; it has no fields.
type pingMsg struct{}

func (m *pingMsg) validate() error { return nil }

// pongMessage answers every ping.
var pongMessage = []byte(`{"type":"pong"}`)

// pong answers a ping: after what is queued, so that the client hears
// the connection carry on in order.
func (c *conn) pong() { c.send(pongMessage) }
