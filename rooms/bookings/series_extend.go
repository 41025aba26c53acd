package bookings

import (
	"errors"

	"github.com/kogge-project/kogge/rooms"
)

// ExtendReport says what ExtendSeries did.
type ExtendReport struct {
	// Series counts every series looked at; Added the meetings stored;
	// Skipped the dates left out (closures, the room's rules, conflicts).
	Series, Added, Skipped int
	// Stored are the meetings stored, for callers that count or log them.
	Stored []rooms.Booking
	// Failed are the series that could not be extended, each error naming
	// its series; the others were extended all the same.
	Failed []error
}

// ExtendSeries stores the meetings of every series up to the horizon
// (today + HorizonMonths): open-ended series grow by a day each day. Dates
// that collide or fall on a closure are skipped and counted. A series
// edited while it was planned is left to the next run. Only the daemon
// extends series.
func (s *Service) ExtendSeries(a Actor) (ExtendReport, error) {
	var rep ExtendReport
	if !a.System {
		return rep, ErrForbidden
	}
	now := s.o.Now()
	horizon := s.horizon(now)
	closures := s.closures()
	all, err := s.o.Store.ListSeries()
	if err != nil {
		return rep, err
	}
	rep.Series = len(all)
	for _, sr := range all {
		if !sr.MaterialisedUntil.Before(horizon) {
			continue
		}
		room, ok := s.o.Room(sr.Template.Room)
		if !ok {
			continue // its room left the config; nothing can be booked there
		}
		occ, planned, err := rooms.PlanOccurrences(&sr, room, closures, sr.MaterialisedUntil, horizon, now)
		if err == nil && len(occ) == 0 && len(planned) == 0 {
			// Nothing new (the rule has ended, or its next meeting lies
			// beyond the horizon): no write, no daily audit entry, and an
			// ended series can age out under the retention rules.
			continue
		}
		if err == nil {
			var stored []rooms.Booking
			var sk []rooms.SkippedOccurrence
			stored, sk, err = s.o.Store.AppendOccurrences(sr.ID, sr.Version, occ, horizon, a.audit())
			rep.Stored = append(rep.Stored, stored...)
			rep.Added, rep.Skipped = rep.Added+len(stored), rep.Skipped+len(sk)+len(planned)
		}
		if errors.Is(err, rooms.ErrVersionMismatch) {
			continue // edited while we planned: the next run plans again
		}
		if err != nil {
			rep.Failed = append(rep.Failed, &SeriesError{ID: sr.ID, Err: err})
		}
	}
	return rep, nil
}

// SeriesError is an operation on one series that failed.
type SeriesError struct {
	ID  string
	Err error
}

func (e *SeriesError) Error() string { return "series " + e.ID + ": " + e.Err.Error() }
func (e *SeriesError) Unwrap() error { return e.Err }
