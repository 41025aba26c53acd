package web

import (
	"encoding/json"
	"fmt"
	"net"
	"strconv"
	"sync"
	"time"
)

// The event streams share one subscription to every source (timeline,
// devices, scenes, speaker queues, council sessions, booking changes):
// one goroutine encodes each event once and queues the bytes on every
// stream that wants them, and one ticker sends all their keep-alives.
// A stream at rest holds its connection, a short queue and (on HTTP/1.1,
// api_events.go) one goroutine that notices the client leave: no
// subscriptions, timers or buffered writers of its own. Issue 20 asked
// for ≤ 8 KiB per idle stream (bench/httpload measures it).

// Server-Sent Events: the panels' and tests' live view of the timeline.
const (
	// sseKeepAlive sends a comment line this often, so proxies keep the
	// stream open and a dead client is noticed at the next write.
	sseKeepAlive = 25 * time.Second
	// sseBuffer is each stream's queue; a client that falls this far
	// behind loses events (the timeline never waits for it).
	sseBuffer = 64
	// sseWriteTimeout bounds one write: a client that stops reading is
	// dropped instead of pinning its handler.
	sseWriteTimeout = 10 * time.Second
)

// sseHub is the server's set of open streams. The zero value is ready.
type sseHub struct {
	mu      sync.Mutex
	running bool
	streams map[*sseStream]struct{}
}

// sseStream is one open stream: a room ("" = all) and what is queued for
// its client.
type sseStream struct {
	room string
	// conn is the hijacked HTTP/1.1 connection, written in chunks by a
	// goroutine that runs only while something is queued; nil when the
	// handler's goroutine writes (HTTP/2), woken through wake.
	conn net.Conn
	wake chan struct{}
	// wmu keeps a chunk and the end of the body from interleaving.
	wmu sync.Mutex

	mu      sync.Mutex
	queue   [][]byte
	writing bool
	ended   bool
	opened  bool          // the hijacked connection's response head is out
	done    chan struct{} // closed by end
}

// push queues one encoded event. A client that has sseBuffer events
// waiting loses this one (the stream carries whole states: the next
// event repairs it); nobody ever waits for a client.
func (st *sseStream) push(frame []byte) {
	st.mu.Lock()
	if st.ended || len(st.queue) >= sseBuffer {
		st.mu.Unlock()
		return
	}
	st.queue = append(st.queue, frame)
	start := st.conn != nil && !st.writing
	st.writing = st.writing || start
	st.mu.Unlock()
	switch {
	case start:
		go st.flush()
	case st.conn == nil:
		select {
		case st.wake <- struct{}{}:
		default: // the handler has not taken the last wake-up yet
		}
	}
}

// take empties the queue.
func (st *sseStream) take() [][]byte {
	st.mu.Lock()
	defer st.mu.Unlock()
	q := st.queue
	st.queue = nil
	return q
}

// flush writes the hijacked connection's queue as HTTP/1.1 chunks until
// it is empty, then its goroutine ends.
func (st *sseStream) flush() {
	for {
		st.mu.Lock()
		q := st.queue
		st.queue = nil
		if len(q) == 0 || st.ended {
			st.writing = false
			st.mu.Unlock()
			return
		}
		st.mu.Unlock()
		st.wmu.Lock()
		_ = st.conn.SetWriteDeadline(time.Now().Add(sseWriteTimeout))
		_, err := st.conn.Write(chunk(q))
		st.wmu.Unlock()
		if err != nil {
			st.end()
		}
	}
}

// chunk is frames as one chunk of a chunked HTTP/1.1 body.
func chunk(frames [][]byte) []byte {
	n := 0
	for _, f := range frames {
		n += len(f)
	}
	b := make([]byte, 0, n+12)
	b = strconv.AppendInt(b, int64(n), 16)
	b = append(b, "\r\n"...)
	for _, f := range frames {
		b = append(b, f...)
	}
	return append(b, "\r\n"...)
}

// end stops the stream: the client is gone, a write failed, the panel was
// revoked or the daemon shuts down. Closing the connection ends its
// reader, which cleans up.
func (st *sseStream) end() {
	st.mu.Lock()
	if st.ended {
		st.mu.Unlock()
		return
	}
	st.ended = true
	st.queue = nil
	close(st.done)
	conn, opened := st.conn, st.opened
	st.mu.Unlock()
	if conn != nil { // outside the lock: the fan-out must not wait for it
		finish(conn, &st.wmu, opened)
	}
}

// finishTimeout bounds writing the end of a stream's body.
const finishTimeout = time.Second

// lastChunk ends a chunked HTTP/1.1 body.
var lastChunk = []byte("0\r\n\r\n")

// finish ends a hijacked stream's body properly before closing the
// connection, so that a client (or a proxy) sees the response complete
// rather than cut off (a shutdown, a revoked panel).
func finish(conn net.Conn, wmu *sync.Mutex, opened bool) {
	wmu.Lock()
	defer wmu.Unlock()
	if opened { // a body to end: the head went out
		_ = conn.SetWriteDeadline(time.Now().Add(finishTimeout))
		_, _ = conn.Write(lastChunk)
	}
	_ = conn.Close()
}

// publish queues frame on every stream of room (and the all-rooms ones);
// room "" reaches every stream.
func (h *sseHub) publish(room string, frame []byte) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for st := range h.streams {
		if room == "" || st.room == "" || st.room == room {
			st.push(frame)
		}
	}
}

// publishJSON encodes the event once for every stream of room. An
// event without a room goes to the all-rooms streams only.
func (h *sseHub) publishJSON(room, name string, v any) {
	frame, err := jsonEvent(name, v)
	if err != nil {
		return
	}
	if room == "" {
		h.mu.Lock()
		defer h.mu.Unlock()
		for st := range h.streams {
			if st.room == "" {
				st.push(frame)
			}
		}
		return
	}
	h.publish(room, frame)
}

// endAll ends every open stream and stops the fan-out (restart: the next
// stream starts it again).
func (h *sseHub) endAll(restart bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for st := range h.streams {
		st.end()
		delete(h.streams, st)
	}
	h.running = !restart
}

func jsonEvent(name string, v any) ([]byte, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return fmt.Appendf(nil, "event: %s\ndata: %s\n\n", name, data), nil
}
