package jobs

import (
	"errors"
	"fmt"
	"time"

	"github.com/kogge-project/kogge/daemon/config"
	"github.com/kogge-project/kogge/rooms"
)

// extendSeries stores the meetings of every series up to the horizon
// (today + series.horizon_months): open-ended series grow by a day each
// day. Occurrences that collide or fall on a closure are skipped and
// counted; the store audits each one. Listeners hear of the new meetings
// through Changed only.
func (d Deps) extendSeries(cfg config.Job) (string, error) {
	now := time.Now()
	horizon := now.AddDate(0, d.HorizonMonths, 0).UTC()
	var closures []rooms.Closure
	if d.Closures != nil {
		closures = d.Closures()
	}
	all, err := d.Store.ListSeries()
	if err != nil {
		return "", err
	}
	var added, skipped, failed int
	var errs []error
	for _, sr := range all {
		if !sr.MaterialisedUntil.Before(horizon) {
			continue
		}
		room, ok := d.Catalog.Get(sr.Template.Room)
		if !ok {
			continue // its room left the config; nothing can be booked there
		}
		from := sr.MaterialisedUntil
		occ, planned, err := rooms.PlanOccurrences(&sr, room, closures, from, horizon, now)
		if err == nil && len(occ) == 0 && len(planned) == 0 {
			// Nothing new (the rule has ended, or its next meeting lies
			// beyond the horizon): no write, no daily audit entry, and an
			// ended series can age out under the retention rules.
			continue
		}
		if err == nil {
			var stored []rooms.Booking
			var conflicts int
			stored, sk, aerr := d.Store.AppendOccurrences(sr.ID, sr.Version, occ, horizon, "job "+cfg.Name)
			err = aerr
			conflicts = len(sk)
			if d.Changed != nil {
				for _, b := range stored {
					d.Changed(b)
				}
			}
			added, skipped = added+len(stored), skipped+conflicts+len(planned)
		}
		if errors.Is(err, rooms.ErrVersionMismatch) {
			continue // edited while we planned: the next run plans again
		}
		if err != nil {
			failed++
			errs = append(errs, fmt.Errorf("series %s: %w", sr.ID, err))
		}
	}
	summary := fmt.Sprintf("%d series, %d meetings added, %d skipped", len(all), added, skipped)
	if failed > 0 {
		return summary, fmt.Errorf("%s; %d series failed: %w", summary, failed, errors.Join(errs...))
	}
	return summary, nil
}
