package rooms

import "time"

// Series is a booking template repeated by an RFC 5545 recurrence rule.
// Its occurrences are stored as ordinary bookings (SeriesID set), so each
// is conflict-checked and shows in availability.
type Series struct {
	ID string `json:"id"`
	// Template holds what every occurrence gets (room, title, kind, …).
	// Its Start and End are the first occurrence (the rule's DTSTART); their
	// wall-clock times in the room's zone are the series' times of day.
	Template Booking `json:"template"`
	// Rule is the RRULE body without DTSTART, e.g.
	// "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU;COUNT=20".
	Rule string `json:"rule"`
	// ExDates are occurrence starts (UTC) the series skips.
	ExDates []time.Time `json:"exdates,omitempty"`
	// MaterialisedUntil: occurrences starting before it are stored as
	// bookings; an open-ended series is extended by a daily job.
	MaterialisedUntil time.Time `json:"materialised_until"`
	CreatedBy         string    `json:"created_by"`
	Created           time.Time `json:"created"`
	Updated           time.Time `json:"updated"`
	Version           uint64    `json:"version"`
}

// Date is a calendar day, without time or zone.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// Closure is a span of days on which rooms cannot be booked (public
// holidays, building works): everywhere, or in one building.
type Closure struct {
	From, To Date   // inclusive
	Building string // empty: every building
	Reason   string
}
