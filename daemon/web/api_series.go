package web

import (
	"errors"
	"net/http"

	"time"

	"github.com/kogge-project/kogge/daemon/problems"
	"github.com/kogge-project/kogge/rooms"
	"github.com/kogge-project/kogge/rooms/bookings"
)

// seriesInput is the body of POST /series: a booking template (its start
// and end are the first meeting), the RRULE, optional EXDATEs, and what to
// do when occurrences collide.
type seriesInput struct {
	bookingInput
	Rule       string    `json:"rule"`
	ExDates    []apiTime `json:"exdates"`
	OnConflict string    `json:"on_conflict"` // "fail" (default) or "skip"
}

type seriesView struct {
	ID                string        `json:"id"`
	Template          bookingView   `json:"template"`
	Rule              string        `json:"rule"`
	RuleDE            string        `json:"rule_de"`
	RuleEN            string        `json:"rule_en"`
	ExDates           []time.Time   `json:"exdates,omitempty"`
	MaterialisedUntil time.Time     `json:"materialised_until"`
	Version           uint64        `json:"version"`
	Occurrences       []bookingView `json:"occurrences,omitempty"`
	// Booked counts the meetings that hold the room (not cancelled,
	// released or left out): what a page says the series has.
	Booked  int           `json:"booked"`
	Skipped []skippedView `json:"skipped,omitempty"`
}

// skipViews are the dates a series left out, as the API shows them.
func skipViews(c *caller, room rooms.Room, sk []bookings.Skip) []skippedView {
	out := make([]skippedView, 0, len(sk))
	for _, k := range sk {
		v := skippedView{Start: k.Start.UTC(), StartLocal: room.Local(k.Start), Reason: k.Reason, Kind: k.Kind}
		if k.Closure != nil {
			v.Closure = closureWords(*k.Closure)
		}
		for _, b := range k.Conflicts {
			v.Conflicts = append(v.Conflicts, conflictViewOf(c, &b))
		}
		out = append(out, v)
	}
	return out
}

// closureWords is what a page says a closure is: its reason, or its days.
func closureWords(c rooms.Closure) string {
	if c.Reason != "" {
		return c.Reason
	}
	return c.From.String() + "–" + c.To.String()
}

func (s *server) viewSeries(c *caller, sr rooms.Series) seriesView {
	room, _ := s.catalog.Get(sr.Template.Room)
	v := seriesView{ID: sr.ID, Template: s.view(c, sr.Template), Rule: sr.Rule, ExDates: sr.ExDates,
		MaterialisedUntil: sr.MaterialisedUntil, Version: sr.Version}
	v.Template.ID, v.Template.Version = "", 0 // the template is no booking of its own
	if room.Zone != nil {
		v.RuleDE, v.RuleEN, _ = rooms.DescribeRule(sr.Rule, sr.Template.Start, sr.Template.End, room.Zone)
	}
	if v.Template.Redacted {
		v.Rule, v.RuleDE, v.RuleEN = "", "", "" // the rhythm of someone's interviews is theirs
	}
	return v
}

// seriesConflict is the 409 of a series operation some of whose dates
// collide (key names the operation).
func seriesConflict(c *caller, room rooms.Room, sce *rooms.SeriesConflictError, key string) *problem {
	p := newProblem(http.StatusConflict, "series-conflict", key, "count", len(sce.Occurrences))
	p.Occurrences = skipViews(c, room, bookings.ConflictSkips(sce.Occurrences))
	return p
}

// seriesError turns the booking service's refusals of a series operation
// into problems: one that the caller may not touch some of its meetings
// is a 403 saying how many.
func seriesError(err error) error {
	if r, ok := errors.AsType[*bookings.Refusal](err); ok && r.Code == bookings.CodeForbidden {
		return newProblem(http.StatusForbidden, r.Code, r.Key, r.Args...)
	}
	return bookingError(err)
}

// createSeries answers POST /series. Everything happens in one store
// transaction: with on_conflict "fail" any collision writes nothing (409
// listing every colliding occurrence); with "skip" the free occurrences are
// written and the rest reported. Days on a closure are always skipped.
//
// With ?dry_run=1 it books nothing and answers 200 with what booking with
// on_conflict "skip" would do: the occurrences it would book and every one
// it would leave out, and why (closure, collision, the room's rules), so
// the form can name the dates before anything is sent.
func (s *server) createSeries(w http.ResponseWriter, r *http.Request, c *caller) error {
	var in seriesInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	dryRun := false
	switch r.URL.Query().Get("dry_run") {
	case "", "0", "false":
	case "1", "true":
		dryRun = true
	default:
		return badQuery("dry_run", "bad-query.dry-run")
	}
	if err := in.check(); err != nil {
		return err
	}
	if in.OnConflict == "" {
		in.OnConflict = "fail"
	}
	if in.OnConflict != "fail" && in.OnConflict != "skip" {
		return fieldProblem("on_conflict", "field.on-conflict")
	}
	n := bookings.NewSeries{Rule: in.Rule, Apply: in.apply, CheckinRequired: in.CheckinRequired, SkipConflicts: in.OnConflict == "skip"}
	if in.Room != nil {
		n.Room = *in.Room
	}
	for _, t := range in.ExDates {
		n.ExDates = append(n.ExDates, t.Time)
	}
	create := s.bookings.CreateSeries
	if dryRun {
		create = s.bookings.PreviewSeries
	}
	res, err := create(bookingActor(c), n)
	room, _ := s.catalog.Get(n.Room)
	if sce, ok := errors.AsType[*rooms.SeriesConflictError](err); ok {
		return seriesConflict(c, room, sce, "series-conflict.create")
	}
	if err != nil {
		return seriesError(err)
	}
	out := s.viewSeries(c, res.Series)
	for _, b := range res.Occurrences {
		out.Occurrences = append(out.Occurrences, s.view(c, b))
	}
	out.Booked = len(res.Occurrences)
	out.Skipped = skipViews(c, room, res.Skipped)
	if dryRun {
		out.ID, out.Version = "", 0
		writeJSON(w, http.StatusOK, out)
		return nil
	}
	w.Header().Set("Location", "/api/v1/series/"+out.ID)
	w.Header().Set("ETag", `"`+itoa(out.Version)+`"`)
	writeJSON(w, http.StatusCreated, out)
	return nil
}

