package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/kogge-project/kogge/daemon/backends"
	"github.com/kogge-project/kogge/daemon/config"
	"github.com/kogge-project/kogge/daemon/demo"
	"github.com/kogge-project/kogge/daemon/jobs"
	"github.com/kogge-project/kogge/daemon/metrics"
	"github.com/kogge-project/kogge/daemon/web"
	"github.com/kogge-project/kogge/integrations/broker"
	"github.com/kogge-project/kogge/integrations/mail"
	"github.com/kogge-project/kogge/integrations/oparl"
	"github.com/kogge-project/kogge/rooms"
	"github.com/kogge-project/kogge/rooms/accounts"
	"github.com/kogge-project/kogge/rooms/bookings"
	"github.com/kogge-project/kogge/rooms/store"
	"github.com/kogge-project/kogge/rooms/timeline"
	"github.com/kogge-project/kogge/signaling"
	"github.com/kogge-project/kogge/signaling/admission"
	"github.com/kogge-project/kogge/signaling/joinlink"
	"github.com/kogge-project/kogge/signaling/meetings"
)

// buildOptions are what a test changes about the daemon it builds; the
// binary passes none.
type buildOptions struct {
	// now is the clock of the booking rules, the accounts, the timeline
	// and the HTTP surface (nil: time.Now). A clock that stands still
	// fires no timeline instant that lies ahead of it.
	now func() time.Time
	// accounts adjusts the accounts' options (cheaper password hashing).
	accounts func(*accounts.Options)
}

