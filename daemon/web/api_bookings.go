package web

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/kogge-project/kogge/daemon/problems"
	"github.com/kogge-project/kogge/rooms"
	"github.com/kogge-project/kogge/rooms/bookings"
	"github.com/kogge-project/kogge/rooms/store"
)

// What the booking handlers share (api_bookings_handlers.go,
// api_timeline.go, api_series.go, api_panel.go and others): the input they
// read, the views they answer with, conflicts and versions, and the
// booking service's actor and refusals.

// bookingInput is the body of POST and PATCH /bookings. Every field is a
// pointer so that PATCH changes only what it names.
type bookingInput struct {
	Room            *string       `json:"room"`
	Title           *string       `json:"title"`
	Kind            *rooms.Kind   `json:"kind"`
	Organizer       *string       `json:"organizer"`
	Committee       *string       `json:"committee"`
	Start           *apiTime      `json:"start"`
	End             *apiTime      `json:"end"`
	SetupMinutes    *int          `json:"setup_minutes"`
	TeardownMinutes *int          `json:"teardown_minutes"`
	Status          *rooms.Status `json:"status"`
	Hybrid          *rooms.Hybrid `json:"hybrid"`
	Confidential    *bool         `json:"confidential"`
	Notes           *string       `json:"notes"`
	CheckinRequired *bool         `json:"checkin_required"`
	Contact         *string       `json:"contact"`
}

// readEdit reads what every PATCH needs: the If-Match version and a JSON
// body that passes its own check.
func readEdit(w http.ResponseWriter, r *http.Request, in interface{ check() error }) (uint64, error) {
	version, err := ifMatch(r)
	if err != nil {
		return 0, err
	}
	if err := decodeJSON(w, r, in); err != nil {
		return 0, err
	}
	return version, in.check()
}

// check refuses what a client may not set directly.
func (in *bookingInput) check() error {
	if in.Status != nil && !in.Status.Settable() {
		return fieldProblem("status", "field.status-settable", "value", problems.Key("status."+string(*in.Status)))
	}
	return nil
}

// apply copies the named fields onto b. The room is applied by the caller,
// which must look it up first.
func (in *bookingInput) apply(b *rooms.Booking) {
	set(&b.Title, in.Title)
	set(&b.Kind, in.Kind)
	set(&b.Organizer, in.Organizer)
	set(&b.Committee, in.Committee)
	set(&b.Status, in.Status)
	set(&b.Hybrid, in.Hybrid)
	set(&b.Confidential, in.Confidential)
	set(&b.Notes, in.Notes)
	set(&b.CheckinRequired, in.CheckinRequired)
	set(&b.Contact, in.Contact)
	if in.Start != nil {
		b.Start = in.Start.Time
	}
	if in.End != nil {
		b.End = in.End.Time
	}
	if in.SetupMinutes != nil {
		b.Setup = minutes(*in.SetupMinutes)
	}
	if in.TeardownMinutes != nil {
		b.Teardown = minutes(*in.TeardownMinutes)
	}
}

// minutes converts a buffer from the API without overflowing: values
// outside what any buffer may be become -1 min, which Validate refuses.
func minutes(n int) time.Duration {
	if n < 0 || n > int(rooms.MaxBuffer/time.Minute) {
		return -time.Minute
	}
	return time.Duration(n) * time.Minute
}

func set[T any](dst *T, src *T) {
	if src != nil {
		*dst = *src
	}
}

