package roomav

import (
	"sync"
)

// hub hands changes to every subscriber without ever waiting for a slow
// one (it misses some: a device change carries the device's whole status,
// so the next one repairs it; a scene's end says how many actions failed).
type hub[T any] struct {
	mu   sync.Mutex
	subs map[chan T]struct{}
}

func (h *hub[T]) subscribe(buffer int) (<-chan T, func()) {
	ch := make(chan T, buffer)
	h.mu.Lock()
	if h.subs == nil {
		h.subs = map[chan T]struct{}{}
	}
	h.subs[ch] = struct{}{}
	h.mu.Unlock()
	return ch, func() {
		h.mu.Lock()
		delete(h.subs, ch)
		h.mu.Unlock()
	}
}

func (h *hub[T]) publish(v T) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for ch := range h.subs {
		select {
		case ch <- v:
		default:
		}
	}
}