// build wires the daemon's parts from d.cfg: the store, the accounts, the
// rooms, the providers, the booking service and its change feed, the
// timeline, the rooms' devices, the meetings, the jobs, the council import
// and the HTTP surface (d.handler). It listens on nothing: run does that,
// and the tests serve d.handler themselves. This is the one place parts
// are joined, for the binary and the tests alike. The returned close stops
// them all (also after an error).
func (d *daemonProcess) build(o buildOptions) (closeAll func(), err error) {
	var c closers
	defer func() {
		if err != nil {
			c.closeAll()
		}
	}()
	cfg := d.cfg
	now := o.now
	if now == nil {
		now = time.Now
	}
	if d.ctx == nil {
		d.ctx = context.Background()
	}
	dataDir := cfg.Store.DataDir
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return c.closeAll, fmt.Errorf("data dir: %w", err)
	}
	dbPath := storeFile(cfg.Store)
	if err := checkIntegrity(dbPath, cfg.Store.OpenTimeout.Duration); err != nil {
		return c.closeAll, err
	}
	m := metrics.New(func() (map[rooms.Status]int, error) { return d.store.CountByStatus() })
	d.metrics = m
	st, err := d.openStore(&c, store.Options{
		OpenTimeout: cfg.Store.OpenTimeout.Duration,
		Logger:      d.log.With("component", "store"),
		ObserveTx:   m.ObserveTx,
	})
	if err != nil {
		return c.closeAll, err
	}
	d.store = st
	c.add(func() { st.Close() })
	// Temporary copies of a backup a crash interrupted: we hold the
	// database lock, so no backup of ours is running.
	if stale, _ := filepath.Glob(filepath.Join(dataDir, ".backup-*.db")); len(stale) > 0 {
		for _, f := range stale {
			os.Remove(f)
		}
		d.log.Info("removed leftovers of an interrupted backup", "files", len(stale))
	}

	ao := accounts.Options{RequireTOTP: cfg.Auth.RequireTOTP, SessionTTL: cfg.Auth.SessionTTL.Duration, Audit: d.auditAccount,
		Logger: d.log.With("component", "accounts")}
	if o.now != nil {
		ao.Now = now
	}
	if o.accounts != nil {
		o.accounts(&ao)
	}
	if d.accounts, err = accounts.Open(st.DB(), ao); err != nil {
		return c.closeAll, err
	}
	roomList, err := cfg.RoomList()
	if err != nil {
		return c.closeAll, err
	}
	d.catalog = rooms.NewCatalog(roomList)
	closures := cfg.ClosureList()
	d.closures.Store(&closures)
	// The allocator goes into the store before anything else books.
	brk, stopBroker, err := d.startBroker(now, func(b rooms.Booking, from, to, reason string) {
		d.log.Warn("meeting moved to another provider", "booking", b.ID, "from", from, "to", to, "reason", reason)
	})
	if err != nil {
		return c.closeAll, fmt.Errorf("providers: %w", err)
	}
	c.add(stopBroker)
	d.broker = brk
	d.providerMetrics = metrics.NewProviders(brk, d.pexipLicensing.Load)
	m.MustRegister(d.providerMetrics)
	// Series are stored HorizonMonths ahead; single bookings at most
	// rooms.MaxHorizon.
	if placed, refused, err := backfillAllocations(st, d.log, now(), now().Add(rooms.MaxHorizon)); err != nil {
		return c.closeAll, fmt.Errorf("placing hybrid meetings with providers: %w", err)
	} else if placed+refused > 0 {
		d.log.Info("hybrid meetings placed with providers", "placed", placed, "refused", refused)
	}
	// The demo's account and bookings exist before the timeline is built
	// from the store.
	d.demoData = demo.Data{Config: cfg, Store: st, Catalog: d.catalog, Accounts: d.accounts, Log: d.log}
	if d.demo {
		if d.adminPassword, err = d.demoData.EnsureAdmin(now()); err != nil {
			return c.closeAll, err
		}
	}
	var notifier *web.MailNotifier
	if cfg.Mail.Host != "" {
		mc := mail.Config{Host: cfg.Mail.Host, Port: cfg.Mail.Port, Username: cfg.Mail.Username, From: cfg.Mail.From, AllowPlain: cfg.Mail.AllowPlain}
		if cfg.Mail.PasswordFile != "" {
			if mc.Password, err = backends.ReadSecret(cfg.Mail.PasswordFile); err != nil {
				return c.closeAll, fmt.Errorf("mail password: %w", err)
			}
		}
		mailer := mail.NewMailer(mc, d.log.With("component", "mail"))
		c.add(func() {
			// The HTTP drain has used most of the shutdown budget; mail
			// still queued after a second is logged as failed.
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			defer cancel()
			mailer.Close(ctx)
		})
		notifier = web.NewMailNotifier(mailer, cfg.Mail.From, d.catalog, st.GetSeries, d.log.With("component", "mail"))
	}
	// Join links before anything that mails: invitations carry them.
	joinKeys, err := d.joinKeys()
	if err != nil {
		return c.closeAll, err
	}
	joinLinks, err := newJoins(cfg.WebRTC, joinKeys, st, d.catalog, now, cfg.Server.PublicURL, d.log.With("component", "joins"))
	if err != nil {
		return c.closeAll, err
	}
	if notifier != nil {
		notifier.SetJoinLinks(joinLinks.InviteJoinURL, joinLinks.InviteDialIn)
	}
	svc := bookings.New(bookings.Options{Store: st, Room: d.catalog.Get, Now: now, Hold: d.catalog.Hold, Closures: d.closureList,
		HorizonMonths: cfg.Series.HorizonMonths})
	tlStore := bookings.NewTimelineStore(svc, st)
	if n, err := tlStore.Sweep(now(), timeline.DefaultCatchUp); err != nil {
		return c.closeAll, fmt.Errorf("ending bookings missed while down: %w", err)
	} else if n > 0 {
		d.log.Info("bookings that ended while kogge was down marked ended", "count", n)
	}
	tl := timeline.New(tlStore, timeline.Options{Room: d.catalog.Get, Logger: d.log.With("component", "timeline"), Now: o.now})
	d.timeline = tl
	tlCtx, stopTimeline := context.WithCancel(context.Background())
	tlDone := make(chan error, 1)
	go func() {
		err := tl.Run(tlCtx)
		if err != nil && tlCtx.Err() == nil {
			// Without the timeline nothing happens on time (scenes,
			// no-show releases, ends): say so now and stop being ready,
			// rather than serving bookings that no longer act.
			d.log.Error("timeline stopped; the daemon is not ready until restarted", "err", err)
			d.timelineErr.Store(&err)
		}
		tlDone <- err
	}()
	c.add(func() {
		stopTimeline()
		<-tlDone
	})

	if err := d.clusterRouting(&c); err != nil {
		return c.closeAll, fmt.Errorf("cluster routing: %w", err)
	}
	stopAV, err := d.startAV(tl, now)
	if err != nil {
		return c.closeAll, err
	}
	c.add(stopAV)

	councils := newCouncils(st, joinLinks, func() *oparl.Importer { return d.oparl }, d.web.Load, now)
	mo := meetingOptions(cfg.WebRTC, cfg.Server.PublicURL, d.demo, st, joinLinks, d.log.With("component", "meetings"))
	mo.Council = councils
	mo.Router, mo.RelayKey = d.meetingRouting()
	mt, err := meetings.New(mo)
	if err != nil {
		return c.closeAll, err
	}
	m.MustRegister(mt.Collectors()...)
	c.add(mt.Close)
	d.meetings = mt
	// From here every committed booking change reaches the timeline, the
	// meetings, the broker and open pages through the store's change feed.
	// (What was written before is in the store, which they read at start.)
	c.add(st.Subscribe(changeListeners{
		timeline: tl, meetings: mt,
		broker: func() *broker.Broker { return d.broker },
		server: d.web.Load,
	}.hear))
	c.add(st.SubscribeSeries(hearSeries(d.web.Load)))
	if d.demo {
		if host, guest, err := d.demoData.OpenMeeting(joinLinks, now()); err != nil {
			d.log.Warn("demo meeting", "err", err)
		} else {
			d.demoLinks = []string{host, guest}
		}
	}
	joinLinks.SetExternal(backends.ExternalJoin(st))

	if cfg.OParl.Endpoint != "" {
		if d.oparl, err = oparl.NewImporter(cfg.OParl.Endpoint, cfg.OParl.OtherHosts, cfg.OParl.Mapping(), svc.Imports(),
			oparl.WithState(st), oparl.WithNow(now), oparl.WithLogger(d.log.With("component", "oparl"))); err != nil {
			return c.closeAll, fmt.Errorf("oparl: %w", err)
		}
	}
	if d.jobs, err = jobs.Start(d.log, d.accounts, cfg.Jobs, d.jobActions(), m.ObserveJob); err != nil {
		return c.closeAll, err
	}
	c.add(d.jobs.Stop)
	d.importedAtStart = make(chan struct{})
	if d.oparl == nil {
		close(d.importedAtStart)
	} else {
		// Import at once rather than at the job's next run: a delta from
		// the stored cursor, so meetings changed while Kogge was down are
		// booked soon. (The importer logs its own line.) On a cluster the
		// node that leads does, each time it begins to lead.
		var once sync.Once
		c.add(d.whileLeading(func(ctx context.Context) {
			_, _ = d.oparl.Sync(ctx)
			once.Do(func() { close(d.importedAtStart) })
			<-ctx.Done()
		}))
	}

	wo := web.Options{
		Log: d.log, Store: st, Accounts: d.accounts, Catalog: d.catalog, Metrics: m, Now: now,
		SecureCookies: cfg.Server.TLSCert != "" || isHTTPS(cfg.Server.PublicURL),
		Ready:         d.ready,
		Jobs:          d.jobs.Status,
		Subscribe:     tl.Subscribe,
		Closures:      d.closureList,
		HorizonMonths: cfg.Series.HorizonMonths,
		AV:            d.av,
		RoomRouter:    d.roomRouter,
		ClientRelay:   d.webRelay(),
		PublicURL:     cfg.Server.PublicURL,
		Mail:          notifier,
		Joins:         joinLinks,
		Hub:           mt.Hub(),
		Broker:        brk,
		Bookings:      svc,
		GoToAuthorize: web.AuthorizeGoTo(d.goTo),
		Council:       councils,

		MaxEventStreamsPerLogin: cfg.Server.MaxEventStreamsPerLogin,
		// The broker's providers are fixed at start, and so are these.
		ReportProviders: backends.ReportProviders(cfg.Providers),
	}
	if d.oparl != nil { // a nil *oparl.Importer in the interface would not be nil
		wo.OParl = d.oparl
	}
	srv, err := web.New(wo)
	if err != nil {
		return c.closeAll, err
	}
	d.web.Store(srv)
	c.add(srv.Close)
	mt.SetQueue(srv.PublishQueue)
	mt.SetSpeaker(srv.PublishSpeaker)
	c.add(wireChamber(d.av, mt.Hub()))
	if d.handler, err = srv.Handler([]string{signaling.OriginOf(cfg.Server.PublicURL)}); err != nil {
		return c.closeAll, err
	}
	return c.closeAll, nil
}

