package roomav

import (
	"errors"
	"slices"
	"sync"

	"github.com/kogge-project/kogge/rooms/av"
)

// On a cluster each room's devices are driven by exactly one node, the
// room's owner: PJLink projectors and many DSPs take one control
// connection at a time, and two nodes polling and switching one projector
// fight over it. Ownership says which rooms this node drives; a room's
// supervisor (its device connections, polling, camera follower, the
// discussion system's request list) runs only while this node owns it,
// and starts or stops when ownership moves. The other nodes show the
// room's devices as the owner publishes them (StatusBoard) and send
// their commands to the owner (daemon/web's room routing).

// Ownership says which rooms this node drives. nil (one machine) owns
// every room.
type Ownership interface {
	// Owns reports whether this node drives the room's devices now.
	Owns(room string) bool
	// Changed returns a channel that is closed at the next change of
	// what this node owns. Ask for it before reading Owns, so that a
	// change between the two is not missed; every watcher gets its own
	// signal (a closed channel wakes them all).
	Changed() <-chan struct{}
}

// ErrNotOwner is what a command on a room's device gets on a node that
// does not drive the room (the owner does; daemon/web forwards there).
var ErrNotOwner = errors.New("this node does not drive the room's devices")

// OwnedRooms is an Ownership set from outside: the daemon sets the rooms
// it holds the claims of; tests move rooms between nodes with it. The
// zero value owns nothing.
type OwnedRooms struct {
	mu      sync.Mutex
	rooms   map[string]bool
	changed chan struct{}
}

// Owns implements Ownership.
func (o *OwnedRooms) Owns(room string) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.rooms[room]
}

// Changed implements Ownership.
func (o *OwnedRooms) Changed() <-chan struct{} {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.changed == nil {
		o.changed = make(chan struct{})
	}
	return o.changed
}

// Set makes rooms the rooms this node owns, and wakes the watchers if
// that changed anything.
func (o *OwnedRooms) Set(rooms ...string) {
	next := map[string]bool{}
	for _, r := range rooms {
		next[r] = true
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if len(next) == len(o.rooms) {
		same := true
		for r := range next {
			same = same && o.rooms[r]
		}
		if same {
			return
		}
	}
	o.rooms = next
	if o.changed != nil {
		close(o.changed)
	}
	o.changed = make(chan struct{})
}

// Rooms lists the rooms owned, sorted.
func (o *OwnedRooms) Rooms() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	var out []string
	for r := range o.rooms {
		out = append(out, r)
	}
	slices.Sort(out)
	return out
}

// notOwned is a scene's results on a node that does not drive the room.
func notOwned(sc av.Scene) []av.Result {
	out := make([]av.Result, len(sc.Actions))
	for i, act := range sc.Actions {
		out[i] = av.Result{Device: act.Device, Command: act.Name, Error: ErrNotOwner.Error()}
	}
	return out
}
