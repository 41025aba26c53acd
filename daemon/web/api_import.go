package web

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/kogge-project/kogge/integrations/ical"
	"github.com/kogge-project/kogge/rooms"
)

// invitation answers GET /bookings/{id}/invitation.ics: an iTIP REQUEST
// (or CANCEL, for a cancelled booking) to import into a groupware
// calendar or attach to a mail.
func (s *server) invitation(w http.ResponseWriter, r *http.Request, c *caller) error {
	b, err := s.store.Get(r.PathValue("id"))
	if err != nil {
		return err
	}
	if !canRead(c, &b) {
		return errForbidden // an invitation carries every detail
	}
	method := ical.MethodRequest
	if !b.Status.Blocks() {
		method = ical.MethodCancel
	}
	// The same organizer and attendee as the mailed invitation, so that a
	// groupware calendar treats the download and later mails as one event.
	organizer := ical.Address{Name: b.Organizer, Email: s.senderAddress()}
	if s.mail != nil {
		organizer = s.mail.from
	}
	inv := ical.Invitation{Method: method, Organizer: organizer, Booking: &b, Zone: s.defaultZone(), Rooms: s.catalog.Get, Now: s.now(),
		JoinURL: s.joins.InviteJoinURL, DialIn: s.joins.InviteDialIn}
	if b.Contact != "" {
		inv.Attendees = []ical.Address{{Name: b.Organizer, Email: b.Contact}}
	}
	if b.SeriesID != "" {
		sr, err := s.store.GetSeries(b.SeriesID)
		if err != nil {
			return err
		}
		inv.Series = &sr
	}
	var buf bytes.Buffer
	if err := ical.WriteInvitation(&buf, inv); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/calendar; charset=utf-8; method="+string(method))
	w.Header().Set("Content-Disposition", `attachment; filename="einladung-`+b.ID+`.ics"`)
	_, err = buf.WriteTo(w)
	return err
}

// senderAddress is the invitations' organizer mail address: no-reply at
// Kogge's own host, until mail sending is configured.
func (s *server) senderAddress() string {
	host := "localhost"
	if u, err := url.Parse(s.publicURL); err == nil && u.Hostname() != "" {
		host = u.Hostname()
	}
	return "noreply@" + host
}

// importPreview is one uploaded event as it would be booked.
type importPreview struct {
	UID      string               `json:"uid"`
	Title    string               `json:"title"`
	Rule     string               `json:"rule,omitempty"`
	Line     int                  `json:"line"`
	Meetings []importedMeeting    `json:"meetings"`
	Problems []rooms.FieldProblem `json:"problems,omitempty"`
}

type importedMeeting struct {
	Start      time.Time             `json:"start"`
	End        time.Time             `json:"end"`
	StartLocal string                `json:"start_local"`
	Problem    string                `json:"problem,omitempty"`
	Conflicts  []bookingConflictView `json:"conflicts,omitempty"`
}

// maxImportMeetings bounds one preview: a committee's plan is dozens.
const maxImportMeetings = 2000

// maxImportRuleDays bounds the days the preview's series expansions walk
// through in all: a rule is expanded from its first date, also through
// the years before today that the preview does not show, and 10,000
// daily series since the year 1 that ended yesterday would show nothing
// but take half an hour. A million days (about 0.3 s) is a hundred
// series of 27 years each (docs/security.md, "Limits").
const maxImportRuleDays = 1_000_000

