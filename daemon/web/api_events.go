package web

import (
	"bytes"
	"net"
	"net/http"
	"time"
)

// events answers GET /events?room=: the timeline's events as they happen,
// device and speaker-queue changes, a council session's remote speaker,
// scene results, "booking" events when a
// booking is made or changed, and council sessions' state, for one room or
// (without room) all. Booking events carry ids, times and status, never
// titles; council events carry what the room's door may show (a closed
// item only by its number, no options or results of its votes); so every
// staff member may watch every room.
func (s *server) events(w http.ResponseWriter, r *http.Request, c *caller) error {
	room := r.URL.Query().Get("room")
	if room != "" {
		if _, ok := s.catalog.Get(room); !ok {
			return newProblem(http.StatusNotFound, "unknown-room", "unknown-room", "room", room)
		}
	}
	return s.stream(w, r, c, room, "")
}

// stream writes the events of room ("" = all) to caller c until the
// client goes, the daemon shuts down or the panel (panel != "") is
// revoked. The staff events route and the panel's share it; each login
// may hold only so many streams at once (stream_caps.go). The events come
// from the server's one fan-out (sse_fanout.go).
//
// On HTTP/1.1 the handler takes the connection over from net/http and
// returns: the stream then holds no goroutine of net/http's, no request
// buffers and no background reader, only a goroutine of its own that
// notices the client leave. HTTP/2 cannot hand a stream over; there the
// handler's goroutine writes until the stream ends.
func (s *server) stream(w http.ResponseWriter, r *http.Request, c *caller, room, panel string) error {
	if s.subscribe == nil {
		return newProblem(http.StatusServiceUnavailable, "not-ready", "not-ready.timeline")
	}
	release, err := s.streams.open(c)
	if err != nil {
		return err
	}
	cleanup := []func(){release}
	done := func() {
		for _, f := range cleanup {
			f()
		}
	}
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no") // nginx: do not buffer the stream
	st := &sseStream{room: room, done: make(chan struct{})}
	cleanup = append(cleanup, func() { s.removeStream(st) })
	if panel != "" {
		cleanup = append(cleanup, s.panels.watch(panel, st.end))
		if !s.accounts.PanelAlive(panel) {
			done()
			return errStalePanel // revoked between authentication and watch
		}
	}
	rc := http.NewResponseController(w)
	var conn net.Conn
	if r.ProtoMajor == 1 && r.ProtoMinor >= 1 && r.Method == http.MethodGet {
		head := sseHead(h)
		if conn, _, err = rc.Hijack(); err == nil {
			// The stream joins the fan-out before the client can see it
			// open, so nothing published after that is lost; what comes
			// meanwhile waits in its queue (writing is held) until the
			// head is out.
			st.mu.Lock()
			st.conn, st.writing = conn, true
			st.mu.Unlock()
			if !s.addStream(st) { // shutting down: a whole, empty answer
				_ = conn.SetDeadline(time.Now().Add(finishTimeout))
				_, _ = conn.Write(append(head, lastChunk...))
				conn.Close()
				done()
				return nil
			}
			// The server's read and write deadlines stay on a hijacked
			// connection: the stream keeps neither.
			st.wmu.Lock()
			_ = conn.SetDeadline(time.Now().Add(sseWriteTimeout))
			_, err = conn.Write(head)
			_ = conn.SetDeadline(time.Time{})
			st.wmu.Unlock()
			st.mu.Lock()
			st.opened = err == nil
			ended := st.ended // revoked or shut down meanwhile
			flush := !ended && err == nil && len(st.queue) > 0
			st.writing = flush
			st.mu.Unlock()
			if err != nil || ended {
				if err == nil {
					finish(conn, &st.wmu, true) // an empty, whole body
				} else {
					conn.Close()
				}
				st.end()
				done()
				return nil
			}
			if flush {
				go st.flush()
			}
			go func() {
				// The client sends nothing more: a read returns when it
				// goes (or when end closes the connection).
				buf := make([]byte, 16)
				for {
					if _, err := conn.Read(buf); err != nil {
						break
					}
				}
				st.end()
				done()
			}()
			return nil
		}
		conn = nil // not hijackable (a test's recorder): write through w
	}
	st.wake = make(chan struct{}, 1)
	if !s.addStream(st) {
		st.end()
		done()
		return nil
	}
	defer done()
	defer st.end()
	send := func(frames ...[]byte) bool {
		_ = rc.SetWriteDeadline(time.Now().Add(sseWriteTimeout))
		for _, f := range frames {
			if _, err := w.Write(f); err != nil {
				return false
			}
		}
		return rc.Flush() == nil
	}
	w.WriteHeader(http.StatusOK)
	if !send([]byte(sseOpening)) {
		return nil
	}
	for {
		select {
		case <-st.wake:
			if !send(st.take()...) {
				return nil
			}
		case <-st.done:
			return nil
		case <-r.Context().Done():
			return nil
		}
	}
}

// sseOpening starts every stream: a comment, and the client's reconnect
// delay.
const sseOpening = ": kogge events\nretry: 3000\n\n"

// sseHead is the response head of a hijacked stream with its opening
// as the first chunk: the connection closes when the stream ends.
func sseHead(h http.Header) []byte {
	var b bytes.Buffer
	b.WriteString("HTTP/1.1 200 OK\r\n")
	_ = h.Write(&b)
	b.WriteString("Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n")
	b.Write(chunk([][]byte{[]byte(sseOpening)}))
	return b.Bytes()
}
