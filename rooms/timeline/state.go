package timeline

import (
	"slices"
	"time"

	"github.com/kogge-project/kogge/rooms"
)

// state is everything the loop owns. Only Run's goroutine touches it.
type state struct {
	t        *Timeline
	q        queue
	recs     records
	bookings index // every booking with an instant queued: its record
	scratch  []instant
}

func newState(t *Timeline) *state {
	s := &state{t: t, scratch: make([]instant, 0, numKinds)}
	s.q.recs = &s.recs
	return s
}

// find returns the record of the booking id, nil if it is not tracked.
func (s *state) find(id string) *tracked {
	if i, ok := s.bookings.get(id); ok {
		return s.recs.at(i)
	}
	return nil
}

// rebuild fills the queue from the store's pending bookings and applies
// the restart catch-up rules to instants that passed while the daemon was
// down. The queue is ordered once at the end (O(n)), not by n pushes.
func (s *state) rebuild(bs []rooms.Booking, now time.Time) {
	r := s.startRebuild(len(bs), now)
	for i := range bs {
		r.add(&bs[i])
	}
	r.finish()
}

// rebuilding is one rebuild in progress: add each pending booking, then
// finish.
type rebuilding struct {
	s      *state
	now    time.Time
	missed []due
	idle   []*tracked // nothing queued: forgotten once their missed events are applied
}

func (s *state) startRebuild(hint int, now time.Time) *rebuilding {
	s.q.es = make([]entry, 0, hint*numKinds) // five instants a booking, six with check-in: never regrown
	s.bookings.reserve(hint)
	s.recs.chunks = make([][]tracked, 0, (hint+recChunk-1)/recChunk)
	return &rebuilding{s: s, now: now}
}

// add takes one pending booking; b may be reused by the caller afterwards.
func (r *rebuilding) add(bk *rooms.Booking) {
	s, now := r.s, r.now
	if !bk.Status.Blocks() {
		return
	}
	b := slim(bk)
	tr := s.recs.alloc(b)
	if !s.bookings.put(b.ID, tr.rec) {
		// Undoing the first copy's queued items would cost more than
		// this store bug deserves; the next Changed corrects it.
		s.t.log.Warn("timeline: store listed a booking twice; keeping the first", "booking", b.ID)
		s.recs.release(tr)
		return
	}
	for _, in := range instants(&tr.b, s.t.roomOf(b.Room), s.scratch) {
		if !in.at.Before(now) {
			s.q.push(tr, in.slot, in.at.UnixNano())
			continue
		}
		// Every passed kind is decided here, before anything fires,
		// so that a booking changed by a late Finish or Release does
		// not fire its other passed instants by the live rules.
		tr.markDone(in.slot)
		if fire, why := passed(in.slot, &tr.b, now, restart); !fire {
			s.t.log.Info("timeline: skipping missed event", "booking", b.ID, "room", b.Room,
				"kind", lifecycle[in.slot], "at", in.at, "reason", why)
			continue
		}
		r.missed = append(r.missed, due{tr: tr, at: in.at, slot: in.slot, version: b.Version})
	}
	if !tr.queued() {
		r.idle = append(r.idle, tr)
	}
}

// finish heaps the queue and fires what was missed, in order.
func (r *rebuilding) finish() {
	s := r.s
	s.q.init()
	slices.SortFunc(r.missed, compareDue)
	for _, d := range r.missed {
		s.fire(d, true, r.now)
	}
	for _, tr := range r.idle {
		s.settle(tr)
	}
}

// changed applies a booking change (or a booking returned by the store)
// by the live rules: its queued instants are replaced by those computed
// from b; instants already past fire at once unless done or ruled out.
func (s *state) changed(b rooms.Booking, now time.Time) {
	tr := s.find(b.ID)
	if tr == nil {
		if !b.Status.Blocks() || !b.OccupiedUntil().After(now) {
			return // nothing left to fire
		}
		tr = s.recs.alloc(slim(&b))
		s.bookings.put(b.ID, tr.rec)
	} else {
		if b.Version < tr.b.Version {
			s.t.log.Debug("timeline: ignoring stale change", "booking", b.ID,
				"version", b.Version, "known", tr.b.Version)
			return
		}
		s.unschedule(tr)
		tr.b = slim(&b)
	}
	s.schedule(tr, now)
	s.settle(tr)
}

// schedule queues tr's future instants and fires its passed ones.
func (s *state) schedule(tr *tracked, now time.Time) {
	var dues []due
	for _, in := range instants(&tr.b, s.t.roomOf(tr.b.Room), s.scratch) {
		if in.at.After(now) {
			s.q.add(tr, in.slot, in.at.UnixNano())
			continue
		}
		if tr.isDone(in.slot) {
			continue
		}
		if fire, why := passed(in.slot, &tr.b, now, live); !fire {
			tr.markDone(in.slot)
			s.t.log.Info("timeline: skipping passed event", "booking", tr.b.ID, "room", tr.b.Room,
				"kind", lifecycle[in.slot], "at", in.at, "reason", why)
			continue
		}
		dues = append(dues, due{tr: tr, at: in.at, slot: in.slot, version: tr.b.Version})
	}
	slices.SortFunc(dues, compareDue)
	for _, d := range dues {
		s.fire(d, false, now)
	}
}

