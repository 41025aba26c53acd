package ical

import (
	"time"

	"github.com/kogge-project/kogge/rooms"
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

// floating is rooms.Floating: t's wall clock as a UTC time.
func floating(t time.Time) time.Time { return rooms.Floating(t) }

// localInstant places a floating wall-clock time in zone as RFC 5545 3.3.5
// says, as the series expansion does (rooms.LocalInstant).
func localInstant(wall time.Time, zone *time.Location) time.Time {
	if isUTC(zone) {
		return wall
	}
	return rooms.LocalInstant(wall, zone)
}

// placeWall is localInstant for a zone given by its offsets (a VTIMEZONE
// read from an upload), by the same rules.
func placeWall(wall time.Time, offset offsetFunc) time.Time { return rooms.PlaceWall(wall, offset) }

// offsetFunc gives a zone's UTC offset in seconds at an instant.
type offsetFunc func(time.Time) int
