package jobs

import (
	"context"
	"errors"
	"fmt"

	"github.com/kogge-project/kogge/daemon/config"
	"github.com/kogge-project/kogge/rooms/bookings"
)

// extendSeries stores the meetings of every series up to the horizon
// (today + series.horizon_months) through the booking service, which
// holds the rules (bookings.Service.ExtendSeries). Listeners hear of the
// new meetings through the store's change feed.
func (d Deps) extendSeries(ctx context.Context, cfg config.Job) (string, error) {
	rep, err := d.bookingsFor(ctx).ExtendSeries(jobActor(cfg))
	if err != nil {
		return "", err
	}
	summary := fmt.Sprintf("%d series, %d meetings added, %d skipped", rep.Series, rep.Added, rep.Skipped)
	if len(rep.Failed) > 0 {
		return summary, fmt.Errorf("%s; %d series failed: %w", summary, len(rep.Failed), errors.Join(rep.Failed...))
	}
	return summary, nil
}

// jobActor is a job as the booking service and the audit log know it.
func jobActor(cfg config.Job) bookings.Actor {
	return bookings.Actor{Name: "job " + cfg.Name, System: true}
}

// bookingsFor is the booking service the actions act through, for one
// run: its writes stop when ctx ends (termStore).
func (d Deps) bookingsFor(ctx context.Context) *bookings.Service {
	o := bookings.Options{Store: termStore{Store: d.Store, ctx: ctx}, Closures: d.Closures, HorizonMonths: d.HorizonMonths}
	if d.Catalog != nil {
		o.Room = d.Catalog.Get
	}
	return bookings.New(o)
}
