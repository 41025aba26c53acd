package roomav

import (
	"context"
	"maps"
	"slices"
	"strconv"

	"github.com/kogge-project/kogge/rooms/av"
)

// SetSeatRequests sends every change of a room's request list to hook
// (the speaker queue), starting with each room's list as it is now.
func (a *AV) SetSeatRequests(hook OnSeatRequests) {
	a.seats.mu.Lock()
	a.seats.hook = hook
	a.seats.mu.Unlock()
	a.mu.RLock()
	ids := slices.Collect(maps.Keys(a.rooms))
	a.mu.RUnlock()
	// Statuses: as this node drives them, or as their owner published.
	for _, id := range ids {
		for _, st := range a.Statuses(id) {
			if st.Kind == av.KindCoCon {
				st.ID = DeviceKey(id, st.ID)
				a.seats.changed(id, st)
			}
		}
	}
}

// Speak switches a seat's microphone on at a room's discussion system
// (the chair's "next"), or off.
func (a *AV) Speak(ctx context.Context, room, device string, seat int, on bool) error {
	return a.Do(ctx, room, device, av.Command{Name: "mic", Args: map[string]string{"seat": strconv.Itoa(seat), "on": strconv.FormatBool(on)}})
}
