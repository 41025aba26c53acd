package main

import (
	"context"
	"sync"
	"time"

	"github.com/kogge-project/kogge/rooms/av/roomav"
	"github.com/kogge-project/kogge/rooms/store"
	"github.com/kogge-project/kogge/rooms/timeline"
)

// The scenes the timeline starts are run by the node that drives the
// room's devices (rooms/av/roomav, ownership.go): on one machine this
// one, on a cluster the room's owner — or, while the daemon has no room
// ownership, the node that leads. Every node's timeline fires the same
// prep and teardown events, but when a room's owner dies nobody runs them
// until another node takes the room (the dead one's lease, then a claim:
// seconds). A prep due in that gap was lost: the room was not prepared.
// So every node listens from its start and keeps what it heard for a while
// (sceneBacklogKeep); a node that gains a room (or begins to lead) runs
// the room's kept events first, then the live ones. Each run is recorded
// in the store before it starts (store.Once), so an event the old owner
// ran before it died, or that this node ran when it owned the room
// before, is not run again.

// sceneBacklogKeep is how long heard events are kept for a new owner:
// far longer than a failover, short enough that a replayed prep still
// prepares a meeting ahead.
const sceneBacklogKeep = 10 * time.Minute

type sceneBacklog struct {
	now func() time.Time
	// own says which rooms this node drives (nil: every room; the
	// follower's term, the leader's, decides).
	own roomav.Ownership

	mu       sync.Mutex
	kept     []heardEvent
	follower chan timeline.Event // the current term's, nil while not following
	// handed: the kept events of the room were handed to the follower
	// (the room was owned when last looked at); a room gained since is
	// replayed.
	handed map[string]bool
}

type heardEvent struct {
	ev    timeline.Event
	heard time.Time
}

// owns says whether this node runs the room's scenes.
func (b *sceneBacklog) owns(room string) bool { return b.own == nil || b.own.Owns(room) }

// collect keeps the prep and teardown events of events until it closes,
// handing each to the follower if there is one and the room is this
// node's.
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
		if b.follower != nil && b.owns(ev.Room) {
			b.hand(ev)
		}
		b.mu.Unlock()
	}
}

// hand gives the follower one event (b.mu held).
func (b *sceneBacklog) hand(ev timeline.Event) {
	select {
	case b.follower <- ev:
	default: // the follower is far behind; the timeline's own subscribers lose events the same way
	}
}

// replay hands the follower the kept events of the rooms this node owns
// and had not been handed yet, in the order heard (b.mu held).
func (b *sceneBacklog) replay() {
	now := b.now()
	owned := map[string]bool{}
	for _, h := range b.kept {
		room := h.ev.Room
		if _, seen := owned[room]; !seen {
			owned[room] = b.owns(room)
		}
		if owned[room] && !b.handed[room] && now.Sub(h.heard) <= sceneBacklogKeep {
			b.hand(h.ev)
		}
	}
	for room, o := range owned {
		b.handed[room] = o
	}
}

// follow returns this term's events: the kept ones of the rooms this node
// owns first, then each new one of those rooms, and the kept ones of each
// room it gains, until ctx ends.
func (b *sceneBacklog) follow(ctx context.Context) <-chan timeline.Event {
	out := make(chan timeline.Event, 256)
	var changed <-chan struct{}
	if b.own != nil {
		changed = b.own.Changed() // before the first look: no change is missed
	}
	b.mu.Lock()
	b.follower = out
	b.handed = map[string]bool{}
	b.replay()
	b.mu.Unlock()
	go func() {
		for {
			select {
			case <-ctx.Done():
				b.mu.Lock()
				if b.follower == out {
					b.follower = nil
				}
				b.mu.Unlock()
				return
			case <-changed: // nil without ownership: only ctx ends it
				changed = b.own.Changed()
				b.mu.Lock()
				if b.follower == out {
					b.replay()
				}
				b.mu.Unlock()
			}
		}
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
