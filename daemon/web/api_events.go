package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/kogge-project/kogge/rooms/av"
	"github.com/kogge-project/kogge/rooms/av/roomav"
	"github.com/kogge-project/kogge/rooms/timeline"
)

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
	return s.stream(w, r, c, room, nil)
}

// stream writes the events of room ("" = all) to caller c until the
// client goes, the daemon shuts down or stop closes (a panel revoked
// meanwhile). The staff events route and the panel's share it; each login
// may hold only so many streams at once (stream_caps.go).
func (s *server) stream(w http.ResponseWriter, r *http.Request, c *caller, room string, stop <-chan struct{}) error {
	if s.subscribe == nil {
		return newProblem(http.StatusServiceUnavailable, "not-ready", "not-ready.timeline")
	}
	release, err := s.streams.open(c)
	if err != nil {
		return err
	}
	defer release()
	ch, cancel := s.subscribe(room, sseBuffer)
	defer cancel()
	var devices <-chan av.Status // nil (never ready) without AV
	var scenes <-chan roomav.SceneEvent
	if s.av != nil {
		var stop, stopScenes func()
		devices, stop = s.av.Subscribe(sseBuffer)
		defer stop()
		scenes, stopScenes = s.av.SubscribeScenes(sseBuffer)
		defer stopScenes()
	}
	var queues <-chan queueEvent // nil without meetings
	var speakers <-chan speakerEvent
	if s.hub != nil {
		var stop, stopSpeakers func()
		queues, stop = s.queues.subscribe(sseBuffer)
		defer stop()
		speakers, stopSpeakers = s.speakers.subscribe(sseBuffer)
		defer stopSpeakers()
	}
	var councils <-chan councilEvent // nil without council sessions
	if s.council != nil {
		var stop func()
		councils, stop = s.councils.subscribe(sseBuffer)
		defer stop()
	}
	changes, stopChanges := s.bookingChanges.subscribe(sseBuffer)
	defer stopChanges()
	rc := http.NewResponseController(w)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no") // nginx: do not buffer the stream
	send := func(write func() error) bool {
		_ = rc.SetWriteDeadline(time.Now().Add(sseWriteTimeout))
		return write() == nil && rc.Flush() == nil
	}
	w.WriteHeader(http.StatusOK)
	if !send(func() error { _, err := fmt.Fprint(w, ": kogge events\nretry: 3000\n\n"); return err }) {
		return nil
	}
	tick := time.NewTicker(sseKeepAlive)
	defer tick.Stop()
	for {
		select {
		case ev, ok := <-ch:
			if !ok {
				return nil
			}
			if !send(func() error { return writeEvent(w, ev) }) {
				return nil
			}
		case st := <-devices:
			r, dev, _ := strings.Cut(st.ID, "/")
			if room != "" && r != room {
				continue
			}
			st.ID = dev
			if !send(func() error { return writeJSONEvent(w, "device", deviceEvent{Room: r, Status: st}) }) {
				return nil
			}
		case sc := <-scenes:
			if (room == "" || sc.Room == room) && !send(func() error { return writeJSONEvent(w, "scene", sc) }) {
				return nil
			}
		case q := <-queues:
			if room != "" && q.Room != room {
				continue
			}
			if !send(func() error { return writeJSONEvent(w, "queue", q) }) {
				return nil
			}
		case sp := <-speakers:
			if room != "" && sp.Room != room {
				continue
			}
			if !send(func() error { return writeJSONEvent(w, "speaker", sp) }) {
				return nil
			}
		case cv := <-councils:
			if room != "" && cv.Room != room {
				continue
			}
			if !send(func() error { return writeJSONEvent(w, "council", cv) }) {
				return nil
			}
		case b := <-changes:
			if room != "" && b.Room != room {
				continue
			}
			if !send(func() error { return writeJSONEvent(w, "booking", b) }) {
				return nil
			}
		case <-tick.C:
			if !send(func() error { _, err := fmt.Fprint(w, ": keep-alive\n\n"); return err }) {
				return nil
			}
		case <-r.Context().Done():
			return nil
		case <-s.streamsDone():
			return nil
		case <-stop:
			return nil
		}
	}
}

func writeEvent(w http.ResponseWriter, ev timeline.Event) error {
	return writeJSONEvent(w, string(ev.Kind), ev)
}

// deviceEvent is a device's new health or state on the events stream.
type deviceEvent struct {
	Room string `json:"room"`
	av.Status
}

func writeJSONEvent(w http.ResponseWriter, name string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "event: %s\ndata: %s\n\n", name, data)
	return err
}

// streamsDone is closed when the daemon shuts down, so that open streams
// end at once instead of holding the drain until its timeout.
func (s *server) streamsDone() <-chan struct{} {
	if s.closing == nil {
		return nil // never: tests without a shutdown
	}
	return s.closing
}
