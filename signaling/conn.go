package signaling

import (
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
	"golang.org/x/time/rate"
)

// endpoint is a participant's connection as the meeting sees it. Every
// method returns at once: the meeting goroutine never waits for a client.
type endpoint interface {
	// send queues one message; a full queue drops the client (ReasonSlow).
	send(msg []byte)
	// sendState replaces the pending state snapshot: a connection holds
	// at most one unsent state, so snapshots never fill its queue.
	sendState(msg []byte)
	// sendError sends an error message and counts protocol errors.
	sendError(code, message, refType string)
	// close sends closed{r} after what is queued, then the close frame.
	// Only the first close counts.
	close(r *Refusal)
	// setPeer hands the connection the participant's media once joined
	// (nil when it leaves); offer, answer, candidate and keyframe go
	// straight to it from the reader.
	setPeer(p MediaPeer)
}

// conn is one WebSocket connection: the reader runs in the HTTP handler's
// goroutine (Hub.serve), the writer in its own. Only the writer writes
// data messages; gorilla allows WriteControl from anywhere.
type conn struct {
	ws     *websocket.Conn
	log    *slog.Logger
	timing timing

	out chan []byte // bounded outbound queue
	// state is the latest state snapshot not yet written (nil: none);
	// stateReady tells the writer there is one.
	stateMu    sync.Mutex
	state      []byte
	stateReady chan struct{}
	limiter    *rate.Limiter // inbound messages
	quit       chan struct{} // closed by the first close
	once       sync.Once
	// final is the goodbye, set once before quit is closed; nil drops the
	// connection without one (it is dead, or gorilla already said 1009).
	final *Refusal
	// kill drops the socket when a shutdown goodbye overruns.
	kill *time.Timer

	readerDone chan struct{} // closed when the reader stops reading
	writerDone chan struct{}

	peer   atomic.Pointer[MediaPeer]
	errors atomic.Int32
}

func newConn(ws *websocket.Conn, t timing, log *slog.Logger) *conn {
	return &conn{
		ws:         ws,
		log:        log,
		timing:     t,
		out:        make(chan []byte, sendQueueLen),
		stateReady: make(chan struct{}, 1),
		limiter:    rate.NewLimiter(t.rate, t.burst),
		quit:       make(chan struct{}),
		readerDone: make(chan struct{}),
		writerDone: make(chan struct{}),
	}
}

func (c *conn) send(msg []byte) {
	select {
	case <-c.quit:
		return
	default:
	}
	select {
	case c.out <- msg:
	default:
		c.close(refusal(ReasonSlow))
	}
}

func (c *conn) sendState(msg []byte) {
	if c.closing() {
		return
	}
	c.stateMu.Lock()
	c.state = msg
	c.stateMu.Unlock()
	select {
	case c.stateReady <- struct{}{}:
	default: // the writer has not taken the last signal yet
	}
}

// takeState returns the pending snapshot (nil if none) and clears it.
func (c *conn) takeState() []byte {
	c.stateMu.Lock()
	defer c.stateMu.Unlock()
	msg := c.state
	c.state = nil
	return msg
}

func (c *conn) sendError(code, message, refType string) {
	c.send(errorMessage(code, message, refType))
	if countsAsProtocolError(code) && c.errors.Add(1) > maxProtocolErrors {
		c.close(&Refusal{Reason: ReasonProtocol, Message: "Too many protocol errors."})
	}
}

func (c *conn) close(r *Refusal) {
	c.once.Do(func() {
		c.final = r
		if r != nil && r.Reason == ReasonShutdown {
			// However slow the client, the socket goes after the short
			// shutdown goodbye (a write under way included).
			c.kill = time.AfterFunc(c.timing.shutdown, func() { _ = c.ws.NetConn().Close() })
		}
		if r != nil && r.Reason == ReasonSlow {
			// Drop the slow client now: close the socket, which aborts a
			// write blocked on its full buffer (a write deadline would
			// not do: gorilla sets its own before every frame). Before
			// quit, so the writer cannot slip a goodbye in between.
			_ = c.ws.NetConn().Close()
		}
		close(c.quit)
	})
}

// drop ends the connection without a goodbye.
func (c *conn) drop() { c.close(nil) }

func (c *conn) closing() bool {
	select {
	case <-c.quit:
		return true
	default:
		return false
	}
}

func (c *conn) setPeer(p MediaPeer) {
	if p == nil {
		c.peer.Store(nil)
		return
	}
	c.peer.Store(&p)
}

func (c *conn) mediaPeer() MediaPeer {
	if p := c.peer.Load(); p != nil {
		return *p
	}
	return nil
}

// writeLoop is the one writer: queued messages with a deadline each, a
// ping every timing.ping, and the goodbye when closed.
func (c *conn) writeLoop() {
	defer close(c.writerDone)
	ping := time.NewTicker(c.timing.ping)
	defer ping.Stop()
	for {
		select {
		case msg := <-c.out:
			c.write(msg)
		case <-c.stateReady:
			// What was queued before the snapshot goes first (welcome,
			// admitted), then the latest snapshot.
			c.flushQueue()
			if msg := c.takeState(); msg != nil {
				c.write(msg)
			}
		case <-ping.C:
			err := c.ws.WriteControl(websocket.PingMessage, nil, time.Now().Add(c.timing.write))
			if err != nil {
				c.log.Debug("ping failed", "err", err)
				c.drop()
			}
		case <-c.quit:
			c.goodbye()
			return
		}
	}
}

// write writes one data message within timing.write; a failure drops the
// connection.
func (c *conn) write(msg []byte) {
	_ = c.ws.SetWriteDeadline(time.Now().Add(c.timing.write))
	if err := c.ws.WriteMessage(websocket.TextMessage, msg); err != nil {
		c.log.Debug("write failed", "err", err)
		c.drop()
	}
}

// flushQueue writes what is queued now.
func (c *conn) flushQueue() {
	for {
		select {
		case msg := <-c.out:
			c.write(msg)
		default:
			return
		}
	}
}

// goodbye flushes the queue, sends closed and the close frame within one
// write deadline, waits a moment for the client's close frame and closes
// the socket. A dropped connection (final nil) and a slow client get no
// goodbye: the slow one's socket is closed already (PROTOCOL.md), and
// waiting for its close frame would only hold the writer.
func (c *conn) goodbye() {
	defer c.ws.Close()
	if c.kill != nil {
		defer c.kill.Stop()
	}
	r := c.final
	if r == nil || r.Reason == ReasonSlow {
		return
	}
	deadline := time.Now().Add(c.timing.write)
	if r.Reason == ReasonShutdown {
		deadline = time.Now().Add(c.timing.shutdown)
	}
	_ = c.ws.SetWriteDeadline(deadline)
flush:
	for {
		select {
		case msg := <-c.out:
			if c.ws.WriteMessage(websocket.TextMessage, msg) != nil {
				return
			}
		default:
			break flush
		}
	}
	if msg := c.takeState(); msg != nil {
		if c.ws.WriteMessage(websocket.TextMessage, msg) != nil {
			return
		}
	}
	if c.ws.WriteMessage(websocket.TextMessage, closedMessage(r)) != nil {
		return
	}
	frame := websocket.FormatCloseMessage(closeCode(r.Reason), r.Reason)
	if c.ws.WriteControl(websocket.CloseMessage, frame, deadline) != nil {
		return
	}
	if r.Reason == ReasonShutdown {
		return // no waiting for the client's close frame
	}
	t := time.NewTimer(c.timing.close)
	defer t.Stop()
	select {
	case <-c.readerDone:
	case <-t.C:
	}
}