// bookingView is a booking as the API shows it: UTC instants plus the
// room's local time, buffers in minutes. Redacted views of confidential
// bookings keep only what a calendar needs to show a busy block.
type bookingView struct {
	ID              string        `json:"id"`
	Room            string        `json:"room"`
	Title           string        `json:"title"`
	Kind            rooms.Kind    `json:"kind,omitempty"`
	Organizer       string        `json:"organizer,omitempty"`
	Committee       string        `json:"committee,omitempty"`
	Start           time.Time     `json:"start"`
	End             time.Time     `json:"end"`
	StartLocal      string        `json:"start_local"`
	EndLocal        string        `json:"end_local"`
	SetupMinutes    int           `json:"setup_minutes"`
	TeardownMinutes int           `json:"teardown_minutes"`
	Status          rooms.Status  `json:"status"`
	Hybrid          *rooms.Hybrid `json:"hybrid,omitempty"`
	Confidential    bool          `json:"confidential"`
	Notes           string        `json:"notes,omitempty"`
	Contact         string        `json:"contact,omitempty"`
	SeriesID        string        `json:"series_id,omitempty"`
	Exception       bool          `json:"exception,omitempty"`
	CheckinRequired bool          `json:"checkin_required"`
	CheckedIn       *time.Time    `json:"checked_in,omitempty"`
	// EndAssumed: imported without a usable end; the length is assumed.
	EndAssumed bool       `json:"end_assumed,omitempty"`
	CreatedBy  string     `json:"created_by,omitempty"`
	Created    *time.Time `json:"created,omitempty"`
	Updated    *time.Time `json:"updated,omitempty"`
	Version    uint64     `json:"version"`
	Redacted   bool       `json:"redacted,omitempty"`
	// Meeting: the provider hosting the remote part, for hybrid bookings.
	Meeting *meetingView `json:"meeting,omitempty"`
}

// meetingView is where a hybrid booking's meeting lives: the provider,
// how far provisioning got, and the provider's own join details (the link
// sent to participants stays Kogge's /j/ link either way).
type meetingView struct {
	Provider  string           `json:"provider"`
	State     store.AllocState `json:"state"`
	Licence   string           `json:"licence,omitempty"`
	JoinURL   string           `json:"join_url,omitempty"`
	DialIn    string           `json:"dialin,omitempty"`
	Attempts  int              `json:"attempts,omitempty"`
	LastError string           `json:"last_error,omitempty"`
	// Moved lists providers the meeting moved away from after failures.
	Moved []string `json:"moved_from,omitempty"`
}

// meetingOf reads a booking's allocation for its view; nil without one.
func (s *server) meetingOf(b rooms.Booking) *meetingView {
	if !b.Hybrid.Enabled {
		return nil
	}
	a, ok, err := s.store.Allocation(b.ID)
	if err != nil || !ok {
		return nil
	}
	return &meetingView{Provider: a.Provider, State: a.State, Licence: a.Licence, JoinURL: a.JoinURL, DialIn: a.DialIn,
		Attempts: a.Attempts, LastError: a.LastError, Moved: a.Excluded}
}

// confidentialTitle replaces the title of bookings the caller may not read.
const confidentialTitle = "Confidential booking"

// canRead says whether c may see a booking's details: the booking
// service's rule (confidential bookings for admins and their creator only).
func canRead(c *caller, b *rooms.Booking) bool { return bookingActor(c).MayRead(b) }

func (s *server) view(c *caller, b rooms.Booking) bookingView {
	room, _ := s.catalog.Get(b.Room)
	v := bookingView{
		ID: b.ID, Room: b.Room, Start: b.Start.UTC(), End: b.End.UTC(),
		StartLocal: room.Local(b.Start), EndLocal: room.Local(b.End),
		SetupMinutes: int(b.Setup / time.Minute), TeardownMinutes: int(b.Teardown / time.Minute),
		Status: b.Status, Confidential: b.Confidential, Version: b.Version,
		SeriesID: b.SeriesID, Exception: b.Exception, CheckinRequired: b.CheckinRequired,
		EndAssumed: b.EndAssumed,
	}
	if !b.CheckedIn.IsZero() {
		v.CheckedIn = &b.CheckedIn
	}
	if !canRead(c, &b) {
		v.Title, v.Redacted = confidentialTitle, true
		return v
	}
	v.Title, v.Kind, v.Organizer, v.Committee, v.Notes, v.Contact = b.Title, b.Kind, b.Organizer, b.Committee, b.Notes, b.Contact
	v.Hybrid, v.CreatedBy, v.Created, v.Updated = &b.Hybrid, b.CreatedBy, &b.Created, &b.Updated
	v.Meeting = s.meetingOf(b)
	return v
}

