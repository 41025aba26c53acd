package oparl

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
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
	Skipped int `json:"skipped"`
	// Refused counts meetings not booked (a conflict, a rule of the room,
	// no start); StillRefused those of them refused before in the same
	// version, which Problems does not repeat. Retried counts remembered
	// refusals tried again without reading them from the source.
	Refused      int `json:"refused"`
	StillRefused int `json:"still_refused"`
	Retried      int `json:"retried"`
	// Problems are one line each, in words, naming the meeting, its date
	// and its source.
	Problems []string `json:"problems,omitempty"`
	// AssumedEnds are the meetings booked or moved with an assumed end
	// (times.go), one line each.
	AssumedEnds []string `json:"assumed_ends,omitempty"`
	// NextSince is the since of the next delta: the latest modification
	// seen. It moves on past refused meetings: they are remembered
	// (Outstanding) and retried by the next sync without being read again.
	NextSince time.Time `json:"next_since,omitzero"`
	// Outstanding are the refusals standing after this sync, by meeting
	// id: new ones and remembered ones that failed again. The caller keeps
	// them for the next sync (WithRefused).
	Outstanding map[string]Refusal `json:"-"`
}

// Refusal is a meeting Sync did not book, remembered per version: the
// meeting as read, its fingerprint (a change at the source changes it),
// why, and when it was first refused.
type Refusal struct {
	Meeting     Meeting   `json:"meeting"`
	Fingerprint string    `json:"fingerprint"`
	Problem     string    `json:"problem"`
	Since       time.Time `json:"since"`
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

// WithRefused gives the refusals of earlier syncs (Report.Outstanding).
// Each is tried again (from the meeting as remembered, unless the delta
// brings a newer version); one refused again in the same version is
// counted in StillRefused, not reported again.
func WithRefused(known map[string]Refusal) Option { return func(s *syncer) { s.known = known } }

// WithLog receives one debug line per refused meeting.
func WithLog(l *slog.Logger) Option { return func(s *syncer) { s.log = l } }

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
	known    map[string]Refusal
	log      *slog.Logger
	// refusal is why the meeting apply is working on was not booked.
	refusal string
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

	var latest time.Time
	rep.Outstanding = map[string]Refusal{}
	seen := make(map[string]bool, len(list.Meetings))
	for i, mt := range list.Meetings {
		if err := ctx.Err(); err != nil {
			return finish(fmt.Errorf("oparl: sync interrupted after %d of %d meetings: %w", i, len(list.Meetings), err))
		}
		if mt.Modified.After(latest) {
			latest = mt.Modified
		}
		seen[mt.ID] = true
		s.try(mt)
	}
	// Remembered refusals the delta did not bring: the source has not
	// changed them, but Kogge may have (the booking in the way cancelled).
	for _, id := range slices.Sorted(maps.Keys(s.known)) {
		if seen[id] {
			continue
		}
		if err := ctx.Err(); err != nil {
			return finish(fmt.Errorf("oparl: sync interrupted while retrying refused meetings: %w", err))
		}
		rep.Retried++
		s.try(s.known[id].Meeting)
	}
	switch {
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

// try applies one meeting and remembers it if it is refused; a refusal is
// reported unless the same version was refused before.
func (s *syncer) try(mt Meeting) {
	s.refusal = ""
	if s.apply(mt) {
		return
	}
	s.rep.Refused++
	r := Refusal{Meeting: mt, Fingerprint: fingerprint(mt), Problem: s.refusal, Since: s.now()}
	if old, ok := s.known[mt.ID]; ok && old.Fingerprint == r.Fingerprint {
		r.Since = old.Since
		s.rep.StillRefused++
	} else {
		s.problem("%s", r.Problem)
	}
	if s.log != nil {
		s.log.Debug("council meeting not booked", "meeting", mt.ID, "problem", r.Problem)
	}
	s.rep.Outstanding[mt.ID] = r
}

// fingerprint identifies a version of a meeting: everything read of it,
// its modification time included, so that a source that changes a
// meeting without touching modified is noticed too.
func fingerprint(mt Meeting) string {
	b, _ := json.Marshal(mt)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:16])
}

// refuse records why the meeting is not booked; it returns false, what
// apply returns for it.
func (s *syncer) refuse(format string, args ...any) bool {
	s.refusal = fmt.Sprintf(format, args...)
	return false
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
	link := mt.Web // the council system's page, where a person can read it
	if link == "" {
		link = mt.ID
	}
	if mt.Start.IsZero() {
		return fmt.Sprintf("%q (%s)", name, link)
	}
	return fmt.Sprintf("%q on %s (%s)", name, mt.Start.In(s.zone).Format("02.01.2006 15:04"), link)
}

// active reports whether Sync may still change a booking: not once it is
// cancelled (perhaps by a person), under way, over or released.
func (s *syncer) active(b rooms.Booking) bool {
	return (b.Status == rooms.StatusConfirmed || b.Status == rooms.StatusTentative) && b.End.After(s.now())
}

