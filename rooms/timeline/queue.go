package timeline

import (
	"container/heap"
	"time"

	"github.com/kogge-project/kogge/rooms"
)

// endWarningLead is how long before the end the end warning fires.
const endWarningLead = 5 * time.Minute

// The kinds in the order of a booking's life; the index of a kind in this
// list is its slot in tracked.slots and its bit in tracked.done.
var lifecycle = [numKinds]Kind{Prep, Start, NoShow, EndWarning, End, Teardown}

const (
	slotPrep = iota
	slotStart
	slotNoShow
	slotEndWarning
	slotEnd
	slotTeardown
	numKinds
)

// tieRank orders events of different bookings due at the same instant:
// whatever closes a meeting comes before whatever opens the next one, so a
// room handed over at 10:00 sees "end" before the next "start". Within one
// booking it agrees with the lifecycle (prep < start < noshow,
// end_warning < end < teardown).
var tieRank = [numKinds]uint8{3, 4, 5, 0, 1, 2} // indexed by lifecycle slot

// item is one queued instant. It lives inside its booking's tracked record
// (one allocation per booking, not per instant) and knows its heap index so
// that a change removes it at once: Len stays honest and a booking moved a
// hundred times does not leave a hundred stale entries behind.
type item struct {
	at      int64 // UnixNano: compared a million times per rebuild, and no pointer for the GC
	slot    uint8
	booking string
	version uint64
	index   int // position in the queue, -1 when not queued
}

func (it *item) before(o *item) bool {
	if it.at != o.at {
		return it.at < o.at
	}
	if tieRank[it.slot] != tieRank[o.slot] {
		return tieRank[it.slot] < tieRank[o.slot]
	}
	return it.booking < o.booking
}

// queue is a min-heap of items (container/heap).
type queue []*item

func (q queue) Len() int           { return len(q) }
func (q queue) Less(i, j int) bool { return q[i].before(q[j]) }
func (q queue) Swap(i, j int) {
	q[i], q[j] = q[j], q[i]
	q[i].index = i
	q[j].index = j
}
func (q *queue) Push(x any) {
	it := x.(*item)
	it.index = len(*q)
	*q = append(*q, it)
}
func (q *queue) Pop() any {
	old := *q
	it := old[len(old)-1]
	old[len(old)-1] = nil
	it.index = -1
	*q = old[:len(old)-1]
	return it
}

func (q *queue) add(it *item)    { heap.Push(q, it) }
func (q *queue) remove(it *item) { heap.Remove(q, it.index) }

// booked is the part of a booking the timeline needs. Keeping only this,
// not the whole rooms.Booking, halves what a rebuild of 100k bookings
// allocates and gives the GC a third of the pointers to scan.
type booked struct {
	ID, Room        string
	Start, End      time.Time
	Teardown        time.Duration
	Status          rooms.Status
	CheckinRequired bool
	Version         uint64
}

func slim(b *rooms.Booking) booked {
	return booked{ID: b.ID, Room: b.Room, Start: b.Start, End: b.End, Teardown: b.Teardown,
		Status: b.Status, CheckinRequired: b.CheckinRequired, Version: b.Version}
}

// tracked is the timeline's view of one booking: the last version it saw,
// which kinds were already handled (fired or deliberately skipped), and the
// slots of its queued instants.
type tracked struct {
	b     booked
	done  uint8 // bit per lifecycle slot
	slots [numKinds]item
}

func newTracked(b booked) *tracked {
	tr := &tracked{}
	initTracked(tr, b)
	return tr
}

func initTracked(tr *tracked, b booked) {
	tr.b = b
	for i := range tr.slots {
		tr.slots[i] = item{slot: uint8(i), booking: b.ID, index: -1}
	}
}

func (tr *tracked) isDone(slot int) bool { return tr.done&(1<<slot) != 0 }
func (tr *tracked) markDone(slot int)    { tr.done |= 1 << slot }

// queued reports whether any of the booking's instants is still in the queue.
func (tr *tracked) queued() bool {
	for i := range tr.slots {
		if tr.slots[i].index >= 0 {
			return true
		}
	}
	return false
}

// instant is one event a booking is due, before it is queued or fired.
type instant struct {
	at   time.Time
	slot int
}

// instants lists a booking's events in lifecycle order, given its status
// and its room's settings. A booking that no longer blocks its room has
// none; an ended one only its end (published once) and teardown.
func instants(b *booked, room rooms.Room, out []instant) []instant {
	out = out[:0]
	if !b.Status.Blocks() {
		return out
	}
	end, teardown := b.End, b.End.Add(b.Teardown)
	if b.Status == rooms.StatusEnded {
		return append(out, instant{end, slotEnd}, instant{teardown, slotTeardown})
	}
	lead, grace := room.PrepLeadOrDefault(), room.CheckinGraceOrDefault()
	out = append(out, instant{b.Start.Add(-lead), slotPrep}, instant{b.Start, slotStart})
	// A booking shorter than the grace cannot be released: it is over
	// before anyone could have been late.
	if noshow := b.Start.Add(grace); b.CheckinRequired && b.Status != rooms.StatusCheckedIn && noshow.Before(end) {
		out = append(out, instant{noshow, slotNoShow})
	}
	// A booking of five minutes or less gets no warning: it would come
	// before, or with, the start.
	if warn := end.Add(-endWarningLead); warn.After(b.Start) {
		out = append(out, instant{warn, slotEndWarning})
	}
	return append(out, instant{end, slotEnd}, instant{teardown, slotTeardown})
}
