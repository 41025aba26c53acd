package timeline

import (
	"slices"
	"strings"
)

// index finds a tracked booking's record by id. The rebuild's bookings
// come from the store in id order (store.EachPendingTimed), and those go
// into a sorted slice, found by binary search, instead of a hash map:
// 100,000 map inserts into fresh memory were a sixth of a rebuild's time.
// Bookings created later mostly have larger ids (ULIDs grow with time) and
// are appended as well; any other id goes to the map.
type index struct {
	sorted []keyed // ascending by id; rec is -1 once the booking is forgotten
	live   int     // entries of sorted with rec >= 0
	m      map[string]int32
}

type keyed struct {
	id  string
	rec int32
}

func (x *index) reserve(n int) { x.sorted = make([]keyed, 0, n) }

func (x *index) len() int { return x.live + len(x.m) }

func (x *index) search(id string) (int, bool) {
	return slices.BinarySearchFunc(x.sorted, id, func(k keyed, id string) int { return strings.Compare(k.id, id) })
}

// get returns id's record.
func (x *index) get(id string) (int32, bool) {
	if rec, ok := x.m[id]; ok {
		return rec, true
	}
	if i, ok := x.search(id); ok && x.sorted[i].rec >= 0 {
		return x.sorted[i].rec, true
	}
	return 0, false
}

// put records id's record, unless id has one already (then it reports
// false and changes nothing).
func (x *index) put(id string, rec int32) bool {
	if n := len(x.sorted); n == 0 || x.sorted[n-1].id < id {
		x.sorted = append(x.sorted, keyed{id, rec})
		x.live++
		return true
	}
	if _, ok := x.m[id]; ok {
		return false
	}
	if i, ok := x.search(id); ok {
		if x.sorted[i].rec >= 0 {
			return false
		}
		x.sorted[i].rec = rec
		x.live++
		return true
	}
	if x.m == nil {
		x.m = make(map[string]int32)
	}
	x.m[id] = rec
	return true
}

// del forgets id. Once most of sorted is forgotten it is compacted, so
// that it shrinks as the rebuild's bookings end.
func (x *index) del(id string) {
	if _, ok := x.m[id]; ok {
		delete(x.m, id)
		return
	}
	i, ok := x.search(id)
	if !ok || x.sorted[i].rec < 0 {
		return
	}
	x.sorted[i].rec = -1
	x.live--
	if len(x.sorted) > 1024 && x.live < len(x.sorted)/4 {
		x.sorted = slices.Clip(slices.DeleteFunc(x.sorted, func(k keyed) bool { return k.rec < 0 }))
	}
}

// each calls fn with every id and its record; fn must not put or del.
func (x *index) each(fn func(id string, rec int32)) {
	for _, k := range x.sorted {
		if k.rec >= 0 {
			fn(k.id, k.rec)
		}
	}
	for id, rec := range x.m {
		fn(id, rec)
	}
}
