package oparl

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/kogge-project/kogge/rooms"
)

// Store is what Sync needs of the booking store; the daemon adapts
// rooms/store to it. Update and Cancel behave as rooms/store's: a move into
// a conflict returns a *rooms.ConflictError and changes nothing, a stale
// version wraps rooms.ErrVersionMismatch.
type Store interface {
	// FindByExternal returns the booking created for ref, if any.
	FindByExternal(ref string) (rooms.Booking, bool, error)
	// Create stores a new booking and records ref as its external
	// reference, atomically: a booking without its reference would be
	// created again by the next sync.
	Create(ref string, b rooms.Booking, actor string) (rooms.Booking, error)
	Update(id string, version uint64, actor string, change func(*rooms.Booking) error) (rooms.Booking, error)
	Cancel(id string, version uint64, actor string) (rooms.Booking, error)
}

// ExternalRef is the external reference of the booking for an OParl
// meeting. The prefix keeps it apart from references of other imports
// (an iCalendar UID, say) in the same index.
func ExternalRef(meetingID string) string { return "oparl:" + meetingID }

// DefaultActor is the audit actor of imported changes.
const DefaultActor = "oparl-import"

// MaxProblems bounds Report.Problems: a misconfigured import must not
// produce a report of ten thousand lines.
const MaxProblems = 200

// Report says what one Sync did.
type Report struct {
	Started  time.Time `json:"started"`
	Finished time.Time `json:"finished"`
	// Body is the OParl id of the body, Since the delta's start (zero for
	// a full sync), Pages the number of list pages read.
	Body  string    `json:"body,omitempty"`
	Since time.Time `json:"since,omitzero"`
	Pages int       `json:"pages"`
	// Fetched counts meetings read, tombstones and unreadable ones included.
	Fetched   int `json:"fetched"`
	Created   int `json:"created"`
	Updated   int `json:"updated"`
	Cancelled int `json:"cancelled"`
	Unchanged int `json:"unchanged"`
	// Unmapped counts meetings whose location no rule maps (or that have
	// none); UnmappedLocations counts them per location text, so that an
	// administrator sees which rule is missing.
	Unmapped          int            `json:"unmapped"`
	UnmappedLocations map[string]int `json:"unmapped_locations,omitempty"`
	// Skipped counts meetings left alone on purpose: of organizations not
	// followed, already over, or cancelled before they were ever imported.
	Skipped  int      `json:"skipped"`
	Problems []string `json:"problems,omitempty"`
	// NextSince is the since of the next delta: the latest modification
	// seen, held back to the earliest meeting that failed to apply so that
	// the next delta retries it (a conflict resolved in Kogge then imports
	// without anyone touching the council information system).
	NextSince time.Time `json:"next_since,omitzero"`
}

// Option tunes a Sync.
type Option func(*syncer)

// WithValidate checks (and may complete, e.g. with the room's default
// buffers) every booking before it is created or changed. Its error
// becomes a problem in the report, and the booking is not written.
func WithValidate(f func(*rooms.Booking) error) Option { return func(s *syncer) { s.validate = f } }

// WithClock sets the clock: meetings that ended before now are skipped.
func WithClock(now func() time.Time) Option { return func(s *syncer) { s.now = now } }

// WithAgenda receives the agenda of every meeting that has a booking after
// the sync (an empty list clears it).
func WithAgenda(f func(meetingID string, items []AgendaItem)) Option {
	return func(s *syncer) { s.agenda = f }
}

// WithActor sets the audit actor (default DefaultActor).
func WithActor(actor string) Option { return func(s *syncer) { s.actor = actor } }

type syncer struct {
	m        Mapping
	st       Store
	zone     *time.Location
	validate func(*rooms.Booking) error
	now      func() time.Time
	agenda   func(string, []AgendaItem)
	actor    string
	orgs     map[string]Organization
	rep      *Report
}

