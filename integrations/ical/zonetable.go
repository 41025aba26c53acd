package ical

import (
	"cmp"
	"slices"
	"sort"
	"time"
)

// onset is an instant (Unix seconds: uploaded times have no fractions)
// at which an uploaded zone's offset becomes off. obs is the observance
// it comes from: of onsets at the same instant the first observance's
// wins. It is small, so that a long list of them stays in the cache.
type onset struct {
	at  int64
	off int32
	obs int32
}

// better reports whether a is the later onset (or, at the same instant,
// from an earlier observance).
func (a onset) better(b onset) bool {
	if a.at != b.at {
		return a.at > b.at
	}
	return a.obs < b.obs
}

// zoneTable is an uploaded VTIMEZONE made ready for many look-ups.
//
// Looking up an instant used to walk every observance and every RDATE of
// it, so n times in a zone with n RDATEs took n² steps: a 2 MB upload kept
// a core busy for two minutes (docs/security.md, "Limits"). Now the onsets
// are listed and sorted once, and each look-up is a binary search; rules
// without an end give their onsets year by year, kept once computed.
type zoneTable struct {
	p *parser
	z *vtimezone
	// fixed holds DTSTARTs, RDATEs and every onset of rules that end,
	// sorted by instant and, at the same instant, later observances first
	// (so the last one at or before t is the one that wins).
	fixed []onset
	open  []int           // observances whose rule has no end
	years map[int][]onset // their onsets by year, sorted as fixed
	// before is the offset before any onset: the earliest observance's
	// TZOFFSETFROM.
	before int
}

// lastYear is the last year in which r may have an onset; false for a
// rule without an end within the years a date can be written in.
func (r *yearlyRule) lastYear(startYear int) (int, bool) {
	last := 1 << 30
	if r.count > 0 && r.count < 1<<20 {
		last = startYear + r.count - 1
	}
	if !r.until.IsZero() {
		last = min(last, r.until.Year())
	}
	return last, last < 10000
}

// ruleOnset is o's rule's onset in year y, as wall-clock time.
func (o *tzObservance) ruleOnset(y int) (time.Time, bool) {
	r := o.rule
	startYear := o.start.Year()
	if last, _ := r.lastYear(startYear); y < startYear || y > last {
		return time.Time{}, false
	}
	d, ok := r.day(y)
	if !ok {
		return time.Time{}, false
	}
	clock := o.start.Sub(time.Date(startYear, o.start.Month(), o.start.Day(), 0, 0, 0, 0, time.UTC))
	wall := d.Add(clock)
	if wall.Before(o.start) || !r.until.IsZero() && wall.Add(-time.Duration(o.from)*time.Second).After(r.until) {
		return time.Time{}, false
	}
	return wall, true
}

func (o *tzObservance) onset(wall time.Time, i int) onset {
	return onset{at: wall.Unix() - int64(o.from), off: int32(o.to), obs: int32(i)}
}

func compareOnsets(a, b onset) int {
	if c := cmp.Compare(a.at, b.at); c != 0 {
		return c
	}
	return cmp.Compare(b.obs, a.obs)
}

// compile lists z's onsets. The onsets of rules that end count as date
// values (MaxImportDates), like the RDATEs they stand for.
func (p *parser) compile(z *vtimezone) (*zoneTable, error) {
	zt := &zoneTable{p: p, z: z, years: make(map[int][]onset)}
	n := 0
	for _, o := range z.obs {
		n += 1 + len(o.rdates)
	}
	zt.fixed = make([]onset, 0, n)
	for i, o := range z.obs {
		zt.fixed = append(zt.fixed, o.onset(o.start, i))
		for _, d := range o.rdates {
			zt.fixed = append(zt.fixed, o.onset(d, i))
		}
		if o.rule == nil {
			continue
		}
		last, ends := o.rule.lastYear(o.start.Year())
		if !ends {
			zt.open = append(zt.open, i)
			continue
		}
		for y := o.start.Year(); y <= last; y++ {
			if err := p.charge(1, o.line); err != nil {
				return nil, err
			}
			if wall, ok := o.ruleOnset(y); ok {
				zt.fixed = append(zt.fixed, o.onset(wall, i))
			}
		}
	}
	slices.SortFunc(zt.fixed, compareOnsets)
	earliest := z.obs[0]
	for _, o := range z.obs[1:] {
		if o.start.Before(earliest.start) {
			earliest = o
		}
	}
	zt.before = earliest.from
	return zt, nil
}

// yearOnsets are the open rules' onsets in year y. Computing a year counts
// its onsets as date values; a file that goes beyond the limit this way
// is stopped by times, which reads p.err.
func (zt *zoneTable) yearOnsets(y int) []onset {
	if list, ok := zt.years[y]; ok {
		return list
	}
	var list []onset
	for _, i := range zt.open {
		o := zt.z.obs[i]
		if wall, ok := o.ruleOnset(y); ok {
			list = append(list, o.onset(wall, i))
		}
	}
	slices.SortFunc(list, compareOnsets)
	if err := zt.p.charge(len(zt.open), zt.z.line); err != nil && zt.p.err == nil {
		zt.p.err = err
	}
	zt.years[y] = list
	return list
}

// offsetAt is the offset in force at t: that of the latest onset at or
// before it, or before any onset the earliest observance's TZOFFSETFROM.
func (zt *zoneTable) offsetAt(t time.Time) int {
	var best onset
	found := false
	at := t.Unix()
	take := func(list []onset) {
		i := sort.Search(len(list), func(i int) bool { return list[i].at > at }) - 1
		if i >= 0 && (!found || list[i].better(best)) {
			best, found = list[i], true
		}
	}
	take(zt.fixed)
	if len(zt.open) > 0 {
		take(zt.yearOnsets(t.Year() - 1))
		take(zt.yearOnsets(t.Year()))
	}
	if found {
		return int(best.off)
	}
	return zt.before
}
