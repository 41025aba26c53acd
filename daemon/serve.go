package main

import (
	"context"
	"crypto/tls"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	sddaemon "github.com/coreos/go-systemd/v22/daemon"

	"github.com/kogge-project/kogge/daemon/backends"
	"github.com/kogge-project/kogge/daemon/config"
	"github.com/kogge-project/kogge/daemon/demo"
	"github.com/kogge-project/kogge/daemon/jobs"
	"github.com/kogge-project/kogge/daemon/metrics"
	"github.com/kogge-project/kogge/daemon/web"
	"github.com/kogge-project/kogge/integrations/broker"
	"github.com/kogge-project/kogge/integrations/gotomeeting"
	"github.com/kogge-project/kogge/integrations/mail"
	"github.com/kogge-project/kogge/integrations/pexip"
	"github.com/kogge-project/kogge/rooms"
	"github.com/kogge-project/kogge/rooms/accounts"
	"github.com/kogge-project/kogge/rooms/av/roomav"
	"github.com/kogge-project/kogge/rooms/bookings"
	"github.com/kogge-project/kogge/rooms/store"
	"github.com/kogge-project/kogge/rooms/timeline"
	"github.com/kogge-project/kogge/signaling"
	"github.com/kogge-project/kogge/signaling/admission"
	"github.com/kogge-project/kogge/signaling/meetings"
)

// demoDataDir is where `go run ./daemon` without a config keeps its data.
const demoDataDir = "kogge-data"

// loadConfig reads the config file, or builds the demo config when there is none.
func loadConfig(path string) (cfg *config.Config, demo bool, err error) {
	if path == "" {
		return config.Demo(demoDataDir), true, nil
	}
	cfg, err = config.Load(path)
	return cfg, false, err
}

