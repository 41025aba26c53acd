package roomav

import (
	"context"
	"log/slog"
	"sync"

	"github.com/kogge-project/kogge/rooms/av"
)

// AV is the AV side of the daemon: each room's devices (a supervisor
// per room), scenes and camera follower, and the hub that streams device
// changes. A reload swaps single rooms (Prepare); the hub stays, so open
// event streams keep hearing every room's devices. Its methods are safe
// on a nil *AV (no AV at all).
type AV struct {
	log       *slog.Logger
	newDriver func(av.DeviceConfig) (av.Driver, error)
	hub       hub[av.Status]
	scenes    hub[SceneEvent]
	seats     seatLists      // discussion systems' request lists, per room
	sceneWG   sync.WaitGroup // scenes started by StartScene

	mu    sync.RWMutex
	rooms map[string]*avRoom
	// followCtx is set once camera followers run (StartFollowers): rooms
	// swapped in later start theirs under it. nil: no followers (tests).
	followCtx context.Context

	// own says which rooms this node drives (nil: all, one machine);
	// recheck wakes its follower after a reload (ownership_follow.go).
	own     Ownership
	recheck chan struct{}
	// board carries the statuses of the rooms this node drives to the
	// other nodes, and theirs here (nil: one machine; board.go).
	board   StatusBoard
	remote  remoteStatuses
	forward func(ctx context.Context, room, device string, cmd av.Command) error
	// sceneRelay carries the steps of the scenes started here to the
	// other nodes' event streams, and theirs here (nil: one machine;
	// scene_events.go).
	sceneRelay SceneRelay
	// stop ends the ownership and board goroutines; done is closed when
	// they have.
	stop context.CancelFunc
	done sync.WaitGroup
}

// room returns a room's AV (nil: none).
func (a *AV) room(id string) *avRoom {
	if a == nil {
		return nil
	}
	a.mu.RLock()
	defer a.mu.RUnlock()
	return a.rooms[id]
}

// Enabled reports whether any room has devices.
func (a *AV) Enabled() bool {
	if a == nil {
		return false
	}
	a.mu.RLock()
	defer a.mu.RUnlock()
	for _, ar := range a.rooms {
		if len(ar.devices) > 0 {
			return true
		}
	}
	return false
}

// Subscribe streams every room's device changes, devices named by
// DeviceKey, until stop is called. A subscriber that falls buffer changes
// behind misses some (each carries the whole status).
func (a *AV) Subscribe(buffer int) (changes <-chan av.Status, stop func()) {
	return a.hub.subscribe(buffer)
}

// owns says whether this node drives room (always, without Ownership).
func (a *AV) owns(room string) bool {
	return a.own == nil || a.own.Owns(room)
}

// Owns reports whether this node drives the room's devices (on one
// machine: every room).
func (a *AV) Owns(room string) bool {
	if a == nil {
		return false
	}
	return a.owns(room)
}

// nudge asks followOwnership to look again (after a reload's commit,
// which built its rooms with the ownership of the moment it prepared).
func (a *AV) nudge() {
	select {
	case a.recheck <- struct{}{}:
	default:
	}
}
