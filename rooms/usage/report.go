package usage

import (
	"time"

	"github.com/kogge-project/kogge/rooms"
)

// Provider is a meeting provider as the report sees it.
type Provider struct {
	Name string
	// Pool is the number of licences; 0 for a pool without limit, whose
	// use the report does not chart.
	Pool            int
	MaxParticipants int
	ConfidentialOK  bool
	// YearlyCost is what the pool costs a year (EUR); 0 if not configured.
	YearlyCost float64
}

// Input is everything Compute needs.
type Input struct {
	// From and To are the first and the last day of the period, read in
	// Zone (the report's zone: the rooms' own, normally one for all).
	From, To rooms.Date
	Zone     *time.Location
	// Rooms are the rooms to report on, in display order; meetings in
	// other rooms are left out.
	Rooms    []rooms.Room
	Closures []rooms.Closure
	// Providers in the configured order (the first is the preferred one).
	Providers []Provider
	Meetings  []Meeting
}

// Span is the period as instants: [Start, End) in Zone.
func (in Input) Span() (start, end time.Time) {
	z := orUTC(in.Zone)
	start = time.Date(in.From.Year, in.From.Month, in.From.Day, 0, 0, 0, 0, z)
	end = time.Date(in.To.Year, in.To.Month, in.To.Day+1, 0, 0, 0, 0, z)
	return start, end
}

// Figures are the room figures of a stretch of days (a week or the period).
type Figures struct {
	BookableHours float64 `json:"bookable_hours"`
	// BookedHours is the booked time within the bookable hours (no-show
	// releases included: the room was reserved).
	BookedHours float64 `json:"booked_hours"`
	// ByKind splits BookedHours by booking kind.
	ByKind map[rooms.Kind]float64 `json:"booked_hours_by_kind"`
	// UsedHours is the time meetings really took (early ends and no-shows
	// left out).
	UsedHours float64 `json:"used_hours"`
	// Utilisation is BookedHours ÷ BookableHours in percent; nil without
	// bookable hours (closed all week).
	Utilisation *float64 `json:"utilisation_percent"`
	// Counts of bookings starting in the stretch.
	Bookings        int `json:"bookings"`
	CheckinRequired int `json:"checkin_required"`
	CheckedIn       int `json:"checked_in"`
	NoShows         int `json:"no_shows"`
	EarlyEnds       int `json:"early_ends"`
	// CheckinRate is checked-in ÷ (checked-in + no-shows) in percent,
	// nil where no booking needed a check-in.
	CheckinRate *float64 `json:"checkin_rate_percent"`
}

// RoomTotal is one room's figures over the period.
type RoomTotal struct {
	Room string `json:"room"`
	Name string `json:"name"`
	Figures
}

// WeekRow is one room's figures in one week (Monday to Sunday; the first
// and last week of the period may be partial).
type WeekRow struct {
	Room string `json:"room"`
	// Week is the Monday of the week; Days the days of it in the period.
	Week string `json:"week"`
	Days int    `json:"days"`
	Figures
}

// Heat is the busiest hours of the week: per weekday (Monday first) and
// local hour, the share of bookable room hours that were booked, in
// percent; nil cells had no bookable hours.
type Heat struct {
	Percent [7][24]*float64 `json:"percent"`
}

func orUTC(z *time.Location) *time.Location {
	if z == nil {
		return time.UTC
	}
	return z
}

func percent(part, whole float64) *float64 {
	if whole <= 0 {
		return nil
	}
	p := part / whole * 100
	return &p
}
