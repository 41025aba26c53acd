package rooms

import (
	"time"
)

// Kind says what a booking is for; later issues attach defaults to each
// (council sessions get a lobby, interviews are confidential).
type Kind string

const (
	KindCouncil   Kind = "council"
	KindCommittee Kind = "committee"
	KindInterview Kind = "interview"
	KindMeeting   Kind = "meeting"
)

// Kinds lists every kind in a stable order.
var Kinds = []Kind{KindCouncil, KindCommittee, KindInterview, KindMeeting}

// Valid reports whether k is a known kind.
func (k Kind) Valid() bool {
	for _, known := range Kinds {
		if k == known {
			return true
		}
	}
	return false
}

// Status is a booking's state. Cancelled and released bookings free their
// room; an ended booking keeps the time it actually used (End is moved to
// when it ended).
type Status string

const (
	StatusTentative Status = "tentative"
	StatusConfirmed Status = "confirmed"
	StatusCancelled Status = "cancelled"
	// StatusCheckedIn: someone confirmed at the room that the meeting takes place.
	StatusCheckedIn Status = "checked_in"
	// StatusReleased: check-in was required and nobody came; the room is free.
	StatusReleased Status = "released"
	// StatusEnded: the meeting is over (at its end, or ended early).
	StatusEnded Status = "ended"
)

// Statuses lists every status in a stable order.
var Statuses = []Status{StatusTentative, StatusConfirmed, StatusCancelled, StatusCheckedIn, StatusReleased, StatusEnded}

// Settable reports whether a client may set this status directly; the
// others are reached through check-in, the no-show check and ending.
func (s Status) Settable() bool {
	return s == StatusTentative || s == StatusConfirmed || s == StatusCancelled
}

// Valid reports whether s is a known status.
func (s Status) Valid() bool {
	for _, known := range Statuses {
		if s == known {
			return true
		}
	}
	return false
}

// Blocks reports whether a booking in this status occupies its room.
func (s Status) Blocks() bool { return s != StatusCancelled && s != StatusReleased }

// MaxMeetingParticipants is the most participants one meeting of Kogge's
// own videoconference can have at once: the signaling hub's cap, and the
// highest [webrtc] participant_limit the configuration accepts (one
// number, so that the configuration never promises more than the hub
// admits).
const MaxMeetingParticipants = 250

// Hybrid describes remote participation.
type Hybrid struct {
	Enabled bool `json:"enabled"`
	// ExpectedRemote is how many remote participants the organizer expects;
	// later issues pick a videoconference provider by it.
	ExpectedRemote int `json:"expected_remote"`
}

// Booking is one reservation of one room. Start and End are UTC instants;
// Setup and Teardown extend the time the room is occupied on either side.
type Booking struct {
	ID           string        `json:"id"`
	Room         string        `json:"room"`
	Title        string        `json:"title"`
	Kind         Kind          `json:"kind"`
	Organizer    string        `json:"organizer"`
	Committee    string        `json:"committee,omitempty"`
	Start        time.Time     `json:"start"`
	End          time.Time     `json:"end"`
	Setup        time.Duration `json:"setup"`
	Teardown     time.Duration `json:"teardown"`
	Status       Status        `json:"status"`
	Hybrid       Hybrid        `json:"hybrid"`
	Confidential bool          `json:"confidential"`
	Notes        string        `json:"notes,omitempty"`
	// SeriesID links an occurrence to its series; Exception marks an
	// occurrence edited on its own (series edits leave it alone).
	SeriesID  string `json:"series_id,omitempty"`
	Exception bool   `json:"exception,omitempty"`
	// External is the id of the record this booking mirrors, e.g.
	// "oparl:https://…/meeting/42", so that an import finds the booking it
	// made instead of booking the meeting twice. Unique across bookings,
	// set only when the booking is created, and empty for bookings made in
	// Kogge.
	External string `json:"external,omitempty"`
	// Contact is the organizer's mail address: invitations, changes,
	// cancellations and no-show releases go there when mail is set up.
	Contact string `json:"contact,omitempty"`
	// EndAssumed: the record this booking mirrors gave no usable end (an
	// import booked a default length instead); the booking page says so.
	// A person who changes the booking's length clears it.
	EndAssumed bool `json:"end_assumed,omitempty"`
	// CheckinRequired: without a check-in by start + the room's
	// CheckinGrace the booking is released.
	CheckinRequired bool      `json:"checkin_required"`
	CheckedIn       time.Time `json:"checked_in,omitzero"`
	CreatedBy       string    `json:"created_by"`
	Created         time.Time `json:"created"`
	Updated         time.Time `json:"updated"`
	Version         uint64    `json:"version"`
}

// OccupiedFrom is when the room stops being free for this booking.
func (b *Booking) OccupiedFrom() time.Time { return b.Start.Add(-b.Setup) }

// OccupiedUntil is when the room is free again after this booking.
func (b *Booking) OccupiedUntil() time.Time { return b.End.Add(b.Teardown) }

// Collides reports whether two bookings would occupy the same room at the
// same time, buffers included. Cancelled bookings collide with nothing, and
// a booking never collides with itself.
func (b *Booking) Collides(o *Booking) bool {
	if b.ID != "" && b.ID == o.ID {
		return false
	}
	if b.Room != o.Room || !b.Status.Blocks() || !o.Status.Blocks() {
		return false
	}
	return b.OccupiedFrom().Before(o.OccupiedUntil()) && o.OccupiedFrom().Before(b.OccupiedUntil())
}

// Limits on free text, so that one booking cannot bloat the store.
const (
	MaxTitleLen     = 200
	MaxOrganizerLen = 200
	MaxCommitteeLen = 200
	MaxNotesLen     = 4000
	MaxBuffer       = 4 * time.Hour
	MaxRemote       = 10000
)

// The calendar Kogge accepts: council series are planned years ahead, but
// not decades; the bounds also keep every instant inside what the store's
// nanosecond keys can hold (1678–2262).
const (
	MaxHorizon = 10 * 365 * 24 * time.Hour
	MinYear    = 2000
	MaxYear    = 2200
)
