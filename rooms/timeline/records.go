package timeline

import (
	"time"

	"github.com/kogge-project/kogge/rooms"
)

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
// which kinds were already handled (fired or deliberately skipped), and
// where its queued instants are.
type tracked struct {
	b    booked
	rec  int32           // its index in the records
	done uint8           // bit per lifecycle slot
	pos  [numKinds]int32 // per lifecycle slot: index in the queue, -1 when not queued
}

func initTracked(tr *tracked, b booked) {
	tr.b, tr.done = b, 0
	for i := range tr.pos {
		tr.pos[i] = -1
	}
}

func (tr *tracked) isDone(slot int) bool { return tr.done&(1<<slot) != 0 }
func (tr *tracked) markDone(slot int)    { tr.done |= 1 << slot }

// queued reports whether any of the booking's instants is still in the queue.
func (tr *tracked) queued() bool {
	for _, p := range tr.pos {
		if p >= 0 {
			return true
		}
	}
	return false
}

// recChunk: records are allocated this many at a time (100,000 small
// allocations were a third of a rebuild).
const recChunk = 1024

// records holds every tracked booking in chunks that never move, so a
// *tracked stays valid and the queue can name a booking by a 4-byte index.
// A record given up (release) is reused only after reclaim, which Run calls
// between two rounds of its loop: within a round a *tracked held in a due
// still means the booking it meant, and a released one is told apart as
// before, by the map no longer pointing to it. The chunks stay allocated
// at the largest number of bookings tracked at once (about 150 bytes a
// booking) and are reused for new ones.
type records struct {
	chunks [][]tracked
	n      int32   // records handed out so far, freed ones included
	free   []int32 // reusable
	freed  []int32 // released this round: reusable after reclaim
}

func (r *records) at(i int32) *tracked { return &r.chunks[i/recChunk][i%recChunk] }

// alloc returns a record for b.
func (r *records) alloc(b booked) *tracked {
	var i int32
	if n := len(r.free); n > 0 {
		i, r.free = r.free[n-1], r.free[:n-1]
	} else {
		i = r.n
		r.n++
		if int(i/recChunk) == len(r.chunks) {
			r.chunks = append(r.chunks, make([]tracked, recChunk))
		}
	}
	tr := r.at(i)
	tr.rec = i
	initTracked(tr, b)
	return tr
}

// release gives up tr, which has nothing queued.
func (r *records) release(tr *tracked) { r.freed = append(r.freed, tr.rec) }

// reclaim makes the records released so far reusable; their strings are
// dropped for the GC.
func (r *records) reclaim() {
	for _, i := range r.freed {
		*r.at(i) = tracked{}
	}
	r.free = append(r.free, r.freed...)
	r.freed = r.freed[:0]
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
