package bookings

import (
	"slices"
	"time"

	"github.com/kogge-project/kogge/rooms"
)

// The series operations: create (or preview), edit, cancel from a date,
// and extend to the horizon. Each one is one store transaction; its
// meetings reach listeners through the change feed, the operation as a
// whole through the series feed (rooms.SeriesFeed), which the contact's
// one mail per operation follows.

// Why a date of a series holds no meeting (Skip.Kind).
const (
	SkipClosure    = "closure"    // the room is closed that day (Skip.Closure)
	SkipConflict   = "conflict"   // another booking has the room (Skip.Conflicts)
	SkipAllocation = "allocation" // no video licence was free
	SkipRules      = "rules"      // the room's rules refuse the day
)

// Skip is a date of a series that holds no meeting, and why.
type Skip struct {
	Start  time.Time
	Kind   string
	Reason string // the store's or planner's own words, for the API
	// Closure is the closure the day falls on (Kind SkipClosure).
	Closure *rooms.Closure
	// Conflicts are the bookings that have the room (Kind SkipConflict).
	Conflicts []rooms.Booking
}

// NewSeries is what a new series is made of: the request's template
// fields over the defaults, the rule and its exceptions.
type NewSeries struct {
	Room    string
	Rule    string
	ExDates []time.Time
	// Apply sets the requested template fields (title, the first
	// meeting's start and end, kind …) over the defaults; nil: none.
	Apply func(*rooms.Booking)
	// CheckinRequired nil: the room's default (never for council sessions).
	CheckinRequired *bool
	// SkipConflicts books the free dates and reports the others; without
	// it any collision books nothing (*rooms.SeriesConflictError).
	SkipConflicts bool
}

// SeriesResult is a series with the meetings an operation stored (or
// would store) and the dates it left out, by start.
type SeriesResult struct {
	Series      rooms.Series
	Occurrences []rooms.Booking
	Skipped     []Skip
}

// CreateSeries books a series: every date up to the horizon (or the rule's
// end) that is not on a closure and that the room's rules allow.
func (s *Service) CreateSeries(a Actor, n NewSeries) (SeriesResult, error) {
	return s.createSeries(a, n, false)
}

// PreviewSeries says what CreateSeries with SkipConflicts would book and
// leave out, and why, writing nothing.
func (s *Service) PreviewSeries(a Actor, n NewSeries) (SeriesResult, error) {
	n.SkipConflicts = true
	return s.createSeries(a, n, true)
}

func (s *Service) createSeries(a Actor, n NewSeries, dryRun bool) (SeriesResult, error) {
	if a.Room != "" {
		return SeriesResult{}, ErrForbidden // a panel acts on meetings, it books no series
	}
	var out SeriesResult
	err := s.o.Hold(func() error {
		room, ok := s.o.Room(n.Room)
		if !ok {
			return rooms.UnknownRoom(n.Room)
		}
		now := s.o.Now()
		sr := rooms.Series{Rule: n.Rule, Template: rooms.Booking{
			Room: room.ID, Kind: rooms.KindCommittee, Status: rooms.StatusConfirmed,
			Organizer: a.Name, CreatedBy: a.Name, Setup: room.Setup, Teardown: room.Teardown,
		}}
		if n.Apply != nil {
			n.Apply(&sr.Template)
		}
		sr.Template.Room = room.ID
		if n.CheckinRequired != nil {
			sr.Template.CheckinRequired = *n.CheckinRequired
		} else {
			sr.Template.CheckinRequired = room.CheckinRequired && sr.Template.Kind != rooms.KindCouncil
		}
		sr.ExDates = append(sr.ExDates, n.ExDates...)
		if err := rooms.ValidateSeries(&sr, room, now); err != nil {
			return err
		}
		sr.MaterialisedUntil = s.horizon(now)
		occ, planned, err := rooms.PlanOccurrences(&sr, room, s.closures(), sr.Template.Start, sr.MaterialisedUntil, now)
		if err != nil {
			return err
		}
		if end, ok := sr.LastStart(room.Zone, sr.MaterialisedUntil); ok {
			// A bounded series that ends before the horizon is stored in
			// full: its record then ages out with its meetings (retention).
			sr.MaterialisedUntil = end.Add(time.Minute)
		}
		var skipped []rooms.SkippedOccurrence
		if dryRun {
			out.Series = sr
			out.Occurrences, skipped, err = s.o.Store.PreviewSeries(occ, a.audit())
		} else {
			out.Series, out.Occurrences, skipped, err = s.o.Store.CreateSeries(sr, occ, n.SkipConflicts, a.audit())
		}
		if err != nil {
			return err
		}
		out.Skipped = append(plannedSkips(planned), ConflictSkips(skipped)...)
		slices.SortStableFunc(out.Skipped, func(a, b Skip) int { return a.Start.Compare(b.Start) })
		return nil
	})
	return out, err
}

