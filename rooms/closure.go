package rooms

import (
	"fmt"
	"time"
)

// dateLayout is how dates are written in the configuration and the API.
const dateLayout = "2006-01-02"

// ParseDate reads a date written as 2026-12-24.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(dateLayout, s)
	if err != nil {
		return Date{}, fmt.Errorf("%q is not a date like 2026-12-24", s)
	}
	return Date{Year: t.Year(), Month: t.Month(), Day: t.Day()}, nil
}

// String writes the date as 2026-12-24.
func (d Date) String() string {
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day)
}

// Before reports whether d is an earlier day than o.
func (d Date) Before(o Date) bool {
	if d.Year != o.Year {
		return d.Year < o.Year
	}
	if d.Month != o.Month {
		return d.Month < o.Month
	}
	return d.Day < o.Day
}

// DateOf is the calendar date of t in zone (UTC when zone is nil): a
// meeting at 00:30 Berlin time belongs to that Berlin day, although it is
// still the previous day in UTC.
func DateOf(t time.Time, zone *time.Location) Date {
	y, m, d := t.In(orUTC(zone)).Date()
	return Date{Year: y, Month: m, Day: d}
}

// Covers reports whether the closure shuts room on the local day (in the
// room's zone) on which start falls.
func (c Closure) Covers(room Room, start time.Time) bool {
	if c.Building != "" && c.Building != room.Building {
		return false
	}
	d := DateOf(start, zoneOf(room))
	return !d.Before(c.From) && !c.To.Before(d)
}

// ClosureFor returns the first of closures that covers room at start.
func ClosureFor(closures []Closure, room Room, start time.Time) (Closure, bool) {
	for _, c := range closures {
		if c.Covers(room, start) {
			return c, true
		}
	}
	return Closure{}, false
}