func runServe(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("config", "", "config file (TOML); without one Kogge starts in demo mode")
	logFormat := fs.String("log-format", "", "auto, text or json (overrides the config)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, isDemo, err := loadConfig(*cfgPath)
	if err != nil {
		return err
	}
	var demoProv *demo.Providers
	if isDemo {
		emulators, err := demo.Start(cfg)
		if err != nil {
			return err
		}
		defer emulators.Close()
		demoProv = emulators.Providers
	}
	format := cfg.Log.Format
	if *logFormat != "" {
		format = *logFormat
	}
	log, err := newLogger(stderr, format, cfg.Log.Level)
	if err != nil {
		return err
	}
	for _, w := range cfg.Warnings() {
		log.Warn("config: "+w.Message, "key", w.Path)
	}
	d := &daemonProcess{cfg: cfg, cfgPath: *cfgPath, demo: isDemo, log: log, stdout: stdout, demoProviders: demoProv}
	if err := d.run(); err != nil {
		return err
	}
	log.Info("kogge stopped") // the store is closed: what was acknowledged is on disk
	return nil
}

// daemonProcess is one run of `kogge serve`: it owns the store, the
// listeners and the signal handling.
type daemonProcess struct {
	cfg     *config.Config
	cfgPath string
	demo    bool
	log     *slog.Logger
	stdout  io.Writer

	store    *store.Store
	accounts *accounts.Service
	catalog  *rooms.Catalog
	jobs     *jobs.Scheduler
	timeline *timeline.Timeline
	av       *roomav.AV
	oparl    *oparlImport
	broker   *broker.Broker
	goTo     map[string]*gotomeeting.Client
	// providerMetrics also keeps the last reconcile run's findings.
	providerMetrics *metrics.Providers
	// pexipLicensing is Pexip's last reported licence usage (nil: none).
	pexipLicensing atomic.Pointer[pexip.Licensing]
	// demoProviders are the demo's GoTo and Pexip emulators (nil otherwise).
	demoProviders *demo.Providers
	stopping      atomic.Bool
	// closures are the [[closures]] in force (a reload swaps them).
	closures atomic.Pointer[[]rooms.Closure]
	// timelineErr is set when the timeline stopped on its own.
	timelineErr atomic.Pointer[error]
	// ctx ends when shutdown begins: long jobs (an OParl sync against a
	// hanging server) stop then instead of outlasting systemd's patience.
	ctx context.Context
}

func (d *daemonProcess) run() error {
	cfg := d.cfg
	ctx, shutdown := context.WithCancel(context.Background())
	defer shutdown()
	d.ctx = ctx
	dataDir := cfg.Store.DataDir
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return fmt.Errorf("data dir: %w", err)
	}
	dbPath := filepath.Join(dataDir, "kogge.db")
	if err := checkIntegrity(dbPath, cfg.Store.OpenTimeout.Duration); err != nil {
		return err
	}
	m := metrics.New(func() (map[rooms.Status]int, error) { return d.store.CountByStatus() })
	st, err := store.Open(dbPath, store.Options{
		OpenTimeout: cfg.Store.OpenTimeout.Duration,
		Logger:      d.log.With("component", "store"),
		ObserveTx:   m.ObserveTx,
	})
	if err != nil {
		return err
	}
	d.store = st
	defer st.Close()
	// Temporary copies of a backup a crash interrupted: we hold the
	// database lock, so no backup of ours is running.
	if stale, _ := filepath.Glob(filepath.Join(dataDir, ".backup-*.db")); len(stale) > 0 {
		for _, f := range stale {
			os.Remove(f)
		}
		d.log.Info("removed leftovers of an interrupted backup", "files", len(stale))
	}

	d.accounts, err = accounts.Open(st.DB(), accounts.Options{
		RequireTOTP: cfg.Auth.RequireTOTP,
		SessionTTL:  cfg.Auth.SessionTTL.Duration,
		Audit:       d.auditAccount,
	})
	if err != nil {
		return err
	}
	roomList, err := cfg.RoomList()
	if err != nil {
		return err
	}
	d.catalog = rooms.NewCatalog(roomList)
	closures := cfg.ClosureList()
	d.closures.Store(&closures)
	// The allocator goes into the store before anything else books.
	brk, stopBroker, err := d.startBroker(func(b rooms.Booking, from, to, reason string) {
		d.log.Warn("meeting moved to another provider", "booking", b.ID, "from", from, "to", to, "reason", reason)
	})
	if err != nil {
		return fmt.Errorf("providers: %w", err)
	}
	defer stopBroker()
	d.broker = brk
	d.providerMetrics = metrics.NewProviders(brk, d.pexipLicensing.Load)
	m.MustRegister(d.providerMetrics)
	// Series are stored HorizonMonths ahead; single bookings at most
	// rooms.MaxHorizon.
	if placed, refused, err := backfillAllocations(st, d.log, time.Now(), time.Now().Add(rooms.MaxHorizon)); err != nil {
		return fmt.Errorf("placing hybrid meetings with providers: %w", err)
	} else if placed+refused > 0 {
		d.log.Info("hybrid meetings placed with providers", "placed", placed, "refused", refused)
	}
	// The demo's account and bookings exist before the timeline is built
	// from the store.
	demoData := demo.Data{Config: cfg, Store: st, Catalog: d.catalog, Accounts: d.accounts, Log: d.log}
	var adminPassword string
	if d.demo {
		if adminPassword, err = demoData.EnsureAdmin(time.Now()); err != nil {
			return err
		}
	}
	var notifier *web.MailNotifier
	if cfg.Mail.Host != "" {
		mc := mail.Config{Host: cfg.Mail.Host, Port: cfg.Mail.Port, Username: cfg.Mail.Username, From: cfg.Mail.From, AllowPlain: cfg.Mail.AllowPlain}
		if cfg.Mail.PasswordFile != "" {
			if mc.Password, err = backends.ReadSecret(cfg.Mail.PasswordFile); err != nil {
				return fmt.Errorf("mail password: %w", err)
			}
		}
		mailer := mail.NewMailer(mc, d.log.With("component", "mail"))
		defer func() {
			// The HTTP drain has used most of the shutdown budget; mail
			// still queued after a second is logged as failed.
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			defer cancel()
			mailer.Close(ctx)
		}()
		notifier = web.NewMailNotifier(mailer, cfg.Mail.From, d.catalog, st.GetSeries, d.log.With("component", "mail"))
	}
	// Join links before anything that mails: invitations carry them.
	joinLinks, err := newJoins(cfg.WebRTC, st, d.catalog, time.Now, cfg.Server.PublicURL, d.log.With("component", "joins"))
	if err != nil {
		return err
	}
	if notifier != nil {
		notifier.SetJoinLinks(joinLinks.InviteJoinURL, joinLinks.InviteDialIn)
	}
	svc := bookings.New(bookings.Options{Store: st, Room: d.catalog.Get, Now: time.Now, Hold: d.catalog.Hold})
	tlStore := bookings.NewTimelineStore(svc, st, func(b rooms.Booking) { notifier.Released(b) })
	if n, err := tlStore.Sweep(time.Now(), timeline.DefaultCatchUp); err != nil {
		return fmt.Errorf("ending bookings missed while down: %w", err)
	} else if n > 0 {
		d.log.Info("bookings that ended while kogge was down marked ended", "count", n)
	}
	tl := timeline.New(tlStore, timeline.Options{Room: d.catalog.Get, Logger: d.log.With("component", "timeline")})
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
	defer func() {
		stopTimeline()
		<-tlDone
	}()

	if stopAV, err := d.startAV(tl); err != nil {
		return err
	} else {
		defer stopAV()
	}

	var published atomic.Pointer[web.Server] // the HTTP side, once built
	mt, err := meetings.New(meetingOptions(cfg.WebRTC, cfg.Server.PublicURL, d.demo, st, joinLinks, d.log.With("component", "meetings")))
	if err != nil {
		return err
	}
	m.MustRegister(mt.Collectors()...)
	defer mt.Close()
	// From here every committed booking change reaches the timeline, the
	// meetings, the broker and open pages through the store's change feed.
	// (What was written before is in the store, which they read at start.)
	stopListening := st.Subscribe(changeListeners{
		timeline: tl, meetings: mt,
		broker: func() *broker.Broker { return brk },
		server: published.Load,
		mail:   func() *web.MailNotifier { return notifier },
	}.hear)
	defer stopListening()
	stopSeries := st.SubscribeSeries(seriesListeners{mail: func() *web.MailNotifier { return notifier }}.hear)
	defer stopSeries()
	var demoLinks []string
	if d.demo {
		if host, guest, err := demoData.OpenMeeting(joinLinks, time.Now()); err != nil {
			d.log.Warn("demo meeting", "err", err)
		} else {
			demoLinks = []string{host, guest}
		}
	}
	joinLinks.SetExternal(backends.ExternalJoin(st))

	if cfg.OParl.Endpoint != "" {
		if d.oparl, err = newOParlImport(cfg.OParl, st, d.catalog, nil); err != nil {
			return fmt.Errorf("oparl: %w", err)
		}
	}

	d.jobs, err = jobs.Start(d.log, d.accounts, cfg.Jobs, d.jobActions(), m.ObserveJob)
	if err != nil {
		return err
	}
	defer d.jobs.Stop()
	importedAtStart := make(chan struct{})
	if d.oparl == nil {
		close(importedAtStart)
	} else {
		// Import at once rather than at the job's next run: the agenda and
		// the import's status are in memory and empty after a restart.
		go func() {
			defer close(importedAtStart)
			if rep, err := d.oparl.sync(d.ctx); err != nil {
				d.log.Warn("council import at start", "err", err)
			} else {
				d.log.Info("council import at start", "summary", oparlSummary(rep))
			}
		}()
	}

	wo := web.Options{
		Log: d.log, Store: st, Accounts: d.accounts, Catalog: d.catalog, Metrics: m, Now: time.Now,
		SecureCookies: cfg.Server.TLSCert != "" || isHTTPS(cfg.Server.PublicURL),
		Ready:         d.ready,
		Jobs:          d.jobs.Status,
		Subscribe:     tl.Subscribe,
		Closures:      d.closureList,
		HorizonMonths: cfg.Series.HorizonMonths,
		AV:            d.av,
		PublicURL:     cfg.Server.PublicURL,
		Mail:          notifier,
		Joins:         joinLinks,
		Hub:           mt.Hub(),
		Broker:        brk,
		GoToAuthorize: web.AuthorizeGoTo(d.goTo),
	}
	if d.oparl != nil { // a nil *oparlImport in the interface would not be nil
		wo.OParl = d.oparl
	}
	srv, err := web.New(wo)
	if err != nil {
		return err
	}
	published.Store(srv)
	mt.SetQueue(srv.PublishQueue)
	handler, err := srv.Handler([]string{signaling.OriginOf(cfg.Server.PublicURL)})
	if err != nil {
		return err
	}
	proxies, err := parsePrefixes(cfg.Server.TrustedProxies)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Server.Listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Server.Listen, err)
	}
	public := newHTTPServer(web.TrustedProxies(handler, proxies), d.log)
	public.TLSConfig = tlsConfig()
	public.RegisterOnShutdown(srv.Close)
	ctl := newHTTPServer(handler, d.log)
	ctl.ConnContext = web.ControlConnContext
	ctlLn, err := listenControl(dataDir)
	if err != nil {
		ln.Close()
		return err
	}

	// Signals are caught before READY: systemd may send SIGHUP (reload) the
	// moment it sees READY, and its default action would kill us.
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP)
	defer signal.Stop(sigs)

	serveErr := make(chan error, 2)
	go func() {
		if cfg.Server.TLSCert != "" {
			serveErr <- public.ServeTLS(ln, cfg.Server.TLSCert, cfg.Server.TLSKey)
		} else {
			serveErr <- public.Serve(ln)
		}
	}()
	go func() { serveErr <- ctl.Serve(ctlLn) }()

	if d.demo {
		// The banner comes last, apart from the start-up lines: the demo's
		// council system is on loopback, so this wait is short.
		select {
		case <-importedAtStart:
		case <-time.After(5 * time.Second):
		}
	}
	d.log.Info("kogge ready", "listen", ln.Addr().String(), "demo", d.demo, "rooms", len(d.catalog.All()))
	if d.demo {
		demoData.WriteBanner(d.stdout, ln.Addr().String(), adminPassword, demoLinks)
	}
	_, _ = sddaemon.SdNotify(false, sddaemon.SdNotifyReady)
	stopWatchdog := d.startWatchdog()
	defer stopWatchdog()

	err = d.waitForSignals(sigs, serveErr)
	shutdown()
	d.stopping.Store(true)
	_, _ = sddaemon.SdNotify(false, sddaemon.SdNotifyStopping)
	// One second of the budget is kept for closing the store.
	drain := cfg.Server.ShutdownTimeout.Duration - time.Second
	d.log.Info("shutting down: draining requests", "timeout", drain.String())
	// http.Server.Shutdown does not see hijacked WebSockets: the meetings
	// are told at the same time, within the same budget.
	meetingsDone := make(chan struct{})
	go func() {
		defer close(meetingsDone)
		ctx, cancel := context.WithTimeout(context.Background(), drain)
		defer cancel()
		if err := mt.Hub().Shutdown(ctx); err != nil {
			d.log.Warn("meetings still closing at the end of the drain were cut off", "err", err)
		}
	}()
	d.drain(drain, public, ctl)
	<-meetingsDone
	return err
}

