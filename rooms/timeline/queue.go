package timeline

import (
	"time"
)

// endWarningLead is how long before the end the end warning fires.
const endWarningLead = 5 * time.Minute

// The kinds in the order of a booking's life; the index of a kind in this
// list is its slot in tracked.pos and its bit in tracked.done.
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

// earlier orders two instants: by time, then tieRank, then booking id.
func earlier(at int64, slot uint8, id string, oat int64, oslot uint8, oid string) bool {
	if at != oat {
		return at < oat
	}
	if tieRank[slot] != tieRank[oslot] {
		return tieRank[slot] < tieRank[oslot]
	}
	return id < oid
}

// entry is one queued instant: when, whose (an index into the records)
// and which. It holds no pointer, so the GC never looks into a queue of
// half a million entries, and the heap compares within one flat array;
// only instants due together in the same rank look up their bookings' ids.
type entry struct {
	at   int64 // UnixNano
	rec  int32
	slot uint8
	rank uint8 // tieRank[slot]
}

// queue is a min-heap of entries. Each booking's record knows where its
// entries are (tracked.pos), so that a change removes them at once: Len
// stays honest and a booking moved a hundred times does not leave a
// hundred stale entries behind.
type queue struct {
	es   []entry
	recs *records
}

func (q *queue) len() int { return len(q.es) }

func (q *queue) less(i, j int) bool {
	a, b := &q.es[i], &q.es[j]
	if a.at != b.at {
		return a.at < b.at
	}
	if a.rank != b.rank {
		return a.rank < b.rank
	}
	return q.recs.at(a.rec).b.ID < q.recs.at(b.rec).b.ID
}

// swap exchanges two entries; with track set it updates their records'
// positions (init leaves that to one pass at the end).
func (q *queue) swap(i, j int, track bool) {
	q.es[i], q.es[j] = q.es[j], q.es[i]
	if track {
		q.place(i)
		q.place(j)
	}
}

// place tells entry i's record where the entry is.
func (q *queue) place(i int) {
	e := &q.es[i]
	q.recs.at(e.rec).pos[e.slot] = int32(i)
}

// push appends an instant of tr without restoring the heap order: the
// rebuild appends them all, then calls init once (O(n), not n pushes).
func (q *queue) push(tr *tracked, slot int, at int64) {
	tr.pos[slot] = int32(len(q.es))
	q.es = append(q.es, entry{at: at, rec: tr.rec, slot: uint8(slot), rank: tieRank[slot]})
}

// init orders what push appended.
func (q *queue) init() {
	n := len(q.es)
	for i := n/2 - 1; i >= 0; i-- {
		q.down(i, n, false)
	}
	for i := range q.es {
		q.place(i)
	}
}

func (q *queue) add(tr *tracked, slot int, at int64) {
	q.push(tr, slot, at)
	q.up(len(q.es)-1, true)
}

// remove takes tr's instant in slot out of the queue.
func (q *queue) remove(tr *tracked, slot int) {
	i, n := int(tr.pos[slot]), len(q.es)-1
	if n != i {
		q.swap(i, n, true)
		if !q.down(i, n, true) {
			q.up(i, true)
		}
	}
	q.es = q.es[:n]
	tr.pos[slot] = -1
}

// pop removes and returns the earliest entry.
func (q *queue) pop() entry {
	n := len(q.es) - 1
	q.swap(0, n, true)
	q.down(0, n, true)
	e := q.es[n]
	q.es = q.es[:n]
	q.recs.at(e.rec).pos[e.slot] = -1
	return e
}

// up and down are container/heap's, on the entries themselves.
func (q *queue) up(j int, track bool) {
	for {
		i := (j - 1) / 2 // parent
		if i == j || !q.less(j, i) {
			break
		}
		q.swap(i, j, track)
		j = i
	}
}

func (q *queue) down(i0, n int, track bool) bool {
	i := i0
	for {
		j1 := 2*i + 1
		if j1 >= n || j1 < 0 { // j1 < 0 after int overflow
			break
		}
		j := j1 // left child
		if j2 := j1 + 1; j2 < n && q.less(j2, j1) {
			j = j2 // = 2*i + 2  // right child
		}
		if !q.less(j, i) {
			break
		}
		q.swap(i, j, track)
		i = j
	}
	return i > i0
}
