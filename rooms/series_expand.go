package rooms

import (
	"time"

	"github.com/teambition/rrule-go"
)

// MaxExpand bounds the occurrences one Expand call returns: a request may
// not make the daemon build (and the store write) an unbounded list.
const MaxExpand = 5000

// CodeTooManyOccurrences is the problem code when a window holds more than
// MaxExpand occurrences.
const CodeTooManyOccurrences = "too-many-occurrences"

// Expand returns the starts of the occurrences in [from, to), in
// chronological order and in UTC, with ExDates (compared as instants)
// removed. COUNT counts the dates before ExDates are removed (RFC 5545).
//
// The rule runs on floating wall-clock times: DTSTART is the template's
// start as read in zone, and each generated wall-clock time is then placed
// in zone by localInstant. A weekly 17:00 series thus stays 17:00 local
// across DST changes. rrule-go is not given the zone itself because
// time.Date, which it uses, picks the later instant of an ambiguous
// fall-back time, and RFC 5545 wants the earlier.
func (s *Series) Expand(zone *time.Location, from, to time.Time) ([]time.Time, error) {
	zone = orUTC(zone)
	r, err := parseRule(s.Rule)
	if err != nil {
		return nil, err
	}
	if s.Template.Start.IsZero() {
		e := &ValidationError{}
		e.add("start", CodeInvalidField, "field.series-start", nil, "A series needs the date and time of its first meeting.")
		return nil, e
	}
	until, bounded := r.untilInstant(zone)
	opt := r.opt
	opt.Dtstart = Floating(s.Template.Start.In(zone))
	if bounded {
		// A day's margin lets rrule-go stop on its own; the exact
		// comparison is below, on instants.
		opt.Until = Floating(until.In(zone)).Add(24 * time.Hour)
	}
	rr, err := rrule.NewRRule(opt)
	if err != nil { // parseRule probed the same options
		return nil, libraryError(err)
	}
	// Wall-clock times more than a day before from cannot land in the window
	// (offsets are below 24 h), so they are skipped without placing them.
	skipBelow := Floating(from.In(zone)).Add(-24 * time.Hour)

	excluded := newExdates(s.ExDates)
	var out []time.Time
	next := rr.Iterator()
	for wall, ok := next(); ok; wall, ok = next() {
		if wall.Before(skipBelow) {
			continue
		}
		start := LocalInstant(wall, zone)
		if bounded && start.After(until) || !start.Before(to) {
			break
		}
		if start.Before(from) || excluded.has(start) {
			continue
		}
		if len(out) == MaxExpand {
			e := &ValidationError{}
			e.add("rule", CodeTooManyOccurrences, "rule.too-many-dates", vals{"max": MaxExpand, "from": from.In(zone), "to": to.In(zone)}, "The series has more than %d dates between %s and %s; choose a shorter span.",
				MaxExpand, from.In(zone).Format("02.01.2006"), to.In(zone).Format("02.01.2006"))
			return nil, e
		}
		out = append(out, start.UTC())
	}
	return out, nil
}

// exdates is the set of a series' ExDates, keyed by instant (not by
// time.Time, whose == also compares the zone).
type exdates map[[2]int64]struct{}

func newExdates(ts []time.Time) exdates {
	if len(ts) == 0 {
		return nil
	}
	set := make(exdates, len(ts))
	for _, t := range ts {
		set[[2]int64{t.Unix(), int64(t.Nanosecond())}] = struct{}{}
	}
	return set
}

func (e exdates) has(t time.Time) bool {
	_, ok := e[[2]int64{t.Unix(), int64(t.Nanosecond())}]
	return ok
}

// untilInstant is the last instant an occurrence may start at.
func (r *rule) untilInstant(zone *time.Location) (time.Time, bool) {
	switch r.untilForm {
	case untilUTC:
		return r.until, true
	case untilFloating:
		return LocalInstant(r.until, zone), true
	case untilDate:
		return LocalInstant(r.until.AddDate(0, 0, 1), zone).Add(-time.Nanosecond), true
	}
	return time.Time{}, false
}

// Open reports whether the rule has neither COUNT nor UNTIL, so the series
// is materialised over a rolling horizon. An invalid rule is not open:
// there is nothing to extend.
func (s *Series) Open() bool {
	r, err := parseRule(s.Rule)
	return err == nil && r.opt.Count == 0 && r.untilForm == untilNone
}

// Occurrence builds the booking for the occurrence starting at start: the
// template with the series' wall-clock times on start's local date. The
// per-booking bookkeeping (id, version, audit times) is left to the store.
func (s *Series) Occurrence(zone *time.Location, start time.Time) Booking {
	zone = orUTC(zone)
	b := s.Template
	b.ID, b.Version, b.CreatedBy = "", 0, ""
	b.Created, b.Updated, b.CheckedIn = time.Time{}, time.Time{}, time.Time{}
	b.SeriesID, b.Exception = s.ID, false
	b.Start = start.UTC()
	b.End = s.endFor(zone, start).UTC()
	return b
}

// endFor is the template's wall-clock end on the occurrence's date. The
// nominal start (the template's time of day) is used rather than start
// itself, so that an occurrence moved out of a spring-forward gap
// (02:30 → 03:30) still ends when the template says.
func (s *Series) endFor(zone *time.Location, start time.Time) time.Time {
	tStart, tEnd := Floating(s.Template.Start.In(zone)), Floating(s.Template.End.In(zone))
	length := tEnd.Sub(tStart)
	wall := Floating(start.In(zone))
	h, m, sec := tStart.Clock()
	for _, day := range []time.Time{wall, wall.AddDate(0, 0, -1)} {
		y, mo, d := day.Date()
		nominal := time.Date(y, mo, d, h, m, sec, tStart.Nanosecond(), time.UTC)
		if LocalInstant(nominal, zone).Equal(start) {
			wall = nominal
			break
		}
	}
	end := LocalInstant(wall.Add(length), zone)
	if !end.After(start) { // the whole template fell into a gap
		end = start.Add(length)
	}
	return end
}

func orUTC(zone *time.Location) *time.Location {
	if zone == nil {
		return time.UTC
	}
	return zone
}
