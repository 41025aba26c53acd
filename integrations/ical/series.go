package ical

import (
	"sort"
	"strings"
	"time"

	"github.com/kogge-project/kogge/rooms"
)

// A series is written as one VEVENT with the stored RRULE, and the stored
// occurrences are reconciled against what that rule generates (its slots):
//
//   - an occurrence at its slot, unchanged: nothing to write, the rule has it;
//   - an exception (edited on its own) or an occurrence that differs from
//     the template (ended early, tentative, …): a VEVENT with RECURRENCE-ID;
//   - a cancelled or released occurrence: an EXDATE;
//   - a slot between the first and the last occurrence the caller passed
//     that no booking holds (skipped for a closure or conflict when the
//     series was planned): an EXDATE, so the calendar shows no meeting the
//     room does not have;
//   - an occurrence the rule cannot account for (written before the
//     series' time was changed): its own VEVENT with its own UID.
//
// A booking does not remember the slot it was moved away from, so a moved
// exception is matched to the nearest slot no other booking holds.

// slotMargin widens the expansion around the passed occurrences, so that a
// first or last occurrence moved inwards still finds its slot.
const slotMargin = 62 * 24 * time.Hour

type instantKey [2]int64

func key(t time.Time) instantKey { return instantKey{t.Unix(), int64(t.Nanosecond())} }

// exportRule returns the stored rule body as it may appear next to a
// DTSTART with TZID: RFC 5545 then wants UNTIL in UTC, while Kogge also
// stores a bare date or a floating time (see rooms.Series.Expand), which
// are converted to the instant they mean in zone.
func exportRule(rule string, zone *time.Location) (string, bool) {
	if rooms.ParseRule(rule) != nil {
		return "", false
	}
	parts := strings.Split(strings.ToUpper(strings.TrimSpace(rule)), ";")
	for i, p := range parts {
		k, v, _ := strings.Cut(p, "=")
		if k != "UNTIL" {
			continue
		}
		switch len(v) {
		case len(dateFormat):
			d, err := time.Parse(dateFormat, v)
			if err != nil {
				return "", false
			}
			// Through the end of that local day (whole seconds: the last
			// second a meeting can start).
			v = localInstant(d.AddDate(0, 0, 1), zone).Add(-time.Second).UTC().Format(utcFormat)
		case len(localFormat):
			d, err := time.Parse(localFormat, v)
			if err != nil {
				return "", false
			}
			v = localInstant(d, zone).UTC().Format(utcFormat)
		}
		parts[i] = k + "=" + v
	}
	return strings.Join(parts, ";"), true
}

// seriesEvents builds the VEVENTs of s from its occurrences occ (bookings
// with SeriesID == s.ID). standalone receives the occurrences that cannot
// be written as part of the series.
func (r *renderer) seriesEvents(s *rooms.Series, occ []*rooms.Booking) (evs []*vevent, standalone []*rooms.Booking) {
	zone := r.zoneFor(s.Template.Room)
	rule, ok := exportRule(s.Rule, zone)
	if !ok || s.ID == "" || s.Template.Start.IsZero() {
		return nil, occ
	}
	tpl := template(s)
	master := &vevent{uid: uid(s.ID), seq: sequence(s.Version), b: tpl, zone: zone,
		start: tpl.Start, end: tpl.End, rule: rule, status: icalStatus(tpl.Status), hidden: !r.isVisible(tpl)}
	exdates := make(map[instantKey]time.Time)
	for _, t := range s.ExDates {
		exdates[key(t)] = t
	}
	evs = append(evs, master)
	if len(occ) > 0 {
		var overrides []*vevent
		overrides, standalone, ok = r.reconcile(s, zone, occ, exdates)
		if !ok {
			// The rule cannot be expanded here (too many dates): every
			// meeting is written on its own, and the rule not at all.
			return nil, occ
		}
		evs = append(evs, overrides...)
	}
	for _, t := range exdates {
		master.exdates = append(master.exdates, t)
	}
	sort.Slice(master.exdates, func(i, j int) bool { return master.exdates[i].Before(master.exdates[j]) })
	return evs, standalone
}

// slotOf pairs an occurrence with the rule's slot it stands for.
type slotOf struct {
	slot time.Time
	b    *rooms.Booking
}

