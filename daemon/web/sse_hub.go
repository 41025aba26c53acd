package web

import (
	"encoding/json"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/kogge-project/kogge/rooms/av"
	"github.com/kogge-project/kogge/rooms/av/roomav"
	"github.com/kogge-project/kogge/rooms/timeline"
)

// The event streams share one subscription to every source (timeline,
// devices, scenes, speaker queues, council sessions, booking changes):
// one goroutine encodes each event once and queues the bytes on every
// stream that wants them, and one ticker sends all their keep-alives.
// A stream at rest holds its connection, a short queue and (on HTTP/1.1,
// api_events.go) one goroutine that notices the client leave: no
// subscriptions, timers or buffered writers of its own. Issue 20 asked
// for ≤ 8 KiB per idle stream (bench/httpload measures it).

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

// add registers a stream, starting the fan-out with the first one; false
// when the daemon is shutting down.
func (s *server) addStream(st *sseStream) bool {
	h := &s.sse
	h.mu.Lock()
	defer h.mu.Unlock()
	select {
	case <-s.streamsDone():
		return false
	default:
	}
	if h.streams == nil {
		h.streams = map[*sseStream]struct{}{}
	}
	h.streams[st] = struct{}{}
	if !h.running {
		h.running = true
		go s.fanOutStreams(s.openSources())
	}
	return true
}

func (s *server) removeStream(st *sseStream) {
	s.sse.mu.Lock()
	delete(s.sse.streams, st)
	s.sse.mu.Unlock()
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

// sources are the fan-out's subscriptions; a nil channel never delivers.
type sources struct {
	timeline <-chan timeline.Event
	devices  <-chan av.Status
	scenes   <-chan roomav.SceneEvent
	queues   <-chan queueEvent
	speakers <-chan speakerEvent
	councils <-chan councilEvent
	changes  <-chan bookingEvent
	stop     []func()
}

func (s *server) openSources() *sources {
	src := &sources{}
	var stop func()
	src.timeline, stop = s.subscribe("", sseBuffer)
	src.stop = append(src.stop, stop)
	if s.av != nil {
		src.devices, stop = s.av.Subscribe(sseBuffer)
		src.stop = append(src.stop, stop)
		src.scenes, stop = s.av.SubscribeScenes(sseBuffer)
		src.stop = append(src.stop, stop)
	}
	if s.hub != nil {
		src.queues, stop = s.queues.subscribe(sseBuffer)
		src.stop = append(src.stop, stop)
		src.speakers, stop = s.speakers.subscribe(sseBuffer)
		src.stop = append(src.stop, stop)
	}
	if s.council != nil {
		src.councils, stop = s.councils.subscribe(sseBuffer)
		src.stop = append(src.stop, stop)
	}
	src.changes, stop = s.bookingChanges.subscribe(sseBuffer)
	src.stop = append(src.stop, stop)
	return src
}

var keepAliveFrame = []byte(": keep-alive\n\n")

// fanOutStreams runs while streams are open: until shutdown, or until
// the timeline's subscription closes (it stopped), which ends every
// stream as each stream's own subscription used to; the next stream
// starts it anew.
func (s *server) fanOutStreams(src *sources) {
	defer func() {
		for _, stop := range src.stop {
			stop()
		}
	}()
	tick := time.NewTicker(sseKeepAlive)
	defer tick.Stop()
	h := &s.sse
	for {
		select {
		case ev, ok := <-src.timeline:
			if !ok {
				h.endAll(true)
				return
			}
			h.publishJSON(ev.Room, string(ev.Kind), ev)
		case st := <-src.devices:
			r, dev, _ := strings.Cut(st.ID, "/")
			st.ID = dev
			h.publishJSON(r, "device", deviceEvent{Room: r, Status: st})
		case sc := <-src.scenes:
			h.publishJSON(sc.Room, "scene", sc)
		case q := <-src.queues:
			h.publishJSON(q.Room, "queue", q)
		case sp := <-src.speakers:
			h.publishJSON(sp.Room, "speaker", sp)
		case cv := <-src.councils:
			h.publishJSON(cv.Room, "council", cv)
		case b := <-src.changes:
			h.publishJSON(b.Room, "booking", b)
		case <-tick.C:
			h.publish("", keepAliveFrame)
		case <-s.streamsDone():
			h.endAll(false)
			return
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
