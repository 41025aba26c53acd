package web

import (
	"sync"

	"github.com/kogge-project/kogge/signaling"
)

// fanout hands values to every subscriber without ever waiting for a
// slow one (it misses values; streams carry whole states, so the next one
// repairs it).
type fanout[T any] struct {
	mu   sync.Mutex
	subs map[chan T]struct{}
}

func (f *fanout[T]) subscribe(buffer int) (<-chan T, func()) {
	ch := make(chan T, buffer)
	f.mu.Lock()
	if f.subs == nil {
		f.subs = map[chan T]struct{}{}
	}
	f.subs[ch] = struct{}{}
	f.mu.Unlock()
	return ch, func() {
		f.mu.Lock()
		delete(f.subs, ch)
		f.mu.Unlock()
	}
}

func (f *fanout[T]) publish(v T) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for ch := range f.subs {
		select {
		case ch <- v:
		default:
		}
	}
}

// queueEvent is a council session's speaker queue on the events stream.
type queueEvent struct {
	Room    string                 `json:"room"`
	Booking string                 `json:"booking"`
	Queue   []signaling.QueueEntry `json:"queue"`
}