// conflictViewOf is another booking in the way, as the caller may see it:
// its title only when the caller may read the booking.
func conflictViewOf(c *caller, b *rooms.Booking) bookingConflictView {
	cv := bookingConflictView{ID: b.ID, Start: b.Start.UTC(), End: b.End.UTC()}
	if canRead(c, b) {
		cv.Title = b.Title
	} else {
		cv.Redacted = true
	}
	return cv
}

func (s *server) conflictProblem(c *caller, ce *rooms.ConflictError) *problem {
	p := newProblem(http.StatusConflict, "conflict", "conflict")
	for _, b := range ce.Conflicts {
		p.Conflicts = append(p.Conflicts, conflictViewOf(c, &b))
	}
	if len(ce.Conflicts) == 1 && p.Conflicts[0].Title != "" {
		// The other meeting's own times, in its room's local time.
		b := ce.Conflicts[0]
		room, _ := s.catalog.Get(b.Room)
		p.key, p.args = "conflict.with", problems.Args{"title": problems.Quoted(b.Title),
			"from": inZone(room, b.Start), "until": inZone(room, b.End)}
	}
	return p
}

// storeError turns a conflict into a 409 that names the colliding bookings
// as far as c may see them; other errors pass to toProblem.
func (s *server) storeError(c *caller, err error) error {
	var ce *rooms.ConflictError
	if errors.As(err, &ce) {
		return s.conflictProblem(c, ce)
	}
	return err
}

// bookingActor is the caller as the booking service knows it.
func bookingActor(c *caller) bookings.Actor {
	// Whose bookings: a token acts as its user, a panel as "panel:<name>";
	// the audit log says which token or panel device it was.
	a := bookings.Actor{Name: c.user.Name, AuditName: c.name(), Admin: c.isAdmin()}
	if c.panel != nil {
		a.Room = c.panel.Room
	}
	return a
}

// bookingError turns the booking service's refusals into problems.
func bookingError(err error) error {
	var r *bookings.Refusal
	switch {
	case err == nil:
		return nil
	case errors.Is(err, bookings.ErrForbidden):
		return errForbidden
	case errors.As(err, &r):
		kv := make([]any, len(r.Args))
		for i, v := range r.Args {
			if k, ok := v.(bookings.MessageKey); ok {
				v = problems.Key(k)
			}
			kv[i] = v
		}
		if r.Field != "" {
			return fieldProblem(r.Field, r.Key, kv...)
		}
		return newProblem(http.StatusConflict, r.Code, r.Key, kv...)
	}
	return err
}

// answerBooking writes a changed booking, or maps the error.
func (s *server) answerBooking(w http.ResponseWriter, c *caller, b rooms.Booking, err error) error {
	if err != nil {
		return s.storeError(c, err)
	}
	w.Header().Set("ETag", etag(b))
	writeJSON(w, http.StatusOK, s.view(c, b))
	return nil
}

func etag(b rooms.Booking) string { return `"` + itoa(b.Version) + `"` }

func itoa(v uint64) string { return strconv.FormatUint(v, 10) }

// ifMatch reads the version a PATCH or DELETE was based on. "*" means any.
func ifMatch(r *http.Request) (uint64, error) {
	h := strings.TrimSpace(r.Header.Get("If-Match"))
	if h == "" {
		return 0, errPreconditionReq
	}
	if h == "*" {
		return 0, nil
	}
	// Strong comparison (RFC 9110 13.1.1): only "N" matches; a weak or
	// malformed tag never does.
	inner, ok := strings.CutPrefix(h, `"`)
	inner, ok2 := strings.CutSuffix(inner, `"`)
	v, err := strconv.ParseUint(inner, 10, 64)
	if !ok || !ok2 || err != nil || v == 0 {
		return 0, newProblem(http.StatusPreconditionFailed, "stale", "stale.if-match")
	}
	return v, nil
}
