package main

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/kogge-project/kogge/daemon/backends"

	"github.com/kogge-project/kogge/daemon/config"
	"github.com/kogge-project/kogge/integrations/broker"
	"github.com/kogge-project/kogge/integrations/gotomeeting"
	"github.com/kogge-project/kogge/integrations/pexip"
	"github.com/kogge-project/kogge/rooms"
	"github.com/kogge-project/kogge/rooms/store"
	"github.com/kogge-project/kogge/signaling/admission"
)

// startBroker installs the licence allocator in the store and runs the
// provisioning worker until stop.
func (d *daemonProcess) startBroker(now func() time.Time, onMove func(b rooms.Booking, from, to, reason string)) (*broker.Broker, func(), error) {
	var authorize func(gotomeeting.TokenStore) error
	if d.demoProviders != nil {
		authorize = func(ts gotomeeting.TokenStore) error { return d.demoProviders.Authorize(ts.Save) }
	}
	b, clients, stopBroker, err := backends.StartBroker(backends.BrokerOptions{Providers: d.cfg.Providers, Store: d.store,
		Authorize: authorize, Log: d.log.With("component", "broker"), OnMove: onMove, Now: now})
	if err != nil {
		return nil, nil, err
	}
	d.goTo = clients.GoTo
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	if clients.Pexip != nil {
		wg.Go(func() { d.pollPexipLicensing(ctx, clients.Pexip) })
	}
	return b, func() { cancel(); wg.Wait(); stopBroker() }, nil
}

// reconcileJob is the "reconcile" action: compare every provider's
// meetings with our allocations, delete orphans Kogge made, recreate
// missing ones, report drift.
func (d *daemonProcess) reconcileJob(config.Job) (string, error) {
	parent := d.ctx
	if parent == nil {
		parent = context.Background()
	}
	ctx, cancel := context.WithTimeout(parent, 10*time.Minute)
	defer cancel()
	reps, err := d.broker.Reconcile(ctx)
	if d.providerMetrics != nil {
		d.providerMetrics.Reconciled(reps)
	}
	var parts []string
	for _, r := range reps {
		parts = append(parts, fmt.Sprintf("%s: %d listed, %d orphans deleted, %d recreated, %d drift, %d errors",
			r.Provider, r.Listed, r.OrphansDeleted, r.Recreated, r.Drift, r.Errors))
	}
	return strings.Join(parts, "; "), err
}

// backfillAllocations places the meetings of hybrid bookings written
// before providers existed (an upgrade) or left without a provider: every
// live hybrid booking that has not ended gets its allocation now. One that
// no provider can take stays on our SFU and is logged.
func backfillAllocations(st *store.Store, log *slog.Logger, from, to time.Time) (placed, refused int, err error) {
	err = st.Each(store.Query{From: from, To: to}, func(b rooms.Booking) (bool, error) {
		if !admission.Live(b) {
			return true, nil
		}
		if _, ok, err := st.Allocation(b.ID); err != nil || ok {
			return err == nil, err
		}
		_, ok, why, err := st.Reallocate(b.ID)
		switch {
		case err != nil:
			return false, err
		case why != nil:
			refused++
			log.Warn("hybrid booking has no provider; it stays on our SFU", "booking", b.ID, "why", why)
		case ok:
			placed++
		}
		return true, nil
	})
	return placed, refused, err
}

// pexipPollEvery is how often Pexip's licence usage is read for metrics.
const pexipPollEvery = time.Minute

// pollPexipLicensing reads Pexip's licence usage (status API) for the
// metrics until ctx ends; a scrape never waits for Pexip.
func (d *daemonProcess) pollPexipLicensing(ctx context.Context, c *pexip.Client) {
	tick := time.NewTicker(pexipPollEvery)
	defer tick.Stop()
	for {
		rctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		l, err := c.Licensing(rctx)
		cancel()
		if err == nil {
			d.pexipLicensing.Store(&l)
		} else if ctx.Err() == nil {
			d.log.Debug("pexip licensing not read", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}