func isHTTPS(u string) bool {
	p, err := url.Parse(u)
	return err == nil && p.Scheme == "https"
}

// newJoins builds join admission from the webrtc configuration; keys
// (nil: the key file's) are a cluster's (joinKeys).
func newJoins(w config.WebRTC, keys *joinlink.Keyring, st *store.Store, cat *rooms.Catalog, now func() time.Time, publicURL string, log *slog.Logger) (*admission.Joins, error) {
	return admission.New(admission.Options{KeyFile: w.KeyFile, Keys: keys, PublicURL: publicURL, EndGrace: w.EndGrace.Duration,
		ParticipantLimit: w.ParticipantLimit, Store: st, Room: cat.Get, Now: now, Log: log})
}

// meetingOptions are the built-in SFU's meetings as the webrtc
// configuration sets them up.
func meetingOptions(w config.WebRTC, publicURL string, demo bool, st *store.Store, j *admission.Joins, log *slog.Logger) meetings.Options {
	return meetings.Options{UDPPort: w.UDPPort, ListenIP: w.ListenIP, ICETCPPort: w.ICETCPPort, NAT1To1IPs: w.NAT1To1IPs,
		STUN: w.STUNServers, TURN: w.TURNServers, TURNSecretFile: w.TURNSecretFile, TURNTTL: w.TURNCredentialTTL.Duration,
		PublicURL: publicURL, Demo: demo, Store: st, Joins: j, Log: log}
}