// plannedSkips are the dates planning left out (closures, the room's rules).
func plannedSkips(planned []rooms.PlannedSkip) []Skip {
	out := make([]Skip, 0, len(planned))
	for _, p := range planned {
		k := Skip{Start: p.Start, Kind: SkipRules, Reason: p.Reason}
		if p.Closure != nil {
			c := *p.Closure
			k.Kind, k.Closure = SkipClosure, &c
		}
		out = append(out, k)
	}
	return out
}

// ConflictSkips are the dates the store left out (or refuses, in a
// *rooms.SeriesConflictError) because the room or a licence was taken.
func ConflictSkips(sk []rooms.SkippedOccurrence) []Skip {
	out := make([]Skip, 0, len(sk))
	for _, o := range sk {
		k := Skip{Start: o.Start, Kind: SkipConflict, Reason: o.Reason, Conflicts: o.Conflicts}
		if o.Err != nil {
			k.Kind = SkipAllocation
		}
		out = append(out, k)
	}
	return out
}

// Clock is a local time of day.
type Clock struct{ Hour, Minute int }

// on is c on t's local date in zone.
func (c Clock) on(t time.Time, zone *time.Location) time.Time {
	y, m, d := t.In(zone).Date()
	return time.Date(y, m, d, c.Hour, c.Minute, 0, 0, zone).UTC()
}

// SeriesEdit is a change of a series' template and of its meetings still
// to be held. A series keeps its room and days: moving it is cancelling
// it from a date and booking a new one.
type SeriesEdit struct {
	// Version is the series' version (0: no check).
	Version uint64
	// From is the first meeting to change; zero or past: every meeting
	// still to be held (those already held are history).
	From time.Time
	// Apply sets the requested template fields; nil: none.
	Apply func(*rooms.Booking)
	// StartAt, EndAt are new local times of day (nil: unchanged).
	StartAt, EndAt *Clock
}

