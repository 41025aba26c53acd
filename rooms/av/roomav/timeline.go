package roomav

import (
	"context"
	"sync"
	"time"

	"github.com/kogge-project/kogge/rooms"
	"github.com/kogge-project/kogge/rooms/timeline"
)

// FollowTimeline runs each room's prep scene at a booking's prep event and
// its end scene at teardown, unless the room is still (or again) in use
// then: back-to-back meetings must not see the projector go dark. It
// returns when ctx ends or events closes, once the scenes it started are
// done.
//
// Each room's scenes run in their own goroutine, one at a time per room: a
// projector warming up in one room must not delay the next room's prep.
// The scenes are looked up at each event, so a reload's take effect.
//
// claim, if set, is asked before a scene runs and must say yes for it to
// run: on a cluster it records the run in the store, so that of the nodes
// that hear the event (a new leader replaying what it heard while nobody
// led) one runs it.
func (a *AV) FollowTimeline(ctx context.Context, events <-chan timeline.Event, inUse func(room string, at time.Time) bool,
	claim func(ev timeline.Event, scene string) bool) {
	var wg sync.WaitGroup
	defer wg.Wait()
	locks := map[string]*sync.Mutex{}
	for {
		select {
		case <-ctx.Done():
			return
		case ev, ok := <-events:
			if !ok {
				return
			}
			var scene string
			prep, end := a.scenesAt(ev.Room)
			switch ev.Kind {
			case timeline.Prep:
				scene = prep
			case timeline.Teardown:
				if end == "" || inUse(ev.Room, ev.At) {
					continue
				}
				scene = end
			}
			if scene == "" {
				continue // the timeline sends a late prep only while the meeting is still ahead
			}
			lock := locks[ev.Room]
			if lock == nil {
				lock = &sync.Mutex{}
				locks[ev.Room] = lock
			}
			wg.Add(1)
			go func(ev timeline.Event, scene string) {
				defer wg.Done()
				if claim != nil && !claim(ev, scene) {
					return
				}
				lock.Lock()
				defer lock.Unlock()
				res, _ := a.RunScene(ctx, ev.Room, scene)
				failed := 0
				for _, r := range res {
					if !r.OK {
						failed++
					}
				}
				a.log.Info("scene run by the timeline", "room", ev.Room, "scene", scene, "event", ev.Kind, "booking", ev.Booking, "failed", failed)
			}(ev, scene)
		}
	}
}

// InUseAt reports whether a room has a booking occupying it around at
// (its buffers included), for the end scene and the evening power-off;
// lookup lists the bookings overlapping [from, to) in a room.
func InUseAt(lookup func(room string, from, to time.Time) ([]rooms.Booking, error)) func(room string, at time.Time) bool {
	return func(room string, at time.Time) bool {
		bs, err := lookup(room, at, at.Add(time.Minute))
		return err == nil && len(bs) > 0
	}
}
