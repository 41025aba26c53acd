package timeline

import (
	"container/heap"
	"slices"
	"time"

	"github.com/kogge-project/kogge/rooms"
)

// state is everything the loop owns. Only Run's goroutine touches it.
type state struct {
	t        *Timeline
	q        queue
	bookings map[string]*tracked // every booking with an instant queued
	scratch  []instant
}

func newState(t *Timeline) *state {
	return &state{t: t, bookings: make(map[string]*tracked), scratch: make([]instant, 0, numKinds)}
}

// rebuild fills the queue from the store's pending bookings and applies
// the restart catch-up rules to instants that passed while the daemon was
// down. The queue is built in one heap.Init (O(n)), not n pushes.
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
	slab   []tracked
}

// slabSize: trackeds are allocated this many at a time, not one by one
// (100,000 small allocations were a third of a rebuild).
const slabSize = 1024

func (s *state) startRebuild(hint int, now time.Time) *rebuilding {
	s.q = make(queue, 0, hint*5) // five instants a booking, six with check-in
	s.bookings = make(map[string]*tracked, hint)
	return &rebuilding{s: s, now: now}
}

// add takes one pending booking; b may be reused by the caller afterwards.
func (r *rebuilding) add(bk *rooms.Booking) {
	s, now := r.s, r.now
	if !bk.Status.Blocks() {
		return
	}
	b := slim(bk)
	if _, ok := s.bookings[b.ID]; ok {
		// Undoing the first copy's queued items would cost more than
		// this store bug deserves; the next Changed corrects it.
		s.t.log.Warn("timeline: store listed a booking twice; keeping the first", "booking", b.ID)
		return
	}
	if len(r.slab) == 0 {
		r.slab = make([]tracked, slabSize)
	}
	tr := &r.slab[0]
	r.slab = r.slab[1:]
	initTracked(tr, b)
	s.bookings[b.ID] = tr
	for _, in := range instants(&tr.b, s.t.roomOf(b.Room), s.scratch) {
		if !in.at.Before(now) {
			it := &tr.slots[in.slot]
			it.at, it.version, it.index = in.at.UnixNano(), b.Version, len(s.q)
			s.q = append(s.q, it)
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
	heap.Init(&s.q)
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
	tr := s.bookings[b.ID]
	if tr == nil {
		if !b.Status.Blocks() || !b.OccupiedUntil().After(now) {
			return // nothing left to fire
		}
		tr = newTracked(slim(&b))
		s.bookings[b.ID] = tr
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
			it := &tr.slots[in.slot]
			it.at, it.version = in.at.UnixNano(), tr.b.Version
			s.q.add(it)
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
	for i := range tr.slots {
		if it := &tr.slots[i]; it.index >= 0 {
			s.q.remove(it)
		}
	}
}

// settle forgets a booking with nothing left in the queue.
func (s *state) settle(tr *tracked) {
	if !tr.queued() && s.bookings[tr.b.ID] == tr {
		delete(s.bookings, tr.b.ID)
	}
}

// fireDue fires every queued instant up to now, in queue order.
func (s *state) fireDue(now time.Time) {
	for len(s.q) > 0 && s.q[0].at <= now.UnixNano() {
		it := heap.Pop(&s.q).(*item)
		tr := s.bookings[it.booking]
		if tr == nil || it.version != tr.b.Version {
			continue // unreachable while changes remove items eagerly; kept as a guard
		}
		s.fire(due{tr: tr, at: time.Unix(0, it.at).UTC(), slot: int(it.slot), version: it.version}, false, now)
	}
}

// fire applies one instant: the no-show check and the end change the
// store; every kind is published unless the change did not happen.
func (s *state) fire(d due, late bool, now time.Time) {
	tr := d.tr
	if s.bookings[tr.b.ID] != tr || tr.b.Version != d.version {
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
	for id, tr := range s.bookings {
		if _, ok := seen[id]; !ok && tr.b.Status != rooms.StatusEnded {
			s.unschedule(tr)
			delete(s.bookings, id)
		}
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
	if len(s.q) == 0 {
		timer.Stop()
		return
	}
	timer.Reset(max(0, time.Unix(0, s.q[0].at).Sub(s.t.now())))
}