// changeListeners are the parts that follow every committed booking
// change, whatever made it (the API, a panel, the timeline, a job, the
// council import, the purge, a provider move): the store's change feed
// calls hear once per change, after its commit. Nobody else tells them.
type changeListeners struct {
	// timeline re-plans the booking's instants (nil: none runs, as in
	// the API tests).
	timeline interface{ Changed(rooms.Booking) }
	// meetings keeps an open meeting in step (a new end, an end for all).
	meetings *meetings.Meetings
	// broker places, moves and deletes external meetings; read at each
	// change, since the tests swap it.
	broker func() *broker.Broker
	// server mails the booking's contact and carries the booking to open
	// pages (web.Server.Hear; nil before it is built).
	server func() *web.Server
}

func (l changeListeners) hear(c rooms.Change) {
	b := c.Booking()
	if c.After == nil {
		// Deleted by the purge: past, so nothing to plan, open or move;
		// pages redraw on the event.
		b.Status = rooms.StatusCancelled
	}
	if l.timeline != nil {
		l.timeline.Changed(b)
	}
	if l.meetings != nil {
		l.meetings.BookingChanged(b)
	}
	if l.broker != nil {
		if brk := l.broker(); brk != nil {
			brk.Kick(b.ID)
		}
	}
	if l.server != nil {
		if srv := l.server(); srv != nil {
			srv.Hear(c)
		}
	}
}

// hearSeries follows every committed series operation, once per
// operation (the store's series feed), where changeListeners hear each of
// its meetings: the HTTP side mails the series' contact in one mail.
func hearSeries(server func() *web.Server) func(rooms.SeriesChange) {
	return func(c rooms.SeriesChange) {
		if srv := server(); srv != nil {
			srv.HearSeries(c)
		}
	}
}
