package bookings

import (
	"fmt"
	"time"

	"github.com/kogge-project/kogge/rooms"
)

// PurgeReport says what Purge deleted.
type PurgeReport struct {
	rooms.PurgeStats
	// SpansLowered counts the rooms whose overlap bounds shrank.
	SpansLowered int
}

// Purge deletes the bookings (with their audit entries) and the finished
// series whose kind's retention (keep) has passed since they ended, and
// the account events older than accountsKeep; then, with old and mistaken
// bookings gone, the rooms' overlap bounds shrink back to what the
// bookings left need. Retention is the daemon's to apply: nobody else may
// purge.
func (s *Service) Purge(a Actor, keep func(rooms.Kind) time.Duration, accountsKeep time.Duration) (PurgeReport, error) {
	var rep PurgeReport
	if !a.System {
		return rep, ErrForbidden
	}
	now := s.o.Now()
	st, err := s.o.Store.Purge(func(k rooms.Kind) time.Time { return now.Add(-keep(k)) }, now.Add(-accountsKeep))
	rep.PurgeStats = st
	if err != nil {
		return rep, err
	}
	if rep.SpansLowered, err = s.o.Store.RecomputeSpans(); err != nil {
		return rep, fmt.Errorf("recomputing overlap bounds: %w", err)
	}
	return rep, nil
}