func (s *server) getSeries(w http.ResponseWriter, r *http.Request, c *caller) error {
	sr, err := s.store.GetSeries(r.PathValue("id"))
	if err != nil {
		return err
	}
	bs, err := s.store.SeriesBookings(sr.ID, time.Time{})
	if err != nil {
		return err
	}
	out := s.viewSeries(c, sr)
	for _, b := range bs {
		out.Occurrences = append(out.Occurrences, s.view(c, b))
		if b.Status.Blocks() {
			out.Booked++
		}
	}
	if room, ok := s.catalog.Get(sr.Template.Room); ok && !out.Template.Redacted {
		out.Skipped = skipViews(c, room, s.bookings.SeriesGaps(sr, bs))
	}
	w.Header().Set("ETag", `"`+itoa(sr.Version)+`"`)
	writeJSON(w, http.StatusOK, out)
	return nil
}

// cancelSeries answers DELETE /series/{id}?from=: cancels the meetings
// from that instant on (all without from) and ends the rule there, so the
// horizon job adds no more.
func (s *server) cancelSeries(w http.ResponseWriter, r *http.Request, c *caller) error {
	from, err := queryTime(r, "from")
	if err != nil {
		return err
	}
	sr, cancelled, err := s.bookings.CancelSeries(bookingActor(c), r.PathValue("id"), from)
	if err != nil {
		return seriesError(err)
	}
	out := s.viewSeries(c, sr)
	for _, b := range cancelled {
		out.Occurrences = append(out.Occurrences, s.view(c, b))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// seriesPatch is the body of PATCH /series/{id}: the template fields to
// change, and new local times of day. Moving a series to another room or
// day is cancelling it from a date and starting a new one.
type seriesPatch struct {
	bookingInput
	StartTime *string `json:"start_time"` // "HH:MM" in the room's zone
	EndTime   *string `json:"end_time"`
}

// patchSeries answers PATCH /series/{id}?scope=all|following&from=: the
// change applies to the template and to every meeting still to be held
// (scope all) or from `from` on (following); meetings edited on their own
// keep their edits. One transaction: a collision changes nothing (409).
func (s *server) patchSeries(w http.ResponseWriter, r *http.Request, c *caller) error {
	var in seriesPatch
	version, err := readEdit(w, r, &in)
	if err != nil {
		return err
	}
	if in.Status != nil {
		return fieldProblem("status", "field.series-status")
	}
	if in.Room != nil || in.Start != nil || in.End != nil {
		return fieldProblem("start", "field.series-fixed")
	}
	e := bookings.SeriesEdit{Version: version, Apply: in.apply}
	switch scope := r.URL.Query().Get("scope"); scope {
	case "", "all":
	case "following":
		if e.From, err = queryTime(r, "from"); err != nil || e.From.IsZero() {
			return badQuery("from", "bad-query.from-needed")
		}
	default:
		return badQuery("scope", "bad-query.scope")
	}
	if e.StartAt, err = clockOf(in.StartTime, "start_time"); err != nil {
		return err
	}
	if e.EndAt, err = clockOf(in.EndTime, "end_time"); err != nil {
		return err
	}
	sr, edited, err := s.bookings.EditSeries(bookingActor(c), r.PathValue("id"), e)
	if sce, ok := errors.AsType[*rooms.SeriesConflictError](err); ok {
		cur, _ := s.store.GetSeries(r.PathValue("id")) // nothing changed: as it was
		room, _ := s.catalog.Get(cur.Template.Room)
		return seriesConflict(c, room, sce, "series-conflict.update")
	}
	if err != nil {
		return s.storeError(c, seriesError(err))
	}
	out := s.viewSeries(c, sr)
	for _, b := range edited {
		out.Occurrences = append(out.Occurrences, s.view(c, b))
	}
	w.Header().Set("ETag", `"`+itoa(sr.Version)+`"`)
	writeJSON(w, http.StatusOK, out)
	return nil
}

// clockOf reads a local time of day "HH:MM" (nil: none given).
func clockOf(hhmm *string, field string) (*bookings.Clock, error) {
	if hhmm == nil {
		return nil, nil
	}
	c, err := time.Parse("15:04", *hhmm)
	if err != nil {
		return nil, fieldProblem(field, "field.clock", "value", problems.Quoted(*hhmm))
	}
	return &bookings.Clock{Hour: c.Hour(), Minute: c.Minute()}, nil
}
