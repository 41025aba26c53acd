package roomav

import (
	"reflect"
	"slices"
)

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
		ar, err := a.build(r)
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
	a := ch.a
	a.mu.Lock()
	next := make(map[string]*avRoom, len(a.rooms))
	for id, ar := range a.rooms {
		next[id] = ar
	}
	var old []*avRoom
	for id, ar := range ch.build {
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
