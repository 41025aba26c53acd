// Package usage computes the utilisation and licence report: how full the
// rooms are, how often a booked room stays empty, where hybrid meetings
// ran and how many licences of each provider's pool were held at the same
// time.
//
// It knows no storage: rooms/store reads the history into Meetings (live
// bookings with their allocation and audit entries, and the digests it
// keeps of purged bookings) and Compute turns them into a Report. Both
// the store and this package import only rooms, so the store can write a
// Meeting as the digest of a booking it purges.
package usage

import (
	"time"

	"github.com/kogge-project/kogge/rooms"
)

// Meeting is what the report knows of one booking that was not
// cancelled. It holds no organizer, notes or contact, and a title only
// for a live booking that is not confidential: the digest of a purged
// booking is this with Title empty, so the report over last year still
// works after the purge without keeping what retention deletes.
type Meeting struct {
	Room   string       `json:"room"`
	Kind   rooms.Kind   `json:"kind"`
	Status rooms.Status `json:"status"`
	// Start and End are the booked time; End is the scheduled end even
	// when the meeting ended early (Used says when it did).
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
	// Used is when the meeting really ended: End, or earlier after an
	// early end; zero for a no-show release (the room stayed empty).
	Used            time.Time `json:"used,omitzero"`
	CheckinRequired bool      `json:"checkin_required,omitempty"`
	CheckedIn       bool      `json:"checked_in,omitempty"`
	Hybrid          bool      `json:"hybrid,omitempty"`
	ExpectedRemote  int       `json:"expected_remote,omitempty"`
	Confidential    bool      `json:"confidential,omitempty"`
	// Title is empty for confidential bookings, interviews and digests.
	Title string `json:"title,omitempty"`
	// Provider is where the meeting ran ("" if none was allocated);
	// HoldFrom and HoldTo the interval its licence was held, Licence
	// which one ("" in a pool without limit).
	Provider string    `json:"provider,omitempty"`
	Licence  string    `json:"licence,omitempty"`
	HoldFrom time.Time `json:"hold_from,omitzero"`
	HoldTo   time.Time `json:"hold_to,omitzero"`
	// FailedOver: the meeting was moved off a failing provider.
	FailedOver bool `json:"failed_over,omitempty"`
	// PeakRemote is the most remote participants in the built-in
	// meeting at once; RemoteKnown says whether the history holds it
	// (no join was recorded: an external provider, or a meeting from
	// before joins were recorded).
	PeakRemote  int  `json:"peak_remote,omitempty"`
	RemoteKnown bool `json:"remote_known,omitempty"`
	// Purged: read from the digest of a purged booking.
	Purged bool `json:"-"`
}

// Private reports whether the booking's title must not be shown:
// confidential bookings and every interview.
func Private(b *rooms.Booking) bool {
	return b.Confidential || b.Kind == rooms.KindInterview
}

// FromBooking starts a Meeting from a stored booking; the caller adds
// the allocation and what the audit log says (EarlyEnd, ApplyJoins).
func FromBooking(b *rooms.Booking) Meeting {
	m := Meeting{
		Room: b.Room, Kind: b.Kind, Status: b.Status, Start: b.Start, End: b.End,
		CheckinRequired: b.CheckinRequired, CheckedIn: !b.CheckedIn.IsZero(),
		Hybrid: b.Hybrid.Enabled, ExpectedRemote: b.Hybrid.ExpectedRemote,
		Confidential: Private(b),
	}
	if !m.Confidential {
		m.Title = b.Title
	}
	if b.Status != rooms.StatusReleased {
		m.Used = b.End
	}
	return m
}

// EarlyEnd records that the meeting was ended before its scheduled end:
// the booking's End was moved to when it ended, and scheduled is the end
// it had before.
func (m *Meeting) EarlyEnd(scheduled time.Time) {
	if scheduled.After(m.End) {
		m.Used, m.End = m.End, scheduled
	}
}

// Joins is a built-in meeting's participant events in time order, read
// from its meeting audit entries (signaling/meetings): +1 for a join, -1
// for a leave, a removal or a revoked link, and End for the end of the
// meeting (everyone leaves).
type Joins struct {
	n, peak int
	seen    bool
}

// Join, Leave and End feed the events in order.
func (j *Joins) Join() {
	j.n++
	j.seen = true
	j.peak = max(j.peak, j.n)
}

func (j *Joins) Leave() { j.n = max(j.n-1, 0) } // a leave of someone joined before the log: never below zero
func (j *Joins) End()   { j.n = 0 }

// Apply sets the meeting's peak, if any join was seen.
func (j *Joins) Apply(m *Meeting) {
	if j.seen {
		m.PeakRemote, m.RemoteKnown = j.peak, true
	}
}
