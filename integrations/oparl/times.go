package oparl

import (
	"errors"
	"time"
)

// Placeholder ends. OParl makes a meeting's end optional, and several
// council information systems fill the field anyway when nobody entered
// an end: with midnight at the start of the meeting day ("start"
// 19:00, "end" 00:00 the same day), midnight at its end, a date without a
// time, or the start itself. Refusing such a meeting (it "ends before it
// starts") would leave a city whose system always does this with almost
// nothing booked, so an end is taken as missing when
//
//   - it is at or before the start;
//   - it is a date without a time while the start has one;
//   - it is exactly midnight local time (or 23:59, 23:59:59, which some
//     systems write for the end of a day), unless it is the midnight that
//     closes the start's day and the meeting starts at LateStart (20:00)
//     or later: an evening session until midnight is plausible, an
//     afternoon session until midnight, or one running into another day,
//     is not what anybody entered.
//
// A meeting without a usable end is booked for the room's default length
// (Mapping.LengthByRoom) or the import's (Mapping.DefaultLength, 2 h) and
// its booking is marked EndAssumed. A meeting given only as a date (no
// time at the start either) is a whole-day meeting, as before.

// LateStart is the local time of day from which a meeting that ends at
// midnight is believed to end then.
const LateStart = 20 * time.Hour

// placeholderEnd reports whether mt has no usable end.
func placeholderEnd(mt Meeting, zone *time.Location) bool {
	if mt.End.IsZero() || !mt.End.After(mt.Start) || mt.EndDateOnly {
		return true
	}
	end := mt.End.In(zone)
	h, m, s := end.Clock()
	closing := end // the midnight the end stands for
	switch {
	case h == 0 && m == 0 && s == 0 && end.Nanosecond() == 0:
	case h == 23 && m == 59 && (s == 0 || s == 59):
		closing = nextMidnight(end, zone)
	default:
		return false
	}
	start := mt.Start.In(zone)
	if !closing.Equal(nextMidnight(start, zone)) {
		return true // midnight of another day
	}
	y, mo, d := start.Date()
	return start.Sub(time.Date(y, mo, d, 0, 0, 0, 0, zone)) < LateStart
}

// length is the assumed length of a meeting in room.
func (m Mapping) length(room string) time.Duration {
	if d := m.LengthByRoom[room]; d > 0 {
		return d
	}
	if m.DefaultLength > 0 {
		return m.DefaultLength
	}
	return DefaultMeetingLength
}

// times gives the booking's start and end for a meeting in room: whole
// minutes (Kogge books in minutes; the start rounds down, the end up, so
// the booking covers the meeting), a day for a date-only meeting without
// an end, the room's default length for a meeting without a usable end
// (assumed is then true).
func (m Mapping) times(mt Meeting, room string, zone *time.Location) (start, end time.Time, assumed bool, err error) {
	if mt.Start.IsZero() {
		return time.Time{}, time.Time{}, false, errors.New("it has no start time")
	}
	start, end = mt.Start, mt.End
	switch {
	case mt.StartDateOnly:
		if !end.After(start) {
			end = nextMidnight(start, zone)
		}
	case placeholderEnd(mt, zone):
		end, assumed = start.Add(m.length(room)), true
	}
	start = start.Truncate(time.Minute)
	if t := end.Truncate(time.Minute); !t.Equal(end) {
		end = t.Add(time.Minute)
	}
	return start.UTC(), end.UTC(), assumed, nil
}