// Sync imports the meetings of m.Body modified since since (zero: all)
// into st. It first reads everything it needs from the server and only
// then writes, so an unreachable or broken server changes no booking. A
// meeting that cannot be applied (a conflict, a validation error) is a
// problem in the report, not an error; the error is for what stops the
// whole sync: a bad mapping, the server, a cancelled context. On an error
// the report says what was written before it, and NextSince is since.
func Sync(ctx context.Context, c *Client, m Mapping, st Store, since time.Time, opts ...Option) (Report, error) {
	s := &syncer{m: m, st: st, zone: c.Zone(), now: time.Now, actor: DefaultActor}
	for _, o := range opts {
		o(s)
	}
	rep := Report{Started: s.now(), Since: since, NextSince: since}
	s.rep = &rep
	finish := func(err error) (Report, error) {
		rep.Finished = s.now()
		return rep, err
	}
	if err := m.Check(); err != nil {
		return finish(err)
	}
	body, err := c.FindBody(ctx, m.Body)
	if err != nil {
		return finish(err)
	}
	rep.Body = body.ID
	orgs, err := c.Organizations(ctx, body)
	if err != nil {
		return finish(err)
	}
	s.orgs = make(map[string]Organization, len(orgs))
	for _, o := range orgs {
		s.orgs[o.ID] = o
	}
	list, err := c.Meetings(ctx, body, since)
	rep.Pages = list.Pages
	if err != nil {
		return finish(err)
	}
	rep.Fetched = len(list.Meetings) + len(list.Invalid)
	for _, msg := range list.Invalid {
		s.problem("unreadable meeting: %s", msg)
	}

	var latest, retryFrom time.Time
	retry := false
	for i, mt := range list.Meetings {
		if err := ctx.Err(); err != nil {
			return finish(fmt.Errorf("oparl: sync interrupted after %d of %d meetings: %w", i, len(list.Meetings), err))
		}
		if mt.Modified.After(latest) {
			latest = mt.Modified
		}
		if !s.apply(mt) {
			// A meeting without a modification time cannot be pinned:
			// the whole delta is held back instead.
			at := mt.Modified
			if at.IsZero() {
				at = since
			}
			if !retry || at.Before(retryFrom) {
				retryFrom = at
			}
			retry = true
		}
	}
	switch {
	case retry:
		rep.NextSince = retryFrom
	case !latest.IsZero():
		rep.NextSince = latest
	case rep.Fetched > 0:
		// A server without modification times: the next delta starts at
		// this sync's start, by our clock, which is the best there is.
		rep.NextSince = rep.Started
	}
	if rep.NextSince.Before(since) {
		rep.NextSince = since
	}
	return finish(nil)
}

func (s *syncer) problem(format string, args ...any) {
	switch n := len(s.rep.Problems); {
	case n < MaxProblems:
		s.rep.Problems = append(s.rep.Problems, fmt.Sprintf(format, args...))
	case n == MaxProblems:
		s.rep.Problems = append(s.rep.Problems, "… further problems left out")
	}
}

// label names a meeting in a problem so that a secretary can find it.
func (s *syncer) label(mt Meeting) string {
	name := mt.Name
	if name == "" {
		name = "(no name)"
	}
	if mt.Start.IsZero() {
		return fmt.Sprintf("%q (%s)", name, mt.ID)
	}
	return fmt.Sprintf("%q on %s (%s)", name, mt.Start.In(s.zone).Format("02.01.2006 15:04"), mt.ID)
}

// active reports whether Sync may still change a booking: not once it is
// cancelled (perhaps by a person), under way, over or released.
func (s *syncer) active(b rooms.Booking) bool {
	return (b.Status == rooms.StatusConfirmed || b.Status == rooms.StatusTentative) && b.End.After(s.now())
}

// apply brings one meeting's booking up to date. It returns false when the
// meeting should be retried by the next delta.
func (s *syncer) apply(mt Meeting) bool {
	ref := ExternalRef(mt.ID)
	existing, found, err := s.st.FindByExternal(ref)
	if err != nil {
		s.problem("meeting %s: looking up its booking: %v", s.label(mt), err)
		return false
	}
	if mt.Deleted || mt.Cancelled {
		return s.cancel(mt, existing, found)
	}
	org, ok := s.m.follows(mt)
	if !ok {
		s.rep.Skipped++
		return true
	}
	start, end, err := s.m.times(mt, s.zone)
	if err != nil {
		// Not retried: the meeting is wrong at the source, and fixing it
		// there modifies it, which brings it back in the next delta.
		s.problem("meeting %s is not imported: %v", s.label(mt), err)
		return true
	}
	if !end.After(s.now()) {
		s.rep.Skipped++
		return true
	}
	room, ok := s.m.RoomFor(mt.Location)
	if !ok {
		s.unmapped(mt)
		if found && mt.Location != nil && s.active(existing) {
			// The meeting moved to a place outside Kogge's rooms: the room
			// is no longer needed. (A meeting that merely lost its
			// location, a common vendor glitch, keeps its booking.)
			return s.cancel(mt, existing, found)
		}
		return true
	}
	want := s.booking(mt, org, room, start, end)
	if !found {
		return s.create(mt, ref, want)
	}
	switch {
	case existing.Status == rooms.StatusCancelled:
		// Cancelled in Kogge, or by an earlier cancellation the source has
		// since taken back: either way a person decides whether to book
		// again; reviving it could take a room someone else has since got.
		s.problem("meeting %s takes place, but its booking %s is cancelled; book it again if the room is needed", s.label(mt), existing.ID)
		s.rep.Unchanged++
		return true
	case !s.active(existing), same(existing, want):
		s.rep.Unchanged++
		s.reportAgenda(mt)
		return true
	}
	return s.update(mt, ref, existing, want)
}

