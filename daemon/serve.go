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
	"regexp"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	sddaemon "github.com/coreos/go-systemd/v22/daemon"

	"github.com/kogge-project/kogge/daemon/config"
	"github.com/kogge-project/kogge/daemon/demo"
	"github.com/kogge-project/kogge/daemon/jobs"
	"github.com/kogge-project/kogge/daemon/metrics"
	"github.com/kogge-project/kogge/daemon/web"
	"github.com/kogge-project/kogge/integrations/broker"
	"github.com/kogge-project/kogge/integrations/gotomeeting"
	"github.com/kogge-project/kogge/integrations/pexip"
	"github.com/kogge-project/kogge/rooms"
	"github.com/kogge-project/kogge/rooms/accounts"
	"github.com/kogge-project/kogge/rooms/av/roomav"
	"github.com/kogge-project/kogge/rooms/store"
	"github.com/kogge-project/kogge/rooms/timeline"
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

// daemonProcess is one run of `kogge serve`: build wires its parts, run
// adds the listeners and the signal handling.
type daemonProcess struct {
	cfg     *config.Config
	cfgPath string
	demo    bool
	log     *slog.Logger
	stdout  io.Writer

	store    *store.Store
	accounts *accounts.Service
	catalog  *rooms.Catalog
	metrics  *metrics.Metrics
	jobs     *jobs.Scheduler
	timeline *timeline.Timeline
	av       *roomav.AV
	meetings *meetings.Meetings
	oparl    *oparlImport
	broker   *broker.Broker
	goTo     map[string]*gotomeeting.Client
	// web is the HTTP surface (nil until build made it), handler its
	// routes.
	web     atomic.Pointer[web.Server]
	handler http.Handler
	// providerMetrics also keeps the last reconcile run's findings.
	providerMetrics *metrics.Providers
	// pexipLicensing is Pexip's last reported licence usage (nil: none).
	pexipLicensing atomic.Pointer[pexip.Licensing]
	// demoProviders are the demo's GoTo and Pexip emulators (nil otherwise).
	demoProviders *demo.Providers
	// demoData, adminPassword and demoLinks are for the demo's banner.
	demoData      demo.Data
	adminPassword string
	demoLinks     []string
	// importedAtStart closes when the council import at start is done.
	importedAtStart chan struct{}
	stopping        atomic.Bool
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
	closeAll, err := d.build(buildOptions{})
	defer closeAll()
	if err != nil {
		return err
	}
	srv := d.web.Load()
	proxies, err := parsePrefixes(cfg.Server.TrustedProxies)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Server.Listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Server.Listen, err)
	}
	// The caps are below the listener: the HTTP server never sees a
	// connection past them. The control socket has none, so /healthz and
	// `kogge status` answer at the cap.
	limited := newConnLimits(ln, cfg.Server.MaxConnections, cfg.Server.MaxConnectionsPerAddress, proxies, cfg.Server.TLSCert == "")
	limited.refused = d.connRefusedLog()
	d.checkFileLimit()
	public := newHTTPServer(web.TrustedProxies(d.handler, proxies), d.log)
	public.TLSConfig = tlsConfig()
	public.RegisterOnShutdown(srv.Close)
	ctl := newHTTPServer(d.handler, d.log)
	ctl.ConnContext = web.ControlConnContext
	ctlLn, err := listenControl(cfg.Store.DataDir)
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
			serveErr <- public.ServeTLS(limited, cfg.Server.TLSCert, cfg.Server.TLSKey)
		} else {
			serveErr <- public.Serve(limited)
		}
	}()
	go func() { serveErr <- ctl.Serve(ctlLn) }()

	if d.demo {
		// The banner comes last, apart from the start-up lines: the demo's
		// council system is on loopback, so this wait is short.
		select {
		case <-d.importedAtStart:
		case <-time.After(5 * time.Second):
		}
	}
	d.log.Info("kogge ready", "listen", ln.Addr().String(), "demo", d.demo, "rooms", len(d.catalog.All()))
	if d.demo {
		d.demoData.WriteBanner(d.stdout, ln.Addr().String(), d.adminPassword, d.demoLinks)
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
		if err := d.meetings.Hub().Shutdown(ctx); err != nil {
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