func (s *state) unschedule(tr *tracked) {
	for slot, p := range tr.pos {
		if p >= 0 {
			s.q.remove(tr, slot)
		}
	}
}

// settle forgets a booking with nothing left in the queue.
func (s *state) settle(tr *tracked) {
	if !tr.queued() && s.find(tr.b.ID) == tr {
		s.bookings.del(tr.b.ID)
		s.recs.release(tr)
	}
}

// fireDue fires every queued instant up to now, in queue order.
func (s *state) fireDue(now time.Time) {
	// A queued entry is always its booking's current instant: a change
	// takes the booking's entries out before queueing new ones, and a
	// record is released only with nothing queued.
	for len(s.q.es) > 0 && s.q.es[0].at <= now.UnixNano() {
		e := s.q.pop()
		tr := s.recs.at(e.rec)
		s.fire(due{tr: tr, at: time.Unix(0, e.at).UTC(), slot: int(e.slot), version: tr.b.Version}, false, now)
	}
}

// fire applies one instant: the no-show check and the end change the
// store; every kind is published unless the change did not happen.
func (s *state) fire(d due, late bool, now time.Time) {
	tr := d.tr
	if s.find(tr.b.ID) != tr || tr.b.Version != d.version {
		return // an earlier event of this round changed the booking
	}
	tr.markDone(d.slot)
	id, room := tr.b.ID, tr.b.Room
	kind := lifecycle[d.slot]
	log := s.t.log.With("booking", id, "room", room, "kind", kind, "at", d.at, "late", late)
	status := tr.b.Status
	// got is the store's booking after Release or Finish. It is applied
	// after publishing, so that what it triggers at once (a teardown due
	// with the end) is published after the event that caused it.
	var got *rooms.Booking
	switch kind {
	case NoShow:
		if status == rooms.StatusCheckedIn {
			// Checked in: nothing happens, so nothing is published.
			log.Debug("timeline: checked in, not released")
			s.settle(tr)
			return
		}
		reason := "no check-in by " + s.t.roomOf(room).Local(d.at)
		b, err := s.t.st.Release(id, reason)
		if err != nil {
			log.Error("timeline: releasing a no-show failed", "err", err)
			s.settle(tr)
			return
		}
		if b.Status != rooms.StatusReleased {
			log.Info("timeline: not released", "status", b.Status)
			s.changed(b, now)
			return
		}
		log.Info("timeline: released, nobody checked in", "reason", reason)
		got, status = &b, b.Status
	case End:
		if status == rooms.StatusEnded {
			break // ended early through the API: only published
		}
		b, err := s.t.st.Finish(id)
		if err != nil {
			log.Error("timeline: ending a booking failed", "err", err)
			s.settle(tr)
			return
		}
		if b.Status != rooms.StatusEnded {
			log.Info("timeline: not ended", "status", b.Status)
			s.changed(b, now)
			return
		}
		got, status = &b, b.Status
	}
	s.t.hub.publish(Event{Kind: kind, Booking: id, Room: room, At: d.at, Late: late, Status: status}, now)
	if got != nil {
		s.changed(*got, now)
	}
	s.settle(tr)
}

// resync replaces the loop's view by the store's after a dropped change.
func (s *state) resync(now time.Time) {
	bs, err := s.t.st.Pending(now)
	if err != nil {
		s.t.log.Error("timeline: resync failed", "err", err)
		return
	}
	seen := make(map[string]struct{}, len(bs))
	for _, b := range bs {
		seen[b.ID] = struct{}{}
		s.changed(b, now)
	}
	// A booking the store no longer lists as pending was cancelled,
	// released or ended meanwhile. Ended ones we keep: their teardown is
	// still ahead and Pending does not list ended bookings.
	var gone []*tracked
	s.bookings.each(func(id string, i int32) {
		if _, ok := seen[id]; !ok && s.recs.at(i).b.Status != rooms.StatusEnded {
			gone = append(gone, s.recs.at(i))
		}
	})
	for _, tr := range gone {
		s.unschedule(tr)
		s.bookings.del(tr.b.ID)
		s.recs.release(tr)
	}
}

// drainMailbox applies the changes already waiting.
func (s *state) drainMailbox() {
	for range mailboxSize {
		select {
		case b := <-s.t.mailbox:
			s.changed(b, s.t.now())
		default:
			return
		}
	}
}

// arm sets the one timer to the head of the queue.
func (s *state) arm(timer *time.Timer) {
	if len(s.q.es) == 0 {
		timer.Stop()
		return
	}
	timer.Reset(max(0, time.Unix(0, s.q.es[0].at).Sub(s.t.now())))
}
