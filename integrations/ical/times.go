package ical

import (
	"time"
)

const (
	utcFormat   = "20060102T150405Z"
	localFormat = "20060102T150405"
	dateFormat  = "20060102"
)

// isUTC reports whether times in zone are written as UTC ("…Z") without a
// VTIMEZONE.
func isUTC(zone *time.Location) bool {
	return zone == nil || zone == time.UTC || zone.String() == "UTC"
}

// dateTime renders name with t as a DATE-TIME: in UTC, or as wall clock
// with a TZID that the calendar's VTIMEZONE defines.
func dateTime(name string, t time.Time, zone *time.Location) string {
	if isUTC(zone) {
		return name + ":" + t.UTC().Format(utcFormat)
	}
	return name + ";TZID=" + paramValue(zone.String()) + ":" + t.In(zone).Format(localFormat)
}

// dateTimes renders several instants as one multi-valued property (EXDATE).
func dateTimes(name string, ts []time.Time, zone *time.Location) string {
	head := dateTime(name, ts[0], zone)
	for _, t := range ts[1:] {
		if isUTC(zone) {
			head += "," + t.UTC().Format(utcFormat)
		} else {
			head += "," + t.In(zone).Format(localFormat)
		}
	}
	return head
}

// floating returns t's wall clock as a UTC time: a "floating" time in RFC
// 5545 terms, free of any zone's DST.
func floating(t time.Time) time.Time {
	y, mo, d := t.Date()
	h, m, s := t.Clock()
	return time.Date(y, mo, d, h, m, s, t.Nanosecond(), time.UTC)
}

// offsetFunc gives a zone's UTC offset in seconds at an instant.
type offsetFunc func(time.Time) int

func locationOffsets(zone *time.Location) offsetFunc {
	return func(t time.Time) int {
		_, off := t.In(zone).Zone()
		return off
	}
}

// localInstant places a floating wall-clock time in zone as RFC 5545 3.3.5
// says, the same way rooms.Series.Expand does: an ambiguous time (fall
// back) is its first occurrence; a time in a spring-forward gap is read
// with the offset before the gap, which moves it forward (02:30 → 03:30).
// time.Date would pick the later instant of an ambiguous time.
func localInstant(wall time.Time, zone *time.Location) time.Time {
	if isUTC(zone) {
		return wall
	}
	return placeWall(wall, locationOffsets(zone))
}

// placeWall is localInstant for any zone given by its offsets, so that a
// VTIMEZONE read from an upload is applied by the same rules.
func placeWall(wall time.Time, offset offsetFunc) time.Time {
	// Offsets are under a day, so a day either side lies outside any
	// transition near wall.
	before := offset(wall.Add(-24 * time.Hour))
	after := offset(wall.Add(24 * time.Hour))
	early := wall.Add(-time.Duration(before) * time.Second)
	late := wall.Add(-time.Duration(after) * time.Second)
	if late.Before(early) {
		early, late = late, early
	}
	shows := func(t time.Time) bool {
		return t.Add(time.Duration(offset(t)) * time.Second).Equal(wall)
	}
	switch {
	case shows(early):
		return early
	case shows(late):
		return late
	}
	return wall.Add(-time.Duration(before) * time.Second)
}
