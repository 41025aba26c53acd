package roomav

import (
	"context"
	"maps"
	"slices"
	"sync"

	"github.com/kogge-project/kogge/rooms/av"
)

// A room's devices are connected only on the node that owns the room
// (ownership.go), yet panels and event streams on every node show them.
// The owner publishes each room's statuses on a board every node watches;
// a node that does not own a room shows them as published, and hands each
// change to its own device stream and discussion-system request lists, as
// if its supervisor had seen it.

// RoomStatuses is one room's devices as its owner last published them.
type RoomStatuses struct {
	Room string
	// Statuses have room-local ids. nil: nobody publishes the room now
	// (its owner is gone): its devices are shown offline.
	Statuses []av.Status
}

// StatusBoard carries the statuses of each room's devices from the node
// that drives them to every node (rooms/av/avetcd on a cluster).
type StatusBoard interface {
	// Publish sets a room's statuses as this node, its owner, sees them.
	// It is called from device goroutines: it must not block (the latest
	// per room wins; writes are coalesced).
	Publish(room string, st []av.Status)
	// Drop stops publishing a room (this node no longer drives it): what
	// is still to be written is dropped, and a write under way has ended
	// when Drop returns, so nothing of this node's lands after the new
	// owner's.
	Drop(room string)
	// Watch streams every room's statuses as published, starting with
	// each room's present ones, until ctx ends.
	Watch(ctx context.Context) <-chan RoomStatuses
}

// remoteStatuses holds the published statuses of the rooms this node
// does not drive.
type remoteStatuses struct {
	mu     sync.Mutex
	byRoom map[string][]av.Status // room -> statuses by room-local id
}

// of lists ar's devices as published (offline where nothing is), in the
// order the supervisor lists them (by id).
func (r *remoteStatuses) of(ar *avRoom) []av.Status {
	r.mu.Lock()
	pub := r.byRoom[ar.spec.ID]
	r.mu.Unlock()
	byID := map[string]av.Status{}
	for _, st := range pub {
		byID[st.ID] = st
	}
	out := make([]av.Status, 0, len(ar.devices))
	for _, d := range sortedDevices(ar) {
		st, ok := byID[d]
		if !ok {
			st = av.Status{ID: d, Kind: ar.deviceKey[DeviceKey(ar.spec.ID, d)].Kind, Health: av.Offline}
		}
		st.State = maps.Clone(st.State)
		out = append(out, st)
	}
	return out
}

// sortedDevices lists the room's devices by id (the supervisor's order).
func sortedDevices(ar *avRoom) []string {
	ids := slices.Clone(ar.devices)
	slices.Sort(ids)
	return ids
}
