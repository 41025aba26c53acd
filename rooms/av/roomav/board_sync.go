package roomav

import (
	"reflect"

	"github.com/kogge-project/kogge/rooms/av"
)

// hearBoard takes the other nodes' rooms from the board until it closes.
func (a *AV) hearBoard(watch <-chan RoomStatuses) {
	for rs := range watch {
		a.heard(rs)
	}
}

// heard records a room's published statuses and, for a room this node
// does not drive, hands each device that changed to the device stream
// and the request lists (with DeviceKey ids, as the supervisor would).
func (a *AV) heard(rs RoomStatuses) {
	ar := a.room(rs.Room)
	var before []av.Status
	if ar != nil && !ar.owned {
		before = a.remote.of(ar)
	}
	a.remote.mu.Lock()
	if a.remote.byRoom == nil {
		a.remote.byRoom = map[string][]av.Status{}
	}
	if rs.Statuses == nil {
		delete(a.remote.byRoom, rs.Room)
	} else {
		a.remote.byRoom[rs.Room] = rs.Statuses
	}
	a.remote.mu.Unlock()
	if ar == nil || ar.owned {
		return // this node's own supervisor is the truth (and its own writes echo back)
	}
	for i, st := range a.remote.of(ar) {
		if i < len(before) && reflect.DeepEqual(before[i], st) {
			continue
		}
		st.ID = DeviceKey(rs.Room, st.ID)
		a.hub.publish(st)
		a.seats.changed(rs.Room, st)
	}
}

// announce publishes the present statuses of those of rooms this node
// drives: a room just gained overwrites what its former owner left.
func (a *AV) announce(rooms []string) {
	if a.board == nil {
		return
	}
	for _, id := range rooms {
		if ar := a.room(id); ar != nil && ar.owned {
			ar.publish(a.board, id)
		}
	}
}

// ownedRooms lists the rooms this node drives.
func (a *AV) ownedRooms() []string {
	a.mu.RLock()
	defer a.mu.RUnlock()
	var out []string
	for id, ar := range a.rooms {
		if ar.owned {
			out = append(out, id)
		}
	}
	return out
}
