package timeline

import (
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// Subscriber channel bounds: a zero buffer would drop every event the
// subscriber is not already waiting for; a huge one hides a stuck reader.
const (
	minSubscriberBuffer = 1
	maxSubscriberBuffer = 4096
)

// dropLogInterval rate-limits the warning about a slow subscriber: one
// line per subscriber per interval, with the count since the last line.
const dropLogInterval = time.Minute

// hub fans events out to subscribers. It is the one piece of state not
// owned by the loop: Subscribe must work before Run starts and cancel must
// close the channel after Run returned, and a mailbox round trip would
// block in both cases. Only the loop publishes; the lock is held for
// non-blocking sends only, so the loop never waits for a reader.
type hub struct {
	log    *slog.Logger
	mu     sync.RWMutex
	subs   map[*subscriber]struct{}
	closed bool // Run returned: new subscribers get a closed channel
}

type subscriber struct {
	room    string // "" = all rooms
	ch      chan Event
	dropped atomic.Uint64
	// Written by the publishing loop only.
	unlogged uint64
	lastLog  time.Time
}

func (h *hub) init(log *slog.Logger) {
	h.log = log
	h.subs = make(map[*subscriber]struct{})
}

// Subscribe returns events for one room ("" = all rooms) through a channel
// of the given buffer (clamped to 1…4096). A slow subscriber loses events
// (counted, logged rate-limited); it never stalls the loop. cancel
// unsubscribes and closes the channel; it may be called more than once.
// The channel is also closed when Run returns.
func (t *Timeline) Subscribe(room string, buffer int) (events <-chan Event, cancel func()) {
	return t.hub.subscribe(room, buffer)
}

func (h *hub) subscribe(room string, buffer int) (<-chan Event, func()) {
	sub := &subscriber{room: room, ch: make(chan Event, min(max(buffer, minSubscriberBuffer), maxSubscriberBuffer))}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		close(sub.ch)
		return sub.ch, func() {}
	}
	h.subs[sub] = struct{}{}
	return sub.ch, func() {
		h.mu.Lock()
		defer h.mu.Unlock()
		if _, ok := h.subs[sub]; ok {
			delete(h.subs, sub)
			close(sub.ch)
		}
	}
}

func (h *hub) publish(ev Event, now time.Time) {
	h.mu.RLock()
	defer h.mu.RUnlock()
	for sub := range h.subs {
		if sub.room != "" && sub.room != ev.Room {
			continue
		}
		select {
		case sub.ch <- ev:
		default:
			sub.dropped.Add(1)
			sub.unlogged++
			if now.Sub(sub.lastLog) >= dropLogInterval {
				h.log.Warn("timeline: slow subscriber is losing events",
					"room_filter", sub.room, "dropped", sub.unlogged, "dropped_total", sub.dropped.Load())
				sub.unlogged, sub.lastLog = 0, now
			}
		}
	}
}

// close ends every subscription; Run calls it on return.
func (h *hub) close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.closed = true
	for sub := range h.subs {
		delete(h.subs, sub)
		close(sub.ch)
	}
}
