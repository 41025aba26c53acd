// Package rooms is Kogge's domain: rooms, bookings and the rules that keep
// bookings conflict-free. It imports no other Kogge package; storage lives in
// rooms/store, accounts in rooms/accounts.
package rooms

import (
	"fmt"
	"regexp"
	"time"
)

// DefaultZone is the zone rooms use when the configuration names none.
const DefaultZone = "Europe/Berlin"

// Room is a bookable room as declared in the configuration.
type Room struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Building string `json:"building,omitempty"`
	Capacity int    `json:"capacity"`
	// Zone is the room's IANA zone: bookable hours and local times are read in it.
	Zone *time.Location `json:"-"`
	// Setup and Teardown are the default buffers before and after a booking
	// during which the room is occupied but the meeting has not started or has ended.
	Setup    time.Duration `json:"-"`
	Teardown time.Duration `json:"-"`
	Hours    Hours         `json:"-"`
	// MaxLength bounds a booking's length from start to end (buffers excluded).
	MaxLength time.Duration `json:"-"`
	// PrepLead is how long before the start the room is prepared (AV on)
	// and check-in opens. nil: nothing was said (DefaultPrepLead); a zero
	// lead is a lead of zero, so that "0s" in the configuration means
	// check-in opens at the start.
	PrepLead *time.Duration `json:"-"`
	// CheckinGrace is how long after the start a booking that requires
	// check-in waits before it is released.
	CheckinGrace time.Duration `json:"-"`
	// CheckinRequired is the default for new bookings (council sessions are
	// exempt: they take place whoever checks in).
	CheckinRequired bool `json:"-"`
}

// Timeline defaults for rooms whose configuration says nothing.
const (
	DefaultPrepLead     = 15 * time.Minute
	DefaultCheckinGrace = 15 * time.Minute
)

// PrepLeadOrDefault is how long before a booking's start the room is
// prepared (its prep scene runs, check-in opens, join links open).
func (r Room) PrepLeadOrDefault() time.Duration {
	if r.PrepLead != nil {
		return max(*r.PrepLead, 0)
	}
	return DefaultPrepLead
}

// Lead returns a pointer to d, for Room.PrepLead.
func Lead(d time.Duration) *time.Duration { return &d }

// CheckinGraceOrDefault is how long after the start a booking that needs
// a check-in waits for one before it is released.
func (r Room) CheckinGraceOrDefault() time.Duration {
	if r.CheckinGrace > 0 {
		return r.CheckinGrace
	}
	return DefaultCheckinGrace
}

// Hours are a room's bookable hours in its zone: a booking must start and end
// on the same local day, on one of Days, between From and Until. From = 0 and
// Until = 24h on all days lifts every limit.
type Hours struct {
	Days  [7]bool       // indexed by time.Weekday
	From  time.Duration // offset from local midnight
	Until time.Duration // offset from local midnight, at most 24h
}

// AlwaysOpen are hours without limits.
func AlwaysOpen() Hours {
	return Hours{Days: [7]bool{true, true, true, true, true, true, true}, Until: 24 * time.Hour}
}

// Unlimited reports whether the hours put no limit on bookings.
func (h Hours) Unlimited() bool {
	return h.From == 0 && h.Until >= 24*time.Hour && h.Days == [7]bool{true, true, true, true, true, true, true}
}

// Window returns the bookable window of the local day that contains t, and
// whether that day is bookable at all. It is DST-correct: "07:00" is the
// wall-clock time, whatever the day's length.
func (h Hours) Window(t time.Time, zone *time.Location) (from, until time.Time, open bool) {
	lt := t.In(zone)
	y, m, d := lt.Date()
	from = wallClock(y, m, d, h.From, zone)
	until = wallClock(y, m, d, h.Until, zone)
	return from, until, h.Days[lt.Weekday()]
}

// wallClock returns the instant at offset off (hours and minutes) after
// midnight on the given local date; 24h is the next midnight.
func wallClock(y int, m time.Month, d int, off time.Duration, zone *time.Location) time.Time {
	hours := int(off / time.Hour)
	mins := int((off % time.Hour) / time.Minute)
	return time.Date(y, m, d, hours, mins, 0, 0, zone)
}

var slugPattern = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$`)

// ValidSlug reports whether s may serve as a room id: lower-case letters,
// digits and inner hyphens, at most 64 characters.
func ValidSlug(s string) bool { return slugPattern.MatchString(s) }

// Local renders an instant in the room's zone for API responses.
func (r Room) Local(t time.Time) string {
	if r.Zone == nil {
		return t.Format(time.RFC3339)
	}
	return t.In(r.Zone).Format(time.RFC3339)
}

// String names the room for messages.
func (r Room) String() string { return fmt.Sprintf("%s (%s)", r.Name, r.ID) }
