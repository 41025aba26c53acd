package signaling

import (
	"time"

	"github.com/gorilla/websocket"
	"golang.org/x/time/rate"

	"github.com/kogge-project/kogge/rooms"
	"github.com/kogge-project/kogge/rooms/accounts"
)

// Bounds and timings of a connection. Every input from a client is bounded
// by one of these.
const (
	// maxMessageSize is the WebSocket read limit; a larger message closes
	// the connection with 1009 (gorilla sends the close frame itself). It
	// also bounds an SDP (sfu.MaxSDPSize is the same size).
	maxMessageSize = 64 << 10
	// handshakeTimeout bounds the HTTP upgrade.
	handshakeTimeout = 10 * time.Second
	// helloWait is how long a new connection has to send hello.
	helloWait = 10 * time.Second
	// authTimeout bounds the Authorizer.
	authTimeout = 10 * time.Second
	// pingPeriod is how often the server pings.
	pingPeriod = 20 * time.Second
	// pongSlack is the allowance for a pong in flight.
	pongSlack = 5 * time.Second
	// pongWait is the read deadline, renewed by every pong or message:
	// two missed pongs close the connection.
	pongWait = 2*pingPeriod + pongSlack
	// writeWait is the write deadline of each message (and of the whole
	// goodbye: queued messages, closed, close frame).
	writeWait = 10 * time.Second
	// closeWait is how long the server waits for the client's close frame
	// after sending its own before it drops the TCP connection.
	closeWait = 2 * time.Second
	// shutdownWriteWait bounds the goodbye (closed{shutdown} and the close
	// frame) when the hub shuts down; the server does not wait for the
	// client's close frame then.
	shutdownWriteWait = 1 * time.Second
	// hubCloseWait bounds Hub.Close.
	hubCloseWait = 3 * time.Second
	// sendQueueLen bounds a connection's outbound queue; a client that
	// lets it fill is dropped (ReasonSlow). State snapshots do not queue:
	// each connection holds only the latest unsent one.
	sendQueueLen = 64
	// inboundRate (messages per second) and inboundBurst are the token
	// bucket every connection's messages pass through; a message over it
	// is answered with error{rate_limited} (a protocol error) and ignored.
	inboundRate  = 20
	inboundBurst = 40
	// maxProtocolErrors non-fatal protocol errors are tolerated; one more
	// closes the connection (ReasonProtocol).
	maxProtocolErrors = 20

	// postTimeout bounds how long Hub.Update, End, Revoke and Meetings
	// wait for a meeting to take a request (a stuck meeting is logged and
	// skipped).
	postTimeout = 2 * time.Second
	// mediaCloseWait bounds how long a closing meeting waits for its
	// MediaPeer and MediaRoom Close calls (which run off the meeting
	// goroutine).
	mediaCloseWait = 5 * time.Second

	// maxEndedMarkers bounds the ended meetings the hub remembers (until
	// their closing time, or endedMarkerTTL for a meeting without one).
	maxEndedMarkers = 10000
	endedMarkerTTL  = 12 * time.Hour

	// maxNameLen bounds a display name (characters, after trimming).
	maxNameLen = 64
	// maxReasonLen bounds the text a host gives with deny or remove.
	maxReasonLen = 200
	// maxIDLen bounds ids and other short strings in client messages.
	maxIDLen = 64
	// maxParticipants applies when a spec has no Limit, and caps one that
	// has (the configuration accepts no more either).
	maxParticipants = rooms.MaxMeetingParticipants
	// Lobby waiters have limits of their own and never count against the
	// participant limit (docs/security.md, Limits): at most
	// maxLobbyPerAddress from one client address (a /64 for IPv6) — one
	// link holder cannot fill the lobby, while a few colleagues behind one
	// office NAT can still wait together; at most maxLobbyPerLink with one
	// link (a candidate's link: maxLobbyPerCandidate), so the shared guest
	// link can never crowd out candidates; maxLobby in all, which bounds
	// the memory a meeting's lobby takes.
	maxLobbyPerAddress   = 5
	maxLobbyPerLink      = 150
	maxLobbyPerCandidate = 3
	maxLobby             = 200

	// Hellos from one client address (addrKey) are taken helloBurst at
	// once, then one every helloEvery; a hello past that is refused
	// (closed{rate_limited}) before anything is looked up for it. Each
	// hello costs a lookup of its link and, on a cluster, an etcd read to
	// find its meeting's node (placing the meeting if nobody has opened
	// it), whatever PIN it brings: the PIN limits count only guesses, so
	// without this one address could make every node read etcd as fast
	// as it can send hellos. 120 at once is a whole council with its
	// staff joining through the town hall's one NAT address, or
	// reconnecting together after the building's network dropped; after
	// that, two a second. helloMaxTrack bounds the addresses tracked.
	helloBurst    = 120
	helloEvery    = 500 * time.Millisecond
	helloMaxTrack = 10000
)

