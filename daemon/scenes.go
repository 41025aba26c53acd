package main

import (
	"context"
	"sync"
	"time"

	"github.com/kogge-project/kogge/rooms/store"
	"github.com/kogge-project/kogge/rooms/timeline"
)

// The scenes the timeline starts are run by the node that leads. Every
// node's timeline fires the same prep and teardown events, but when the
// leader dies nobody runs them until another node is elected (the dead
// one's lease, then an election: 5–7 s). A prep due in that gap was lost:
// the room was not prepared. So every node listens from its start and
// keeps what it heard for a while (sceneBacklogKeep); a node that begins
// to lead runs the kept events first, then the live ones. Each run is
// recorded in the store before it starts (store.Once), so an event the
// old leader ran before it died, or that this node ran in an earlier
// term, is not run again.

// sceneBacklogKeep is how long heard events are kept for a new leader:
// far longer than a failover, short enough that a replayed prep still
// prepares a meeting ahead.
const sceneBacklogKeep = 10 * time.Minute

type sceneBacklog struct {
	now func() time.Time

	mu       sync.Mutex
	kept     []heardEvent
	follower chan timeline.Event // the current term's, nil while not leading
}

type heardEvent struct {
	ev    timeline.Event
	heard time.Time
}

// collect keeps the prep and teardown events of events until it closes,
// handing each to the follower if there is one.
func (b *sceneBacklog) collect(events <-chan timeline.Event) {
	for ev := range events {
		if ev.Kind != timeline.Prep && ev.Kind != timeline.Teardown {
			continue
		}
		b.mu.Lock()
		now := b.now()
		i := 0
		for i < len(b.kept) && now.Sub(b.kept[i].heard) > sceneBacklogKeep {
			i++
		}
		b.kept = append(b.kept[i:], heardEvent{ev, now})
		if b.follower != nil {
			select {
			case b.follower <- ev:
			default: // the follower is far behind; the timeline's own subscribers lose events the same way
			}
		}
		b.mu.Unlock()
	}
}

// follow returns this term's events: the kept ones first, then each new
// one, until ctx ends.
func (b *sceneBacklog) follow(ctx context.Context) <-chan timeline.Event {
	out := make(chan timeline.Event, 256)
	b.mu.Lock()
	now := b.now()
	for _, h := range b.kept {
		if now.Sub(h.heard) <= sceneBacklogKeep {
			select {
			case out <- h.ev:
			default:
			}
		}
	}
	b.follower = out
	b.mu.Unlock()
	go func() {
		<-ctx.Done()
		b.mu.Lock()
		if b.follower == out {
			b.follower = nil
		}
		b.mu.Unlock()
	}()
	return out
}

// claimScene says whether this node runs ev's scene: the booking's prep
// only while its meeting is still ahead and not cancelled (a replayed
// event may be old news), and in any case only if no node recorded the
// run before.
func claimScene(st *store.Store, now func() time.Time, log interface {
	Warn(msg string, args ...any)
}) func(ev timeline.Event, scene string) bool {
	return func(ev timeline.Event, scene string) bool {
		if ev.Kind == timeline.Prep {
			b, err := st.Get(ev.Booking)
			if err != nil || !b.Status.Blocks() || !b.Start.After(now()) {
				return false
			}
		}
		first, err := st.Once("scene/"+string(ev.Kind)+"/"+ev.Booking+"/"+scene, ev.At)
		if err != nil {
			// Not recorded, not run: a scene twice is worse than a
			// room someone switches on by hand.
			log.Warn("scene not run: its run could not be recorded", "room", ev.Room, "scene", scene, "booking", ev.Booking, "err", err)
			return false
		}
		return first
	}
}