// tlsConfig is what Kogge promises a public authority (docs/security.md §1):
// TLS 1.2 with AEAD ciphers and forward secrecy only, or TLS 1.3 (whose
// suites are all AEAD and not configurable).
func tlsConfig() *tls.Config {
	return &tls.Config{
		MinVersion: tls.VersionTLS12,
		CipherSuites: []uint16{
			tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
			tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
			tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
		},
	}
}

func newHTTPServer(h http.Handler, log *slog.Logger) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
}

// auditAccount records account events. Login events carry the client
// address: that goes to the security log (the journal, kept briefly) and is
// cut from the audit bucket, which lives as long as the booking history
// (docs/security.md §4: IP addresses only in short-lived security logs).
func (d *daemonProcess) auditAccount(actor, action, detail string) {
	if strings.HasPrefix(action, "login.") {
		level := slog.LevelInfo
		if action == "login.failure" || action == "login.lockout" {
			level = slog.LevelWarn
		}
		d.log.Log(context.Background(), level, "security: "+action, "account", actor, "detail", detail)
		detail = strings.TrimSpace(addrField.ReplaceAllString(detail, ""))
	}
	if err := d.store.AppendAudit(store.AuditEntry{Actor: actor, Action: action, Detail: detail}); err != nil {
		d.log.Error("audit write failed", "action", action, "err", err)
	}
}

