package roomav

import (
	"cmp"
	"context"
	"reflect"
	"slices"

	"github.com/kogge-project/kogge/rooms/av"
)

// build prepares one room's AV; owned, it starts supervising the room's
// devices (followers are started apart, by startFollow).
func (a *AV) build(r Room, owned bool) (*avRoom, error) {
	ar := &avRoom{spec: r, owned: owned, deviceKey: map[string]av.DeviceConfig{}, scenes: map[string]av.Scene{}, labels: r.Labels,
		prep: r.Prep, end: r.End, panel: panelControlsOf(r)}
	ar.sup = av.NewSupervisor(a.log, func(st av.Status) {
		a.hub.publish(st)
		a.seats.changed(r.ID, st) // a discussion system's request list
		if a.board != nil {
			ar.publish(a.board, r.ID)
		}
	})
	if !owned {
		ar.sup.Close() // drives nothing: no connection, commands refused
	}
	var add []av.DeviceConfig
	for _, dc := range r.Devices {
		// Errors name the device as people know it, not room/device.
		dc.Label = cmp.Or(r.Labels[dc.ID], dc.ID)
		dc.Options = ar.panel.watchOptions(dc)
		// Device ids are unique per room; the supervisor (and the device
		// stream) sees room/device.
		ar.devices = append(ar.devices, dc.ID)
		ar.deviceKey[DeviceKey(r.ID, dc.ID)] = dc
		add = append(add, dc)
	}
	// Only now the devices start: a device's first status calls the
	// callback above, which lists the room's devices (localStatuses)
	// from its own goroutine, so the list must be complete and no
	// longer written.
	for _, dc := range add {
		if !owned {
			break
		}
		drv, err := a.newDriver(dc)
		if err != nil {
			ar.close()
			return nil, err
		}
		sdc := dc
		sdc.ID = DeviceKey(r.ID, dc.ID)
		if err := ar.sup.Add(sdc, drv); err != nil {
			ar.close()
			return nil, err
		}
	}
	for _, sc := range r.Scenes {
		ar.scenes[sc.Name] = av.Scene{Name: sc.Name, Actions: sc.Actions}
	}
	if f, ok := cameraFollow(r, a.log); ok {
		ar.follow = &f
	}
	return ar, nil
}

// swap puts the built rooms in (nil: remove the room) and closes the ones
// they replace. With expect, a room is swapped only if the running one is
// still expect[id] (an ownership change must not undo a reload that
// committed meanwhile); the others' builds are closed and looked at again.
func (a *AV) swap(build, expect map[string]*avRoom) {
	a.mu.Lock()
	next := make(map[string]*avRoom, len(a.rooms))
	for id, ar := range a.rooms {
		next[id] = ar
	}
	var old []*avRoom
	for id, ar := range build {
		if exp, ok := expect[id]; ok && next[id] != exp {
			if ar != nil {
				old = append(old, ar)
			}
			a.nudge()
			continue
		}
		if prev := next[id]; prev != nil {
			old = append(old, prev)
		}
		if ar == nil {
			delete(next, id)
			continue
		}
		next[id] = ar
		if a.followCtx != nil {
			ar.startFollow(a.followCtx)
		}
	}
	a.rooms = next
	a.mu.Unlock()
	// A command or scene already running on an old supervisor ends with
	// its closing (the device goes offline for it).
	for _, ar := range old {
		ar.close()
	}
}

// StartFollowers runs the camera followers of every room under ctx, and
// of rooms a reload swaps in later.
func (a *AV) StartFollowers(ctx context.Context) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.followCtx = ctx
	for _, ar := range a.rooms {
		ar.startFollow(ctx)
	}
}

// Change is a prepared reload of the AV: the rooms to swap in (already
// connecting) and the rooms to close. Nothing runs differently until
// Commit; Abort undoes the preparation.
type Change struct {
	a       *AV
	build   map[string]*avRoom // room -> new AV (nil: remove the room's AV)
	changed []string
}

// Prepare builds the AV of every room whose Room differs from the running
// one, and notes rooms that are gone. Unchanged rooms keep their
// connections.
func (a *AV) Prepare(rooms []Room) (*Change, error) {
	ch := &Change{a: a, build: map[string]*avRoom{}}
	a.mu.RLock()
	cur := a.rooms
	a.mu.RUnlock()
	seen := map[string]bool{}
	for _, r := range rooms {
		seen[r.ID] = true
		if old, ok := cur[r.ID]; ok && reflect.DeepEqual(old.spec, r) {
			continue
		}
		ar, err := a.build(r, a.owns(r.ID))
		if err != nil {
			ch.Abort()
			return nil, err
		}
		ch.build[r.ID] = ar
		ch.changed = append(ch.changed, r.ID)
	}
	for id := range cur {
		if !seen[id] {
			ch.build[id] = nil
			ch.changed = append(ch.changed, id)
		}
	}
	slices.Sort(ch.changed)
	return ch, nil
}

// Changed names the rooms the change rebuilds or removes, sorted.
func (ch *Change) Changed() []string { return ch.changed }

// Abort closes what Prepare built.
func (ch *Change) Abort() {
	for _, ar := range ch.build {
		if ar != nil {
			ar.close()
		}
	}
}

// Commit swaps the prepared rooms in and closes the ones they replace.
func (ch *Change) Commit() {
	ch.a.swap(ch.build, nil)
	// Prepare built with the ownership of its moment; if a room moved
	// since, the ownership follower swaps it again.
	ch.a.nudge()
	ch.a.announce(ch.changed)
}
