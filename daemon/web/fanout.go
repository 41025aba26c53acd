package web

import (
	"sync"
	"time"

	"github.com/kogge-project/kogge/rooms"
	"github.com/kogge-project/kogge/rooms/council"
	"github.com/kogge-project/kogge/signaling"
)

// The server's fan-outs and what they carry to the event streams: booking
// changes, council sessions' speaker queues and who speaks remotely.

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
// councilEvent is a council session's open item, quorum and vote, as
// readers outside the meeting may see them (council.View.Redacted): a
// livestream or recording stops when item.public turns false.
type councilEvent struct {
	Room    string       `json:"room"`
	Booking string       `json:"booking"`
	Council council.View `json:"council"`
}

type queueEvent struct {
	Room    string                 `json:"room"`
	Booking string                 `json:"booking"`
	Queue   []signaling.QueueEntry `json:"queue"`
}

// speakerEvent is a council session's active speaker in the meeting (the
// name the meeting shows, "" when nobody speaks), beside its speaker
// queue on the events stream.
type speakerEvent struct {
	Room    string `json:"room"`
	Booking string `json:"booking"`
	Speaker string `json:"speaker"`
}

func bookingEventOf(b rooms.Booking) bookingEvent {
	return bookingEvent{ID: b.ID, Room: b.Room, Status: b.Status, Start: b.Start.UTC(), End: b.End.UTC(), Version: b.Version}
}

// bookingEvent tells event streams that a booking was made or changed, so
// that open pages redraw: ids, times and status only, never titles.
type bookingEvent struct {
	ID      string       `json:"id"`
	Room    string       `json:"room"`
	Status  rooms.Status `json:"status"`
	Start   time.Time    `json:"start"`
	End     time.Time    `json:"end"`
	Version uint64       `json:"version"`
}