// addrField matches the addr="…" part of an account audit detail.
var addrField = regexp.MustCompile(`addr="(?:[^"\\]|\\.)*"`)

func parsePrefixes(cidrs []string) ([]netip.Prefix, error) {
	out := make([]netip.Prefix, 0, len(cidrs))
	for _, c := range cidrs {
		p, err := netip.ParsePrefix(c)
		if err != nil {
			return nil, fmt.Errorf("trusted proxy %q: %w", c, err)
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

func isHTTPS(u string) bool {
	p, err := url.Parse(u)
	return err == nil && p.Scheme == "https"
}

// newJoins builds join admission from the webrtc configuration.
func newJoins(w config.WebRTC, st *store.Store, cat *rooms.Catalog, now func() time.Time, publicURL string, log *slog.Logger) (*admission.Joins, error) {
	return admission.New(admission.Options{KeyFile: w.KeyFile, PublicURL: publicURL, EndGrace: w.EndGrace.Duration,
		ParticipantLimit: w.ParticipantLimit, Store: st, Room: cat.Get, Now: now, Log: log})
}

// meetingOptions are the built-in SFU's meetings as the webrtc
// configuration sets them up.
func meetingOptions(w config.WebRTC, publicURL string, demo bool, st *store.Store, j *admission.Joins, log *slog.Logger) meetings.Options {
	return meetings.Options{UDPPort: w.UDPPort, ListenIP: w.ListenIP, ICETCPPort: w.ICETCPPort, NAT1To1IPs: w.NAT1To1IPs,
		STUN: w.STUNServers, TURN: w.TURNServers, TURNSecretFile: w.TURNSecretFile, TURNTTL: w.TURNCredentialTTL.Duration,
		PublicURL: publicURL, Demo: demo, Store: st, Joins: j, Log: log}
}
