package ical

import (
	"fmt"
	"time"
)

// A VTIMEZONE is generated from Go's tz data instead of being copied from
// a template: whatever zone a room is configured with, the calendar then
// agrees with how the daemon itself reads local times.

// transition is one change of a zone's UTC offset.
type transition struct {
	at       time.Time // the instant, UTC
	from, to int       // offsets in seconds before and after
	name     string    // abbreviation after (CET, CEST)
	dst      bool
}

// maxTransitions bounds the scan; real zones change twice a year.
const maxTransitions = 2000

// transitions lists the offset changes of zone in [from, to).
func transitions(zone *time.Location, from, to time.Time) []transition {
	var out []transition
	t := from
	for len(out) < maxTransitions {
		_, end := t.In(zone).ZoneBounds()
		if end.IsZero() || !end.After(t) || !end.Before(to) {
			break
		}
		_, before := t.In(zone).Zone()
		after := end.In(zone)
		name, off := after.Zone()
		t = end
		if off == before {
			continue // a new abbreviation only: local times do not move
		}
		out = append(out, transition{at: end.UTC(), from: before, to: off, name: name, dst: after.IsDST()})
	}
	return out
}

// observance is a STANDARD or DAYLIGHT block: one transition, or a run of
// yearly transitions that follow one rule.
type observance struct {
	dst      bool
	from, to int
	name     string
	first    time.Time // local wall clock (in the "from" offset) of the first onset
	last     time.Time // instant of the last onset, UTC
	month    time.Month
	clock    time.Duration // wall-clock time of day of the onset
	lastYear int
	n        int
	specs    []string // BYDAY/BYMONTHDAY forms every onset so far satisfies
}

// ruleSpecs lists the RRULE parts that describe the local date day: "last
// Sunday" (-1SU), "second Sunday" (2SU) and "the 21st" (BYMONTHDAY=21),
// in order of preference.
func ruleSpecs(day time.Time) []string {
	wd := [...]string{"SU", "MO", "TU", "WE", "TH", "FR", "SA"}[day.Weekday()]
	dim := time.Date(day.Year(), day.Month()+1, 0, 0, 0, 0, 0, time.UTC).Day()
	var specs []string
	if day.Day() > dim-7 {
		specs = append(specs, "BYDAY=-1"+wd)
	}
	specs = append(specs, fmt.Sprintf("BYDAY=%d%s", (day.Day()-1)/7+1, wd))
	return append(specs, fmt.Sprintf("BYMONTHDAY=%d", day.Day()))
}

func intersect(a, b []string) []string {
	var out []string
	for _, x := range a {
		for _, y := range b {
			if x == y {
				out = append(out, x)
			}
		}
	}
	return out
}

// observances groups transitions into yearly rules where they follow one.
func observances(ts []transition) []*observance {
	var out []*observance
	for _, t := range ts {
		wall := floating(t.at.Add(time.Duration(t.from) * time.Second))
		clock := wall.Sub(time.Date(wall.Year(), wall.Month(), wall.Day(), 0, 0, 0, 0, time.UTC))
		specs := ruleSpecs(wall)
		var joined bool
		for _, o := range out {
			if o.dst != t.dst || o.from != t.from || o.to != t.to || o.name != t.name ||
				o.month != wall.Month() || o.clock != clock || o.lastYear != wall.Year()-1 {
				continue
			}
			if common := intersect(o.specs, specs); len(common) > 0 {
				o.specs, o.last, o.lastYear, o.n = common, t.at, wall.Year(), o.n+1
				joined = true
				break
			}
		}
		if !joined {
			out = append(out, &observance{dst: t.dst, from: t.from, to: t.to, name: t.name, first: wall, last: t.at,
				month: wall.Month(), clock: clock, lastYear: wall.Year(), n: 1, specs: specs})
		}
	}
	return out
}

// writeVTimezone writes a VTIMEZONE for zone covering the years
// [fromYear, toYear]. A rule still in force in toYear is written without
// UNTIL, so calendars extend it to open-ended series.
func writeVTimezone(w *writer, zone *time.Location, fromYear, toYear int) {
	start := time.Date(fromYear, 1, 1, 0, 0, 0, 0, time.UTC)
	end := time.Date(toYear+1, 1, 1, 0, 0, 0, 0, time.UTC)
	obs := observances(transitions(zone, start, end))
	w.line("BEGIN:VTIMEZONE")
	w.line("TZID:" + escapeText(zone.String()))
	if len(obs) == 0 {
		// No change in the years covered: one observance fixes the offset.
		name, off := start.In(zone).Zone()
		w.line("BEGIN:STANDARD")
		w.line("DTSTART:19700101T000000")
		w.line("TZOFFSETFROM:" + utcOffset(off))
		w.line("TZOFFSETTO:" + utcOffset(off))
		w.line("TZNAME:" + escapeText(name))
		w.line("END:STANDARD")
	}
	for _, o := range obs {
		kind := "STANDARD"
		if o.dst {
			kind = "DAYLIGHT"
		}
		w.line("BEGIN:" + kind)
		w.line("DTSTART:" + o.first.Format(localFormat))
		w.line("TZOFFSETFROM:" + utcOffset(o.from))
		w.line("TZOFFSETTO:" + utcOffset(o.to))
		if o.n > 1 {
			rule := fmt.Sprintf("RRULE:FREQ=YEARLY;BYMONTH=%d;%s", int(o.month), o.specs[0])
			if o.lastYear < toYear {
				rule += ";UNTIL=" + o.last.Format(utcFormat)
			}
			w.line(rule)
		}
		if o.name != "" {
			w.line("TZNAME:" + escapeText(o.name))
		}
		w.line("END:" + kind)
	}
	w.line("END:VTIMEZONE")
}

// utcOffset renders seconds east of UTC as RFC 5545 UTC-OFFSET (+0100).
func utcOffset(sec int) string {
	sign := '+'
	if sec < 0 {
		sign, sec = '-', -sec
	}
	if s := sec % 60; s != 0 {
		return fmt.Sprintf("%c%02d%02d%02d", sign, sec/3600, sec/60%60, s)
	}
	return fmt.Sprintf("%c%02d%02d", sign, sec/3600, sec/60%60)
}
