package roomav

import (
	"sync"

	"github.com/kogge-project/kogge/rooms/av"
)

// hub hands device changes to every subscriber without ever waiting for a
// slow one (it misses changes; each carries the device's whole status, so
// the next one repairs it).
type hub struct {
	mu   sync.Mutex
	subs map[chan av.Status]struct{}
}

func (h *hub) subscribe(buffer int) (<-chan av.Status, func()) {
	ch := make(chan av.Status, buffer)
	h.mu.Lock()
	if h.subs == nil {
		h.subs = map[chan av.Status]struct{}{}
	}
	h.subs[ch] = struct{}{}
	h.mu.Unlock()
	return ch, func() {
		h.mu.Lock()
		delete(h.subs, ch)
		h.mu.Unlock()
	}
}

func (h *hub) publish(st av.Status) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for ch := range h.subs {
		select {
		case ch <- st:
		default:
		}
	}
}
