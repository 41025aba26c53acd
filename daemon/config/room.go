package config

import (
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/kogge-project/kogge/rooms"
)

// dayNames are the bookable_days spellings, indexed by time.Weekday.
var dayNames = [7]string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}

// RoomList converts the configured rooms to domain rooms, in file order. It
// is meant for a validated configuration; the error is a safety net.
func (c *Config) RoomList() ([]rooms.Room, error) {
	out := make([]rooms.Room, 0, len(c.Rooms))
	for i, r := range c.Rooms {
		dr, err := r.Domain()
		if err != nil {
			return nil, fmt.Errorf("rooms[%d]: %w", i, err)
		}
		out = append(out, dr)
	}
	return out, nil
}

// Domain converts r to a rooms.Room: the zone loaded, the hours parsed.
func (r Room) Domain() (rooms.Room, error) {
	zone, err := loadZone(r.Zone)
	if err != nil {
		return rooms.Room{}, err
	}
	hours, err := r.hours()
	if err != nil {
		return rooms.Room{}, err
	}
	return rooms.Room{
		ID:        r.ID,
		Name:      r.Name,
		Building:  r.Building,
		Capacity:  r.Capacity,
		Zone:      zone,
		Setup:     r.Setup.Duration,
		Teardown:  r.Teardown.Duration,
		Hours:     hours,
		MaxLength: r.MaxBooking.Duration,

		PrepLead:        rooms.Lead(r.PrepLead.Duration), // always set: the file's value or the default
		CheckinGrace:    r.CheckinGrace.Duration,
		CheckinRequired: r.CheckinRequired,
	}, nil
}

func (r Room) hours() (rooms.Hours, error) {
	var h rooms.Hours
	days, err := parseDays(r.BookableDays)
	if err != nil {
		return h, err
	}
	from, err := parseClock(r.BookableFrom, false)
	if err != nil {
		return h, fmt.Errorf("bookable_from: %w", err)
	}
	until, err := parseClock(r.BookableUntil, true)
	if err != nil {
		return h, fmt.Errorf("bookable_until: %w", err)
	}
	if until <= from {
		return h, errors.New("bookable_until must be after bookable_from")
	}
	return rooms.Hours{Days: days, From: from, Until: until}, nil
}

// loadZone loads an IANA zone. It refuses "" and "Local", which
// time.LoadLocation accepts as UTC and as whatever the server is set to: a
// room's hours must not move when the machine's timezone changes.
func loadZone(name string) (*time.Location, error) {
	if name == "" || name == "Local" {
		return nil, fmt.Errorf("%q is not an IANA zone name such as %s", name, rooms.DefaultZone)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("unknown zone %q (an IANA name such as %s)", name, rooms.DefaultZone)
	}
	return loc, nil
}

// parseDays reads "mon".."sun" into a weekday set; no duplicates, not empty.
func parseDays(names []string) ([7]bool, error) {
	var days [7]bool
	if len(names) == 0 {
		return days, errors.New("must name at least one day")
	}
	for _, n := range names {
		d := weekday(n)
		if d < 0 {
			return days, fmt.Errorf("unknown day %q (use mon, tue, wed, thu, fri, sat, sun)", n)
		}
		if days[d] {
			return days, fmt.Errorf("%q is listed twice", n)
		}
		days[d] = true
	}
	return days, nil
}

func weekday(name string) int {
	for i, n := range dayNames {
		if n == name {
			return i
		}
	}
	return -1
}

// parseClock reads "HH:MM" as an offset from midnight; "24:00" only if
// endOfDay. The fixed format keeps times to whole minutes.
func parseClock(s string, endOfDay bool) (time.Duration, error) {
	bad := fmt.Errorf("%q is not a time of day written \"HH:MM\"", s)
	if len(s) != 5 || s[2] != ':' {
		return 0, bad
	}
	h, err1 := strconv.ParseUint(s[:2], 10, 8)
	m, err2 := strconv.ParseUint(s[3:], 10, 8)
	if err1 != nil || err2 != nil || m > 59 {
		return 0, bad
	}
	switch {
	case h == 24 && m == 0 && endOfDay:
	case h == 24 && m == 0:
		return 0, fmt.Errorf("%q is the end of the day; use \"00:00\"", s)
	case h > 23:
		return 0, bad
	}
	return time.Duration(h)*time.Hour + time.Duration(m)*time.Minute, nil
}