// timing holds the durations above; tests shorten some of them.
type timing struct {
	hello, ping, pong, write, close time.Duration
	shutdown                        time.Duration // shutdownWriteWait
	rate                            rate.Limit    // inbound messages per second
	burst                           int
}

var defaultTiming = timing{
	hello:    helloWait,
	ping:     pingPeriod,
	pong:     pongWait,
	write:    writeWait,
	close:    closeWait,
	shutdown: shutdownWriteWait,
	rate:     inboundRate,
	burst:    inboundBurst,
}

// closeCode maps a closed reason to the WebSocket close code sent after the
// closed message. 1009 (message too big) is sent by gorilla itself when a
// message exceeds maxMessageSize.
//
//	1000 normal:        ended, removed, denied, left
//	1001 going away:    shutdown
//	1013 try again:     full, locked, rate_limited, slow, moving
//	1011 internal:      error
//	1008 policy:        everything else (invalid_token, not_open, pin_*,
//	                    external, version, protocol)
func closeCode(reason string) int {
	switch reason {
	case ReasonEnded, ReasonRemoved, ReasonDenied, ReasonLeft:
		return websocket.CloseNormalClosure
	case ReasonShutdown:
		return websocket.CloseGoingAway
	case ReasonFull, ReasonLocked, ReasonRateLimited, ReasonSlow, ReasonMoving:
		return websocket.CloseTryAgainLater
	case ReasonError:
		return websocket.CloseInternalServerErr
	default:
		return websocket.ClosePolicyViolation
	}
}

// defaultMessages explain a reason when the refusal brings no message.
var defaultMessages = map[string]string{
	ReasonInvalidToken: "The join link is not valid.",
	ReasonNotOpen:      "The meeting is not open yet.",
	ReasonEnded:        "The meeting has ended.",
	ReasonPINRequired:  "This meeting needs a PIN.",
	ReasonPINWrong:     "The PIN is wrong.",
	ReasonRateLimited:  "Too many attempts; please wait a moment.",
	ReasonExternal:     "This meeting takes place elsewhere.",
	ReasonFull:         "The meeting is full.",
	ReasonLocked:       "The meeting is locked.",
	ReasonDenied:       "A host did not let you in.",
	ReasonRemoved:      "A host removed you from the meeting.",
	ReasonSlow:         "The connection was too slow.",
	ReasonVersion:      "Please reload the page: the client is out of date.",
	ReasonProtocol:     "The client sent messages the server does not understand.",
	ReasonShutdown:     "The server is restarting.",
	ReasonMoving:       "The meeting's server cannot be reached right now; reconnecting.",
	ReasonLeft:         "You left the meeting.",
	ReasonError:        "The server could not continue.",
}

// refusal builds a Refusal with the default message.
func refusal(reason string) *Refusal {
	return &Refusal{Reason: reason, Message: defaultMessages[reason]}
}

// addrKey is the client address the join and lobby limits count by
// (accounts.AddressKey: the IP for IPv4, the /64 for IPv6).
func addrKey(remote string) string { return accounts.AddressKey(remote) }
