package roomav

// followOwnership swaps each room whose ownership changed: a room gained
// gets its supervisor (it connects and polls), a room lost gets one that
// drives nothing. It runs until done is closed.
func (a *AV) followOwnership(done <-chan struct{}) {
	for {
		changed := a.own.Changed()
		a.reconcileOwnership()
		select {
		case <-done:
			return
		case <-changed:
		case <-a.recheck:
		}
	}
}

// reconcileOwnership rebuilds the rooms whose supervisor does not match
// what this node owns now. A reload that swaps a room meanwhile wins:
// the room is checked again (recheck) on its next round.
func (a *AV) reconcileOwnership() {
	a.mu.RLock()
	var wrong []*avRoom
	for id, ar := range a.rooms {
		if ar.owned != a.owns(id) {
			wrong = append(wrong, ar)
		}
	}
	a.mu.RUnlock()
	if len(wrong) == 0 {
		return
	}
	build := map[string]*avRoom{}
	expect := map[string]*avRoom{}
	for _, old := range wrong {
		ar, err := a.build(old.spec, !old.owned)
		if err != nil {
			// The same spec built before; a driver that cannot be
			// built now is logged, and the room stays as it was.
			a.log.Error("room's AV not swapped on an ownership change", "room", old.spec.ID, "err", err)
			continue
		}
		build[old.spec.ID], expect[old.spec.ID] = ar, old
		if ar.owned {
			a.log.Info("this node now drives the room's devices", "room", old.spec.ID)
		} else {
			a.log.Info("another node drives the room's devices now", "room", old.spec.ID)
		}
	}
	a.swap(build, expect)
	var gained []string
	for id, ar := range build {
		switch {
		case ar.owned:
			gained = append(gained, id)
		case a.board != nil:
			a.board.Drop(id) // no late write of ours over the new owner's
		}
	}
	a.announce(gained)
}
