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

// conn is one WebSocket connection. The reader runs in a goroutine of its
// own (Hub.run). A writer runs only while there is something to write
// (queued messages, a state snapshot, a ping the hub's ticker asked for,
// the goodbye): it is started by whoever gives it work and ends when
// there is none left, so a waiter idle in the lobby holds one goroutine,
// not two. At most one writer runs at a time, and only it writes data
// messages; gorilla allows WriteControl from anywhere.
type conn struct {
	ws      *websocket.Conn
	log     *slog.Logger
	timing  timing
	limiter *rate.Limiter // inbound messages

	mu sync.Mutex
	// queue is the outbound queue in order, at most sendQueueLen (nil
	// when empty: an idle connection holds no array for it).
	queue [][]byte
	// state is the latest state snapshot not yet written (nil: none);
	// it goes after what is queued.
	state   []byte
	pingDue bool // the hub's ticker asked for a ping
	writing bool // a writer goroutine runs (it clears this as it ends)
	// closed is set by the first close: the writer says goodbye next and
	// nothing more is queued.
	closed bool
	// final is the goodbye, set with closed; nil drops the connection
	// without one (it is dead, or gorilla already said 1009).
	final *Refusal
	// kill drops the socket when a shutdown goodbye overruns.
	kill *time.Timer

	// hub, meeting and id: where the reader is (set before it starts).
	hub     *Hub
	meeting *meeting
	id      string
	// kept: the client's first ping came, so it has its welcome and the
	// secret in it (resume.go); the reader's alone.
	kept bool
	// relayed: another node of the cluster relays this client
	// (relay.go); it signed the client's address.
	relayed bool

	readerDone chan struct{} // closed when the reader stops reading
	done       chan struct{} // closed when the goodbye is over, the socket closed

	peer   atomic.Pointer[MediaPeer]
	errors atomic.Int32
}

func newConn(ws *websocket.Conn, t timing, log *slog.Logger) *conn {
	return &conn{
		ws:         ws,
		log:        log,
		timing:     t,
		limiter:    rate.NewLimiter(t.rate, t.burst),
		readerDone: make(chan struct{}),
		done:       make(chan struct{}),
	}
}

// wake starts the writer unless one runs. c.mu held.
func (c *conn) wake() {
	if !c.writing {
		c.writing = true
		go c.writeLoop()
	}
}

func (c *conn) send(msg []byte) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	if len(c.queue) >= sendQueueLen {
		c.mu.Unlock()
		c.close(refusal(ReasonSlow))
		return
	}
	c.queue = append(c.queue, msg)
	c.wake()
	c.mu.Unlock()
}

func (c *conn) sendState(msg []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return
	}
	c.state = msg
	c.wake()
}

// ping asks the writer for a ping (the hub's ticker calls it).
func (c *conn) ping() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return
	}
	c.pingDue = true
	c.wake()
}

func (c *conn) sendError(code, message, refType string) {
	c.send(errorMessage(code, message, refType))
	if countsAsProtocolError(code) && c.errors.Add(1) > maxProtocolErrors {
		c.close(&Refusal{Reason: ReasonProtocol, Message: "Too many protocol errors."})
	}
}

func (c *conn) close(r *Refusal) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return
	}
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
		// closed is set, so the writer cannot slip a goodbye in between.
		_ = c.ws.NetConn().Close()
	}
	c.closed = true
	c.wake() // the writer under way, or a new one, says goodbye
}

// drop ends the connection without a goodbye.
func (c *conn) drop() { c.close(nil) }

func (c *conn) closing() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closed
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

// writeLoop is the writer: a ping if one is due, then the queued
// messages in order, each with its write deadline, then the latest
// snapshot (what was queued before it, welcome or admitted, goes first).
// It ends when nothing is left, or says goodbye once the connection is
// closed. Deciding to end and clearing writing happen under c.mu, so
// whatever is queued afterwards starts a new writer.
func (c *conn) writeLoop() {
	for {
		c.mu.Lock()
		if c.closed {
			c.mu.Unlock()
			c.goodbye()
			return
		}
		ping := c.pingDue
		c.pingDue = false
		var msg []byte
		if !ping {
			msg = c.next()
			if msg == nil {
				c.writing = false
				c.mu.Unlock()
				return
			}
		}
		c.mu.Unlock()
		if ping {
			err := c.ws.WriteControl(websocket.PingMessage, nil, time.Now().Add(c.timing.write))
			if err != nil {
				c.log.Debug("ping failed", "err", err)
				c.drop()
			}
			continue
		}
		c.write(msg)
	}
}

// next takes the next message to write: the queue's first, else the
// snapshot; nil if there is none. c.mu held.
func (c *conn) next() []byte {
	if len(c.queue) > 0 {
		msg := c.queue[0]
		c.queue[0] = nil
		c.queue = c.queue[1:]
		if len(c.queue) == 0 {
			c.queue = nil
		}
		return msg
	}
	msg := c.state
	c.state = nil
	return msg
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

// goodbye writes what is queued and the snapshot, closed and the close
// frame within one write deadline, waits a moment for the client's close
// frame and closes the socket; then done is closed. A dropped connection
// (final nil) and a slow client get no goodbye: the slow one's socket is
// closed already (PROTOCOL.md), and waiting for its close frame would
// only hold the writer.
func (c *conn) goodbye() {
	defer close(c.done)
	defer c.ws.Close()
	c.mu.Lock()
	r, kill := c.final, c.kill
	queue, state := c.queue, c.state
	c.queue, c.state = nil, nil
	c.mu.Unlock()
	if kill != nil {
		defer kill.Stop()
	}
	if r == nil || r.Reason == ReasonSlow {
		return
	}
	deadline := time.Now().Add(c.timing.write)
	if r.Reason == ReasonShutdown {
		deadline = time.Now().Add(c.timing.shutdown)
	}
	_ = c.ws.SetWriteDeadline(deadline)
	if state != nil {
		queue = append(queue, state)
	}
	for _, msg := range append(queue, closedMessage(r)) {
		if c.ws.WriteMessage(websocket.TextMessage, msg) != nil {
			return
		}
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
