package rooms

import "time"

// Wall-clock times, as recurrence rules and calendars write them: "17:00
// every second Tuesday" means 17:00 in the room's zone whatever DST does.
// The series expansion (series_expand.go) and the iCalendar reader and
// writer (integrations/ical) place them the same way, with these.

// Floating returns t's wall clock as a UTC time: a "floating" time in RFC
// 5545 terms, free of any zone's DST.
func Floating(t time.Time) time.Time {
	y, mo, d := t.Date()
	h, m, s := t.Clock()
	return time.Date(y, mo, d, h, m, s, t.Nanosecond(), time.UTC)
}

// LocalInstant places a floating wall-clock time in zone as RFC 5545
// 3.3.5 says: an ambiguous time (fall-back) is its first occurrence; a time
// in a spring-forward gap is read with the offset before the gap, which
// moves it forward by the gap (02:30 → 03:30). (time.Date would pick the
// later instant of an ambiguous time.)
func LocalInstant(wall time.Time, zone *time.Location) time.Time {
	if zone == nil || zone == time.UTC {
		return wall
	}
	offset := ZoneOffsets(zone)
	t, ok := placeWall(wall, offset)
	if !ok && offset(wall.Add(-24*time.Hour)) == offset(wall.Add(24*time.Hour)) {
		// Two transitions within two days (no real zone has them): trust
		// Go's own reading.
		y, mo, d := wall.Date()
		h, m, s := wall.Clock()
		return time.Date(y, mo, d, h, m, s, wall.Nanosecond(), zone)
	}
	return t
}

// ZoneOffsets gives a zone's UTC offset in seconds at an instant.
func ZoneOffsets(zone *time.Location) func(time.Time) int {
	return func(t time.Time) int {
		_, off := t.In(zone).Zone()
		return off
	}
}

// PlaceWall is LocalInstant for a zone given by its offsets (a VTIMEZONE
// read from an uploaded calendar), by the same rules.
func PlaceWall(wall time.Time, offset func(time.Time) int) time.Time {
	t, _ := placeWall(wall, offset)
	return t
}

// placeWall reports whether the instant it returns really shows wall (not
// so in a spring-forward gap, where it is moved forward).
func placeWall(wall time.Time, offset func(time.Time) int) (time.Time, bool) {
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
		return early, true
	case shows(late):
		return late, true
	}
	return wall.Add(-time.Duration(before) * time.Second), false
}