// assignSlots matches occurrences to the rule's slots in [lo-margin,
// hi+margin]; it returns the pairs, the occurrences without a slot, the
// slots nobody holds, and false if the rule cannot be expanded.
func assignSlots(s *rooms.Series, zone *time.Location, occ []*rooms.Booking) (pairs []slotOf, orphans []*rooms.Booking, free []time.Time, ok bool) {
	sort.SliceStable(occ, func(i, j int) bool { return occ[i].Start.Before(occ[j].Start) })
	lo, hi := occ[0].Start, occ[len(occ)-1].Start
	slots, err := s.Expand(zone, lo.Add(-slotMargin), hi.Add(slotMargin))
	if err != nil {
		return nil, nil, nil, false
	}
	index := make(map[instantKey]int, len(slots))
	for i, t := range slots {
		index[key(t)] = i
	}
	taken := make([]bool, len(slots))
	done := make([]bool, len(occ))
	claim := func(i int, b *rooms.Booking, slot int) {
		taken[slot], done[i] = true, true
		pairs = append(pairs, slotOf{slots[slot], b})
	}
	// Unedited occurrences first: they sit exactly on their slot. Then
	// exceptions still on a free slot (edited, not moved).
	for pass := 0; pass < 2; pass++ {
		for i, b := range occ {
			if done[i] || b.Exception != (pass == 1) {
				continue
			}
			if si, at := index[key(b.Start)]; at && !taken[si] {
				claim(i, b, si)
			}
		}
	}
	// Moved exceptions: the nearest free slot.
	for i, b := range occ {
		if done[i] || !b.Exception {
			continue
		}
		best := -1
		for si, t := range slots {
			if taken[si] {
				continue
			}
			if best < 0 || absDur(t.Sub(b.Start)) < absDur(slots[best].Sub(b.Start)) {
				best = si
			}
		}
		if best >= 0 {
			claim(i, b, best)
		}
	}
	for i, b := range occ {
		if !done[i] {
			orphans = append(orphans, b)
		}
	}
	for si, t := range slots {
		if !taken[si] && !t.Before(lo) && !t.After(hi) {
			free = append(free, t)
		}
	}
	return pairs, orphans, free, true
}

func absDur(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}

func (r *renderer) reconcile(s *rooms.Series, zone *time.Location, occ []*rooms.Booking, exdates map[instantKey]time.Time) (overrides []*vevent, standalone []*rooms.Booking, ok bool) {
	pairs, orphans, free, ok := assignSlots(s, zone, occ)
	if !ok {
		return nil, nil, false
	}
	for _, t := range free {
		exdates[key(t)] = t
	}
	for _, p := range pairs {
		b := p.b
		if gone(b.Status) {
			exdates[key(p.slot)] = p.slot
			continue
		}
		if !b.Exception && !r.differs(s, zone, p.slot, b) {
			continue
		}
		overrides = append(overrides, &vevent{uid: uid(s.ID), seq: sequence(b.Version), b: b, zone: zone,
			start: b.Start, end: b.End, recurrenceID: p.slot, status: icalStatus(b.Status), hidden: !r.isVisible(b)})
	}
	return overrides, orphans, true
}

// template is the booking a series' own VEVENT is written from: the
// Feed's functions can tell it by its SeriesID and empty ID.
func template(s *rooms.Series) *rooms.Booking {
	tpl := s.Template
	tpl.ID, tpl.SeriesID, tpl.Exception = "", s.ID, false
	if tpl.Created.IsZero() {
		tpl.Created = s.Created
	}
	if tpl.Updated.IsZero() || s.Updated.After(tpl.Updated) {
		tpl.Updated = s.Updated
	}
	return &tpl
}

// differs reports whether occurrence b would read differently from what
// the series' own VEVENT says about the slot.
func (r *renderer) differs(s *rooms.Series, zone *time.Location, slot time.Time, b *rooms.Booking) bool {
	want, tpl := s.Occurrence(zone, slot), template(s)
	if !b.Start.Equal(want.Start) || !b.End.Equal(want.End) ||
		icalStatus(b.Status) != icalStatus(tpl.Status) ||
		b.Title != want.Title || b.Room != want.Room || b.Notes != want.Notes ||
		b.Committee != want.Committee || b.Confidential != want.Confidential ||
		r.isVisible(b) != r.isVisible(tpl) {
		return true
	}
	return r.joinURL != nil && r.joinURL(b) != r.joinURL(tpl) ||
		r.dialIn != nil && r.dialIn(b) != r.dialIn(tpl)
}
