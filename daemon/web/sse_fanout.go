package web

import (
	"strings"
	"time"

	"github.com/kogge-project/kogge/rooms/av"
	"github.com/kogge-project/kogge/rooms/av/roomav"
	"github.com/kogge-project/kogge/rooms/timeline"
)

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

// deviceEvent is a device's new health or state on the events stream.
type deviceEvent struct {
	Room string `json:"room"`
	av.Status
}

// streamsDone is closed when the daemon shuts down, so that open streams
// end at once instead of holding the drain until its timeout.
func (s *server) streamsDone() <-chan struct{} {
	if s.closing == nil {
		return nil // never: tests without a shutdown
	}
	return s.closing
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