// apply brings one meeting's booking up to date. It returns false when
// the meeting is refused (s.refusal says why).
func (s *syncer) apply(mt Meeting) bool {
	ref := ExternalRef(mt.ID)
	existing, found, err := s.st.FindByExternal(ref)
	if err != nil {
		return s.refuse("meeting %s: looking up its booking: %v", s.label(mt), err)
	}
	if mt.Deleted || mt.Cancelled {
		return s.cancel(mt, existing, found)
	}
	org, ok := s.m.follows(mt)
	if !ok {
		s.rep.Skipped++
		return true
	}
	// The place before the times: an administrator completing the
	// location rules needs every unmapped place, whatever else is odd
	// about its meetings.
	room, mapped := s.m.RoomFor(mt.Location)
	start, end, assumed, err := s.m.times(mt, room, s.zone)
	if err == nil && !end.After(s.now()) {
		s.rep.Skipped++
		return true
	}
	if !mapped {
		s.unmapped(mt)
		if found && mt.Location != nil && s.active(existing) {
			// The meeting moved to a place outside Kogge's rooms: the room
			// is no longer needed. (A meeting that merely lost its
			// location, a common vendor glitch, keeps its booking.)
			return s.cancel(mt, existing, found)
		}
		return true
	}
	if err != nil {
		// Wrong at the source: fixing it there changes its version, which
		// brings it back to be tried and reported again.
		return s.refuse("meeting %s is not imported: %v", s.label(mt), err)
	}
	want := s.booking(mt, org, room, start, end)
	want.EndAssumed = assumed
	if assumed && found && existing.Start.Equal(want.Start) {
		// The source still gives no end: an end Kogge already has (a
		// person's, or one the source gave before) is better than a guess.
		want.End, want.EndAssumed = existing.End, existing.EndAssumed
	}
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

// assumedEnd adds the report's line for a booking with an assumed end.
func (s *syncer) assumedEnd(mt Meeting, b rooms.Booking) {
	if b.EndAssumed {
		s.rep.AssumedEnds = append(s.rep.AssumedEnds, fmt.Sprintf("meeting %s gives no end: booked until %s, %s assumed",
			s.label(mt), b.End.In(s.zone).Format("15:04"), lengthWords(b.End.Sub(b.Start))))
	}
}

// lengthWords says a length as a person would: "2 hours", "90 minutes".
func lengthWords(d time.Duration) string {
	switch {
	case d == time.Hour:
		return "1 hour"
	case d%time.Hour == 0:
		return fmt.Sprintf("%d hours", d/time.Hour)
	}
	return fmt.Sprintf("%d minutes", d/time.Minute)
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
	if o.ID == "" {
		o.ID = orgID
	}
	kind := s.m.kind(o)
	return rooms.Booking{
		Room:  room,
		Title: clip(title, rooms.MaxTitleLen),
		Kind:  kind,
		// The kind's defaults, as the booking form sets them: a council
		// session is hybrid (and gets a lobby from its kind).
		Hybrid:    rooms.Hybrid{Enabled: kind == rooms.KindCouncil},
		Organizer: clip(s.m.organizer(), rooms.MaxOrganizerLen),
		Committee: clip(o.Name, rooms.MaxCommitteeLen),
		Start:     start,
		End:       end,
		Status:    rooms.StatusConfirmed,
	}
}

// same reports whether b already is what want asks for. Kind, Organizer
// and Hybrid are only set on creation: a person may have changed them.
func same(b, want rooms.Booking) bool {
	return b.Room == want.Room && b.Title == want.Title && b.Committee == want.Committee &&
		b.Start.Equal(want.Start) && b.End.Equal(want.End) && b.EndAssumed == want.EndAssumed
}

func (s *syncer) create(mt Meeting, ref string, b rooms.Booking) bool {
	if s.validate != nil {
		if err := s.validate(&b); err != nil {
			return s.refuse("meeting %s is not booked: %v", s.label(mt), err)
		}
	}
	created, err := s.st.Create(ref, b, s.actor)
	var conflict *rooms.ConflictError
	if err != nil && b.Hybrid.Enabled && !errors.As(err, &conflict) {
		// No provider for the remote part: the room matters more. A
		// person can switch hybrid on once a licence is free.
		b.Hybrid.Enabled = false
		if created, err = s.st.Create(ref, b, s.actor); err == nil {
			s.problem("meeting %s is booked without remote participation: no video conference was available", s.label(mt))
		}
	}
	if err != nil {
		return s.refuse("meeting %s is not booked in %s: %v", s.label(mt), b.Room, err)
	}
	s.rep.Created++
	s.assumedEnd(mt, created)
	s.reportAgenda(mt)
	return true
}

func (s *syncer) update(mt Meeting, ref string, existing, want rooms.Booking) bool {
	for attempt := 0; ; attempt++ {
		_, err := s.st.Update(existing.ID, existing.Version, s.actor, func(b *rooms.Booking) error {
			b.Room, b.Title, b.Committee, b.Start, b.End = want.Room, want.Title, want.Committee, want.Start, want.End
			b.EndAssumed = want.EndAssumed
			if s.validate != nil {
				return s.validate(b)
			}
			return nil
		})
		var conflict *rooms.ConflictError
		switch {
		case err == nil:
			s.rep.Updated++
			s.assumedEnd(mt, want)
			s.reportAgenda(mt)
			return true
		case errors.As(err, &conflict):
			return s.refuse("meeting %s moved to %s–%s, but booking %s stays where it is: %v",
				s.label(mt), want.Start.In(s.zone).Format("02.01.2006 15:04"), want.End.In(s.zone).Format("15:04"), existing.ID, err)
		case errors.Is(err, rooms.ErrVersionMismatch) && attempt == 0:
			// Someone edited the booking meanwhile: look again, once.
			var found bool
			existing, found, err = s.st.FindByExternal(ref)
			if err != nil || !found || !s.active(existing) {
				return s.refuse("meeting %s: its booking changed during the import; retried next time", s.label(mt))
			}
			if same(existing, want) {
				s.rep.Unchanged++
				return true
			}
		default:
			return s.refuse("meeting %s: booking %s not updated: %v", s.label(mt), existing.ID, err)
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
		return s.refuse("meeting %s is cancelled, but booking %s is not: %v", s.label(mt), existing.ID, err)
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
