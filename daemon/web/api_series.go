package web

import (
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/kogge-project/kogge/daemon/problems"
	"github.com/kogge-project/kogge/rooms"
	"github.com/kogge-project/kogge/rooms/store"
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

type skippedView struct {
	Start      time.Time `json:"start"`
	StartLocal string    `json:"start_local"`
	Reason     string    `json:"reason"`
	// Kind says why, for pages to put in words: "closure" (Closure is
	// the closure's reason), "conflict" (Conflicts), "allocation" (no
	// video licence free) or "rules" (the room's rules refuse the day).
	Kind      string                `json:"kind"`
	Closure   string                `json:"closure,omitempty"`
	Conflicts []bookingConflictView `json:"conflicts,omitempty"`
}

// Kinds of skippedView.
const (
	skipClosure    = "closure"
	skipConflict   = "conflict"
	skipAllocation = "allocation"
	skipRules      = "rules"
)

// plannedSkips turns the occurrences planning left out (closures, the
// room's rules) into views.
func plannedSkips(room rooms.Room, planned []rooms.PlannedSkip) []skippedView {
	out := make([]skippedView, 0, len(planned))
	for _, p := range planned {
		v := skippedView{Start: p.Start.UTC(), StartLocal: room.Local(p.Start), Reason: p.Reason, Kind: skipRules}
		if p.Closure != nil {
			v.Kind, v.Closure = skipClosure, closureWords(*p.Closure)
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

func (s *server) skipped(c *caller, room rooms.Room, sk []store.SkippedOccurrence) []skippedView {
	out := make([]skippedView, 0, len(sk))
	for _, o := range sk {
		v := skippedView{Start: o.Start.UTC(), StartLocal: room.Local(o.Start), Reason: o.Reason, Kind: skipConflict}
		if strings.HasPrefix(o.Reason, store.ReasonAllocationPrefix) {
			v.Kind = skipAllocation
		}
		for _, b := range o.Conflicts {
			v.Conflicts = append(v.Conflicts, conflictViewOf(c, &b))
		}
		out = append(out, v)
	}
	return out
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
	var out seriesView
	err := s.catalog.Hold(func() error {
		if in.Room == nil {
			return rooms.UnknownRoom("")
		}
		room, ok := s.catalog.Get(*in.Room)
		if !ok {
			return rooms.UnknownRoom(*in.Room)
		}
		now := s.now()
		sr := rooms.Series{Rule: in.Rule, Template: rooms.Booking{
			Room: room.ID, Kind: rooms.KindCommittee, Status: rooms.StatusConfirmed,
			Organizer: c.user.Name, CreatedBy: c.user.Name, Setup: room.Setup, Teardown: room.Teardown,
		}}
		in.apply(&sr.Template)
		if in.CheckinRequired == nil {
			sr.Template.CheckinRequired = room.CheckinRequired && sr.Template.Kind != rooms.KindCouncil
		}
		for _, t := range in.ExDates {
			sr.ExDates = append(sr.ExDates, t.Time)
		}
		if err := rooms.ValidateSeries(&sr, room, now); err != nil {
			return err
		}
		sr.MaterialisedUntil = s.horizon(now)
		occ, planned, err := rooms.PlanOccurrences(&sr, room, s.closureList(), sr.Template.Start, sr.MaterialisedUntil, now)
		if err != nil {
			return err
		}
		if end, ok := sr.LastStart(room.Zone, sr.MaterialisedUntil); ok {
			// A bounded series that ends before the horizon is stored in
			// full: its record then ages out with its meetings (retention).
			sr.MaterialisedUntil = end.Add(time.Minute)
		}
		if dryRun {
			out, err = s.previewSeries(c, room, sr, occ, planned)
			return err
		}
		created, stored, skipped, err := s.store.CreateSeries(sr, occ, in.OnConflict == "skip", c.name())
		var sce *store.SeriesConflictError
		if errors.As(err, &sce) {
			p := newProblem(http.StatusConflict, "series-conflict", "series-conflict.create", "count", len(sce.Occurrences))
			p.Occurrences = s.skipped(c, room, sce.Occurrences)
			return p
		}
		if err != nil {
			return err
		}
		out = s.viewSeries(c, created)
		for _, b := range stored {
			out.Occurrences = append(out.Occurrences, s.view(c, b))
		}
		out.Booked = len(stored)
		s.mail.sendSeries(mailConfirmed, created, stored)
		out.Skipped = sortedSkips(append(plannedSkips(room, planned), s.skipped(c, room, skipped)...))
		return nil
	})
	if err != nil {
		return err
	}
	if dryRun {
		writeJSON(w, http.StatusOK, out)
		return nil
	}
	w.Header().Set("Location", "/api/v1/series/"+out.ID)
	w.Header().Set("ETag", `"`+itoa(out.Version)+`"`)
	writeJSON(w, http.StatusCreated, out)
	return nil
}

// previewSeries is the dry run of createSeries: what on_conflict "skip"
// would book and leave out, with nothing written.
func (s *server) previewSeries(c *caller, room rooms.Room, sr rooms.Series, occ []rooms.Booking, planned []rooms.PlannedSkip) (seriesView, error) {
	free, skipped, err := s.store.PreviewSeries(occ, c.name())
	if err != nil {
		return seriesView{}, err
	}
	out := s.viewSeries(c, sr)
	out.ID, out.Version = "", 0
	for _, b := range free {
		out.Occurrences = append(out.Occurrences, s.view(c, b))
	}
	out.Booked = len(free)
	out.Skipped = sortedSkips(append(plannedSkips(room, planned), s.skipped(c, room, skipped)...))
	return out, nil
}

func sortedSkips(v []skippedView) []skippedView {
	slices.SortStableFunc(v, func(a, b skippedView) int { return a.Start.Compare(b.Start) })
	return v
}

// horizon is how far ahead series are stored.
func (s *server) horizon(now time.Time) time.Time {
	months := s.horizonMonths
	if months <= 0 {
		months = 18
	}
	return now.AddDate(0, months, 0).UTC()
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
		out.Skipped = s.seriesGaps(c, sr, room, bs)
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
	if now := s.now(); from.Before(now) {
		from = now // meetings held or running are history, not cancelled
	}
	sr, err := s.store.GetSeries(r.PathValue("id"))
	if err != nil {
		return err
	}
	if !canRead(c, &sr.Template) {
		return errForbidden
	}
	// One transaction cancels the meetings and ends the rule where they
	// stop, so the horizon job cannot add any after the cut.
	cancelled, err := s.store.CancelSeries(sr.ID, from, c.name(), func(x *rooms.Series) error {
		x.Rule = rooms.RuleUntil(x.Rule, from.Add(-time.Second))
		if x.MaterialisedUntil.After(from) {
			x.MaterialisedUntil = from
		}
		return nil
	})
	if err != nil {
		return err
	}
	if sr, err = s.store.GetSeries(sr.ID); err != nil {
		return err
	}
	if occ, err := s.store.SeriesBookings(sr.ID, time.Time{}); err == nil {
		why := mailChanged // the rule now ends earlier
		if from.IsZero() || !from.After(sr.Template.Start) {
			why = mailCancelled
		}
		s.mail.sendSeries(why, sr, occ)
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
	now := s.now()
	from := now
	switch scope := r.URL.Query().Get("scope"); scope {
	case "", "all":
	case "following":
		if from, err = queryTime(r, "from"); err != nil || from.IsZero() {
			return badQuery("from", "bad-query.from-needed")
		}
		if from.Before(now) {
			from = now // meetings already held are history
		}
	default:
		return badQuery("scope", "bad-query.scope")
	}
	var sr rooms.Series
	var edited []rooms.Booking
	err = s.catalog.Hold(func() error {
		cur, err := s.store.GetSeries(r.PathValue("id"))
		if err != nil {
			return err
		}
		if !canRead(c, &cur.Template) {
			return errForbidden
		}
		room, ok := s.catalog.Get(cur.Template.Room)
		if !ok {
			return rooms.UnknownRoom(cur.Template.Room)
		}
		retime := func(b *rooms.Booking) error {
			var err error
			if in.StartTime != nil {
				if b.Start, err = atClock(b.Start, *in.StartTime, room.Zone, "start_time"); err != nil {
					return err
				}
			}
			if in.EndTime != nil {
				if b.End, err = atClock(b.End, *in.EndTime, room.Zone, "end_time"); err != nil {
					return err
				}
			}
			return nil
		}
		sr, edited, err = s.store.EditSeries(cur.ID, version, from, c.name(), func(x *rooms.Series) error {
			in.apply(&x.Template)
			if in.StartTime != nil {
				// EXDATEs name occurrence starts: they move with the time of day.
				for i, t := range x.ExDates {
					if x.ExDates[i], err = atClock(t, *in.StartTime, room.Zone, "start_time"); err != nil {
						return err
					}
				}
			}
			return retime(&x.Template)
		}, func(b *rooms.Booking) (bool, error) {
			in.apply(b)
			if err := retime(b); err != nil {
				return false, err
			}
			return true, rooms.Validate(b, room, now, in.StartTime != nil)
		})
		var sce *store.SeriesConflictError
		if errors.As(err, &sce) {
			p := newProblem(http.StatusConflict, "series-conflict", "series-conflict.update", "count", len(sce.Occurrences))
			p.Occurrences = s.skipped(c, room, sce.Occurrences)
			return p
		}
		return err
	})
	if err != nil {
		return s.storeError(c, err)
	}
	out := s.viewSeries(c, sr)
	for _, b := range edited {
		out.Occurrences = append(out.Occurrences, s.view(c, b))
	}
	if occ, err := s.store.SeriesBookings(sr.ID, time.Time{}); err == nil {
		s.mail.sendSeries(mailChanged, sr, occ)
	}
	w.Header().Set("ETag", `"`+itoa(sr.Version)+`"`)
	writeJSON(w, http.StatusOK, out)
	return nil
}

// atClock moves t to the wall-clock time hhmm on its own local date.
func atClock(t time.Time, hhmm string, zone *time.Location, field string) (time.Time, error) {
	c, err := time.Parse("15:04", hhmm)
	if err != nil {
		return t, fieldProblem(field, "field.clock", "value", problems.Quoted(hhmm))
	}
	y, m, d := t.In(zone).Date()
	return time.Date(y, m, d, c.Hour(), c.Minute(), 0, 0, zone).UTC(), nil
}