// booking is the booking a meeting asks for. Only the fields OParl knows
// are set; the rest (buffers, hybrid, notes) belongs to Kogge's users.
func (s *syncer) booking(mt Meeting, orgID, room string, start, end time.Time) rooms.Booking {
	o, ok := s.orgs[orgID]
	if !ok {
		for _, e := range mt.Embedded {
			if e.ID == orgID {
				o = e
			}
		}
	}
	title := mt.Name
	if title == "" {
		title = strings.TrimSpace("Sitzung " + o.Name)
	}
	return rooms.Booking{
		Room:      room,
		Title:     clip(title, rooms.MaxTitleLen),
		Kind:      s.m.kind(o.Classification),
		Organizer: clip(s.m.organizer(), rooms.MaxOrganizerLen),
		Committee: clip(o.Name, rooms.MaxCommitteeLen),
		Start:     start,
		End:       end,
		Status:    rooms.StatusConfirmed,
	}
}

// same reports whether b already is what want asks for. Kind and
// Organizer are only set on creation: a person may have changed them.
func same(b, want rooms.Booking) bool {
	return b.Room == want.Room && b.Title == want.Title && b.Committee == want.Committee &&
		b.Start.Equal(want.Start) && b.End.Equal(want.End)
}

func (s *syncer) create(mt Meeting, ref string, b rooms.Booking) bool {
	if s.validate != nil {
		if err := s.validate(&b); err != nil {
			s.problem("meeting %s is not booked: %v", s.label(mt), err)
			return false
		}
	}
	if _, err := s.st.Create(ref, b, s.actor); err != nil {
		s.problem("meeting %s is not booked in %s: %v", s.label(mt), b.Room, err)
		return false
	}
	s.rep.Created++
	s.reportAgenda(mt)
	return true
}

func (s *syncer) update(mt Meeting, ref string, existing, want rooms.Booking) bool {
	for attempt := 0; ; attempt++ {
		_, err := s.st.Update(existing.ID, existing.Version, s.actor, func(b *rooms.Booking) error {
			b.Room, b.Title, b.Committee, b.Start, b.End = want.Room, want.Title, want.Committee, want.Start, want.End
			if s.validate != nil {
				return s.validate(b)
			}
			return nil
		})
		var conflict *rooms.ConflictError
		switch {
		case err == nil:
			s.rep.Updated++
			s.reportAgenda(mt)
			return true
		case errors.As(err, &conflict):
			s.problem("meeting %s moved to %s–%s, but booking %s stays where it is: %v",
				s.label(mt), want.Start.In(s.zone).Format("02.01.2006 15:04"), want.End.In(s.zone).Format("15:04"), existing.ID, err)
			return false
		case errors.Is(err, rooms.ErrVersionMismatch) && attempt == 0:
			// Someone edited the booking meanwhile: look again, once.
			var found bool
			existing, found, err = s.st.FindByExternal(ref)
			if err != nil || !found || !s.active(existing) {
				s.problem("meeting %s: its booking changed during the import; retried next time", s.label(mt))
				return false
			}
			if same(existing, want) {
				s.rep.Unchanged++
				return true
			}
		default:
			s.problem("meeting %s: booking %s not updated: %v", s.label(mt), existing.ID, err)
			return false
		}
	}
}

func (s *syncer) cancel(mt Meeting, existing rooms.Booking, found bool) bool {
	switch {
	case !found:
		s.rep.Skipped++ // never imported: nothing to free
		return true
	case !s.active(existing):
		s.rep.Unchanged++
		return true
	}
	if _, err := s.st.Cancel(existing.ID, existing.Version, s.actor); err != nil {
		s.problem("meeting %s is cancelled, but booking %s is not: %v", s.label(mt), existing.ID, err)
		return false
	}
	s.rep.Cancelled++
	return true
}

func (s *syncer) unmapped(mt Meeting) {
	s.rep.Unmapped++
	if s.rep.UnmappedLocations == nil {
		s.rep.UnmappedLocations = map[string]int{}
	}
	key := "(no location)"
	if l := mt.Location; l != nil {
		for _, v := range []string{l.Description, l.Room, l.StreetAddress, l.ID} {
			if v = strings.TrimSpace(v); v != "" {
				key = clip(v, 120)
				break
			}
		}
	} else if mt.LocationRef != "" {
		key = "(missing location " + clip(mt.LocationRef, 120) + ")"
	}
	s.rep.UnmappedLocations[key]++
}

func (s *syncer) reportAgenda(mt Meeting) {
	if s.agenda != nil {
		s.agenda(mt.ID, append([]AgendaItem{}, mt.Agenda...))
	}
}

// clip cuts s to at most n runes, as the store rejects longer text.
func clip(s string, n int) string { return rooms.Clip(strings.TrimSpace(s), n) }
