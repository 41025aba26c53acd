package main

// The parts build wires that need more than a constructor call: the
// video providers (the broker, its worker and watch, the backfill of old
// hybrid bookings, Pexip's licence poll), the rooms' AV with the chamber's
// discussion system feeding the speaker queue, and the council sessions.

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/kogge-project/kogge/daemon/backends"
	"github.com/kogge-project/kogge/daemon/config"
	"github.com/kogge-project/kogge/daemon/web"
	"github.com/kogge-project/kogge/integrations/broker"
	"github.com/kogge-project/kogge/integrations/gotomeeting"
	"github.com/kogge-project/kogge/integrations/oparl"
	"github.com/kogge-project/kogge/integrations/pexip"
	"github.com/kogge-project/kogge/rooms"
	"github.com/kogge-project/kogge/rooms/av"
	"github.com/kogge-project/kogge/rooms/av/roomav"
	"github.com/kogge-project/kogge/rooms/council"
	"github.com/kogge-project/kogge/rooms/store"
	"github.com/kogge-project/kogge/rooms/timeline"
	"github.com/kogge-project/kogge/signaling"
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
		Authorize: authorize, Log: d.log.With("component", "broker"), OnMove: onMove, Now: now, While: d.lead.While})
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
func (d *daemonProcess) reconcileJob(ctx context.Context, _ config.Job) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
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

// startAV supervises the configured devices, runs the rooms' prep and end
// scenes from the timeline, and starts camera follow where configured. The
// returned stop ends all of it. Without devices it connects nothing, but
// is there for a reload that adds some.
func (d *daemonProcess) startAV(tl *timeline.Timeline, now func() time.Time) (stop func(), err error) {
	rs, err := backends.AVRooms(d.cfg)
	if err != nil {
		return nil, err
	}
	a, err := roomav.Open(roomav.Options{Log: d.log.With("component", "av"), Rooms: rs, NewDriver: av.NewDriver,
		Ownership: d.roomOwnership, Board: d.avBoard, Forward: d.avForward, Scenes: d.avScenes})
	if err != nil {
		return nil, err
	}
	d.av = a
	ctx, cancel := context.WithCancel(context.Background())
	// The timeline's scenes are started by the node that drives the
	// room (on one machine: this one; on a cluster without room
	// ownership: the leader); what it heard while the room had no driver
	// is run when it gains the room, once (daemon/scenes.go).
	events, unsubscribe := tl.Subscribe("", 256)
	backlog := &sceneBacklog{now: now, own: d.roomOwnership}
	collected := make(chan struct{})
	go func() { defer close(collected); backlog.collect(events) }()
	claim := claimScene(d.store, now, d.log)
	follow := func(ctx context.Context) {
		a.FollowTimeline(ctx, backlog.follow(ctx), roomav.InUseAt(d.store.Overlapping), claim)
	}
	var stopScenes func()
	if d.roomOwnership != nil {
		sctx, scancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { defer close(done); follow(sctx) }()
		stopScenes = func() { scancel(); <-done }
	} else {
		stopScenes = d.whileLeading(follow)
	}
	a.StartFollowers(ctx)
	return func() {
		cancel()
		stopScenes()
		unsubscribe()
		<-collected
		a.Close()
	}, nil
}

// wireChamber brings the rooms' discussion systems into the speaker
// queue: each room's request list goes to the meetings in that room, and
// the chair's "next" switches a seat's microphone through the room's AV
// (its supervisor: health, backoff, breaker). The lists are handed on by
// one goroutine, the latest per room, so that a meeting slow to take one
// never holds up a device goroutine. stop ends it.
func wireChamber(a *roomav.AV, hub *signaling.Hub) (stop func()) {
	if a == nil || hub == nil {
		return func() {}
	}
	var (
		mu     sync.Mutex
		latest = map[string]func(){}
		wake   = make(chan struct{}, 1)
		done   = make(chan struct{})
		ended  = make(chan struct{})
	)
	a.SetSeatRequests(func(room, dev string, reqs []roomav.SeatRequest) {
		out := make([]signaling.SeatRequest, len(reqs))
		for i, r := range reqs {
			out[i] = signaling.SeatRequest{Seat: r.Seat, Name: r.Name, Since: r.Since}
		}
		seats := roomSeats{a: a, room: room, dev: dev}
		mu.Lock()
		latest[room] = func() { hub.SetRoomRequests(room, out, seats) }
		mu.Unlock()
		select {
		case wake <- struct{}{}:
		default:
		}
	})
	go func() {
		defer close(ended)
		for {
			select {
			case <-done:
				return
			case <-wake:
			}
			mu.Lock()
			pending := latest
			latest = map[string]func(){}
			mu.Unlock()
			for _, set := range pending {
				set()
			}
		}
	}()
	return func() {
		a.SetSeatRequests(nil)
		close(done)
		<-ended
	}
}

// roomSeats switches the microphones of one room's discussion system.
type roomSeats struct {
	a         *roomav.AV
	room, dev string
}

func (s roomSeats) Speak(ctx context.Context, seat int, on bool) error {
	return s.a.Speak(ctx, s.room, s.dev, seat, on)
}

// newCouncils builds the council sessions' service: agendas seeded from
// the council information system's import, members' personal links
// checked by join admission, and every stored change shown in the
// meeting and on the events stream (through the web server, once it
// runs).
func newCouncils(st *store.Store, joins *admission.Joins, importer func() *oparl.Importer, srv func() *web.Server, now func() time.Time) *council.Service {
	svc := council.NewService(council.Options{
		Store: st,
		Now:   now,
		Agenda: func(bookingID string) []council.ItemInput {
			imp := importer()
			if imp == nil {
				return nil
			}
			b, err := st.Get(bookingID)
			if err != nil {
				return nil
			}
			items, _ := imp.AgendaFor(b)
			out := make([]council.ItemInput, 0, len(items))
			for _, it := range items {
				out = append(out, council.ItemInput{Number: it.Number, Name: it.Name, Public: it.Public})
			}
			return out
		},
		Changed: func(bookingID string, v council.View) {
			if s := srv(); s != nil {
				s.PublishCouncil(bookingID, v)
			}
		},
		// The record sits while the meeting is open: join admission's
		// window, with or without video.
		Sitting: joins.CouncilSitting,
	})
	joins.SetMembers(func(bookingID string, id uint16) (string, uint32, bool) {
		ses, err := svc.Get(bookingID)
		if err != nil {
			return "", 0, false
		}
		m, err := ses.Member(id)
		if err != nil {
			return "", 0, false
		}
		return m.Name, m.Generation, true
	})
	return svc
}