// EditSeries changes the template and every meeting from e.From on that is
// still to be held; meetings edited on their own keep their edits. A
// collision changes nothing (*rooms.SeriesConflictError); so does a
// meeting the actor may not act on (a *Refusal naming how many).
func (s *Service) EditSeries(a Actor, id string, e SeriesEdit) (rooms.Series, []rooms.Booking, error) {
	now := s.o.Now()
	from := e.From
	if from.Before(now) {
		from = now
	}
	var sr rooms.Series
	var edited []rooms.Booking
	err := s.o.Hold(func() error {
		cur, err := s.o.Store.GetSeries(id)
		if err != nil {
			return err
		}
		if !a.MayAct(&cur.Template) {
			return ErrForbidden
		}
		room, ok := s.o.Room(cur.Template.Room)
		if !ok {
			return rooms.UnknownRoom(cur.Template.Room)
		}
		// Counted before the transaction to name them all; the check in
		// it refuses one that became untouchable meanwhile.
		occ, err := s.o.Store.SeriesBookings(id, from)
		if err != nil {
			return err
		}
		var held []rooms.Booking
		for _, b := range occ {
			if b.Status.Blocks() && b.Status != rooms.StatusEnded && !b.Exception {
				held = append(held, b)
			}
		}
		if r := untouchable(a, held, room); r != nil {
			return r
		}
		retime := func(b *rooms.Booking) {
			if e.StartAt != nil {
				b.Start = e.StartAt.on(b.Start, room.Zone)
			}
			if e.EndAt != nil {
				b.End = e.EndAt.on(b.End, room.Zone)
			}
		}
		sr, edited, err = s.o.Store.EditSeries(id, e.Version, from, a.audit(), func(x *rooms.Series) error {
			if e.Apply != nil {
				e.Apply(&x.Template)
			}
			if e.StartAt != nil {
				// EXDATEs name occurrence starts: they move with the time of day.
				for i, t := range x.ExDates {
					x.ExDates[i] = e.StartAt.on(t, room.Zone)
				}
			}
			retime(&x.Template)
			return nil
		}, func(b *rooms.Booking) (bool, error) {
			if !a.MayAct(b) {
				return false, untouchable(a, []rooms.Booking{*b}, room)
			}
			if e.Apply != nil {
				e.Apply(b)
			}
			retime(b)
			return true, rooms.Validate(b, room, now, e.StartAt != nil)
		})
		return err
	})
	return sr, edited, err
}

// CancelSeries cancels the meetings from `from` on (zero or past: every
// one still to come; those held or running are history) and ends the rule
// there, in one transaction, so the horizon job adds none after the cut.
// A meeting the actor may not act on refuses the whole cancellation (a
// *Refusal naming how many) and changes nothing. It returns the series as
// it is now and the meetings it cancelled.
func (s *Service) CancelSeries(a Actor, id string, from time.Time) (rooms.Series, []rooms.Booking, error) {
	if now := s.o.Now(); from.Before(now) {
		from = now
	}
	sr, err := s.o.Store.GetSeries(id)
	if err != nil {
		return sr, nil, err
	}
	if !a.MayAct(&sr.Template) {
		return sr, nil, ErrForbidden
	}
	room, _ := s.o.Room(sr.Template.Room) // a room gone from the config: its series can still be cancelled
	cancelled, err := s.o.Store.CancelSeriesChecked(sr.ID, from, a.audit(), func(todo []rooms.Booking) error {
		if r := untouchable(a, todo, room); r != nil {
			return r
		}
		return nil
	}, func(x *rooms.Series) error {
		x.Rule = rooms.RuleUntil(x.Rule, from.Add(-time.Second))
		if x.MaterialisedUntil.After(from) {
			x.MaterialisedUntil = from
		}
		return nil
	})
	if err != nil {
		return sr, nil, err
	}
	sr, err = s.o.Store.GetSeries(sr.ID)
	return sr, cancelled, err
}

// untouchable refuses an operation on a series some of whose meetings
// (bs) a may not act on, naming how many and the first one's day; nil
// when a may act on all.
func untouchable(a Actor, bs []rooms.Booking, room rooms.Room) *Refusal {
	var first *rooms.Booking
	n := 0
	for i := range bs {
		if a.MayAct(&bs[i]) {
			continue
		}
		if n++; first == nil {
			first = &bs[i]
		}
	}
	switch {
	case n == 0:
		return nil
	case n == 1:
		return &Refusal{Code: CodeForbidden, Key: "forbidden.series-one", Args: []any{"first", inZone(room, first.Start)}}
	}
	return &Refusal{Code: CodeForbidden, Key: "forbidden.series-many", Args: []any{"count", n, "first", inZone(room, first.Start)}}
}

// CodeForbidden is the code of a Refusal that an actor may not do what it
// asks (the API answers 403 with the refusal's words).
const CodeForbidden = "forbidden"