// importICS answers POST /import/ics?room=: an uploaded .ics (a committee's
// meeting plan) checked against the room — every meeting with its problems
// and conflicts. Nothing is booked; the secretary books what she accepts.
func (s *server) importICS(w http.ResponseWriter, r *http.Request, c *caller) error {
	roomID := r.URL.Query().Get("room")
	room, ok := s.catalog.Get(roomID)
	if !ok {
		return rooms.UnknownRoom(roomID)
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, ical.MaxImportSize))
	if mbe := (*http.MaxBytesError)(nil); errors.As(err, &mbe) {
		return newProblem(http.StatusRequestEntityTooLarge, "too-large", "too-large.ics", "mib", ical.MaxImportSize>>20)
	}
	if err != nil {
		return err
	}
	// The request's context ends when the client goes away: a preview
	// nobody waits for is not worth finishing (docs/security.md, "Limits").
	ctx := r.Context()
	events, err := ical.ParseImportContext(ctx, bytes.NewReader(body), room.Zone)
	if err != nil {
		return importProblem(err)
	}
	now, total, ruleDays := s.now(), 0, 0
	horizon := now.AddDate(0, s.horizonMonthsOr18(), 0)
	out := []importPreview{}
	for _, ev := range events {
		if err := ctx.Err(); err != nil {
			return importProblem(err)
		}
		if !ev.RecurrenceID.IsZero() || ev.Cancelled {
			continue // overrides and cancellations follow their series
		}
		p := importPreview{UID: ev.UID, Title: ev.Summary, Rule: ev.Rule, Line: ev.Line}
		tmpl := rooms.Booking{Room: room.ID, Title: ev.Summary, Kind: rooms.KindCommittee, Organizer: c.user.Name,
			Start: ev.Start, End: ev.End, Setup: room.Setup, Teardown: room.Teardown, Status: rooms.StatusConfirmed}
		starts := []time.Time{ev.Start}
		if ev.Rule != "" {
			sr := rooms.Series{Template: tmpl, Rule: ev.Rule, ExDates: ev.ExDates}
			if err := rooms.ParseRule(ev.Rule); err != nil {
				p.Problems = append(p.Problems, rooms.FieldProblem{Field: "rule", Code: rooms.CodeInvalidRule, Message: err.Error()})
				out = append(out, p)
				continue
			}
			if ev.Start.Before(horizon) {
				if ruleDays += int(horizon.Sub(ev.Start).Hours()/24) + 1; ruleDays > maxImportRuleDays {
					return newProblem(http.StatusUnprocessableEntity, "ics-limit", "ics-limit.rule-days", "max", maxImportRuleDays)
				}
			}
			// Meetings already past are not worth previewing (nor counting).
			if starts, err = sr.Expand(room.Zone, maxTime(ev.Start, now), horizon); err != nil {
				p.Problems = append(p.Problems, rooms.FieldProblem{Field: "rule", Code: rooms.CodeInvalidRule, Message: err.Error()})
			}
			tmpl = sr.Template
			for _, st := range starts {
				if total++; total > maxImportMeetings {
					return newProblem(http.StatusUnprocessableEntity, "too-many-meetings", "too-many-meetings", "max", maxImportMeetings)
				}
				b := sr.Occurrence(room.Zone, st)
				p.Meetings = append(p.Meetings, s.previewMeeting(c, room, b, now))
			}
		} else {
			total++
			p.Meetings = append(p.Meetings, s.previewMeeting(c, room, tmpl, now))
		}
		out = append(out, p)
	}
	writeJSON(w, http.StatusOK, map[string]any{"room": room.ID, "events": out})
	return nil
}

// importProblem says why an upload was not read: which limit it went
// beyond, in words, or that it is no calendar Kogge can read.
func importProblem(err error) error {
	var le *ical.LimitError
	switch {
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		// Nobody reads the answer; the status (nginx's "client closed
		// request") keeps it out of the error log and apart in the metrics.
		return newProblem(499, "cancelled", "cancelled")
	case !errors.As(err, &le):
		return newProblem(http.StatusUnprocessableEntity, "invalid-ics", "invalid-ics")
	case le.Limit == ical.LimitSize:
		return newProblem(http.StatusRequestEntityTooLarge, "too-large", "too-large.ics", "mib", ical.MaxImportSize>>20)
	case le.Limit == ical.LimitEvents:
		return newProblem(http.StatusUnprocessableEntity, "ics-limit", "ics-limit.events", "max", le.Max)
	case le.Limit == ical.LimitProperties:
		return newProblem(http.StatusUnprocessableEntity, "ics-limit", "ics-limit.properties", "max", le.Max, "line", le.Line)
	case le.Limit == ical.LimitLine:
		return newProblem(http.StatusUnprocessableEntity, "ics-limit", "ics-limit.line", "kib", le.Max>>10, "line", le.Line)
	case le.Limit == ical.LimitZones:
		return newProblem(http.StatusUnprocessableEntity, "ics-limit", "ics-limit.zones", "max", le.Max)
	case le.Limit == ical.LimitObservances:
		return newProblem(http.StatusUnprocessableEntity, "ics-limit", "ics-limit.observances", "max", le.Max, "line", le.Line)
	default: // ical.LimitDates
		return newProblem(http.StatusUnprocessableEntity, "ics-limit", "ics-limit.dates", "max", le.Max)
	}
}

func (s *server) horizonMonthsOr18() int {
	if s.horizonMonths > 0 {
		return s.horizonMonths
	}
	return 18
}

// previewMeeting checks one meeting against the room's rules, closures and
// bookings.
func (s *server) previewMeeting(c *caller, room rooms.Room, b rooms.Booking, now time.Time) importedMeeting {
	m := importedMeeting{Start: b.Start.UTC(), End: b.End.UTC(), StartLocal: room.Local(b.Start)}
	if err := rooms.Validate(&b, room, now, true); err != nil {
		m.Problem = err.Error()
		return m
	}
	if cl, ok := rooms.ClosureFor(s.closureList(), room, b.Start); ok {
		m.Problem = fmt.Sprintf("closed: %s", cl.Reason)
		return m
	}
	others, err := s.store.Overlapping(room.ID, b.OccupiedFrom(), b.OccupiedUntil())
	if err != nil {
		m.Problem = err.Error()
		return m
	}
	for _, o := range others {
		if b.Collides(&o) {
			cv := bookingConflictView{ID: o.ID, Start: o.Start.UTC(), End: o.End.UTC()}
			if canRead(c, &o) {
				cv.Title = o.Title
			}
			m.Conflicts = append(m.Conflicts, cv)
		}
	}
	return m
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
