package bookings

import (
	"time"

	"github.com/kogge-project/kogge/rooms"
)

// SeriesGaps returns the dates the series' rule names (up to what is
// stored) that hold no meeting: left out when the series was booked or
// extended, because the day was a closure, the room was taken or its rules
// refused it. The series record keeps no list of them, so they are found
// by laying the stored meetings (occ) over the rule's dates. Meetings are
// matched by local day, not instant: a series whose times were changed
// from a date on keeps its earlier meetings at the old time. A meeting
// moved to another day on its own frees no date: it stands for the
// nearest date nobody holds. A series whose room left the config has none.
func (s *Service) SeriesGaps(sr rooms.Series, occ []rooms.Booking) []Skip {
	room, ok := s.o.Room(sr.Template.Room)
	if !ok {
		return nil
	}
	zone := room.Zone
	if zone == nil {
		zone = time.UTC
	}
	// From the earliest meeting still stored once that is past: the purge
	// removes old meetings and keeps the series, and those dates were not
	// left out. (Dates left out before it are past too.)
	from := sr.Template.Start
	if len(occ) > 0 {
		earliest := occ[0].Start
		for _, b := range occ[1:] {
			if b.Start.Before(earliest) {
				earliest = b.Start
			}
		}
		if y, m, d := earliest.In(zone).Date(); earliest.After(from) && earliest.Before(s.o.Now()) {
			from = time.Date(y, m, d, 0, 0, 0, 0, zone) // the whole day: a meeting may have moved within it
		}
	}
	slots, err := sr.Expand(zone, from, sr.MaterialisedUntil)
	if err != nil || len(slots) == 0 {
		return nil
	}
	day := func(t time.Time) string { return t.In(zone).Format(time.DateOnly) }
	held := make(map[string]int, len(occ))
	for _, b := range occ {
		held[day(b.Start)]++
	}
	var free []time.Time
	for _, t := range slots {
		if held[day(t)] > 0 {
			held[day(t)]--
			continue
		}
		free = append(free, t)
	}
	for _, b := range occ { // meetings on a day the rule does not name
		if held[day(b.Start)] == 0 || len(free) == 0 {
			continue
		}
		held[day(b.Start)]--
		near := 0
		for i, t := range free {
			if absDuration(t.Sub(b.Start)) < absDuration(free[near].Sub(b.Start)) {
				near = i
			}
		}
		free = append(free[:near], free[near+1:]...)
	}
	closures := s.closures()
	out := make([]Skip, 0, len(free))
	for _, t := range free {
		k := Skip{Start: t, Kind: SkipRules, Reason: "not booked"}
		if cl, ok := rooms.ClosureFor(closures, room, t); ok {
			k.Kind, k.Closure, k.Reason = SkipClosure, &cl, "closure"
		} else if want := sr.Occurrence(zone, t); rooms.Validate(&want, room, t, false) == nil {
			// The room's rules allow the day: something else had it.
			k.Kind, k.Reason = SkipConflict, "conflict"
			if others, err := s.o.Store.Overlapping(room.ID, want.OccupiedFrom(), want.OccupiedUntil()); err == nil {
				for _, o := range others {
					if o.SeriesID != sr.ID && o.Status.Blocks() {
						k.Conflicts = append(k.Conflicts, o)
					}
				}
			}
		}
		out = append(out, k)
	}
	return out
}

func absDuration(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}
