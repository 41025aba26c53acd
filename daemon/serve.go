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
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	sddaemon "github.com/coreos/go-systemd/v22/daemon"

	"github.com/kogge-project/kogge/daemon/demo"
	"github.com/kogge-project/kogge/daemon/web"
)

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
	if err := d.serve(); err != nil {
		return err
	}
	log.Info("kogge stopped") // the store is closed: what was acknowledged is on disk
	return nil
}

// serve runs the daemon: build, then the listeners, READY, and the
// signals until the drain.
func (d *daemonProcess) serve() error {
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
	// Registered for meetings once the others can reach this node;
	// withdrawn first at shutdown, so that nothing new is placed here, and
	// its claims let go once its meetings have written their last memos,
	// so that their participants, told "shutdown", resume on another node.
	stopPlacement, err := d.startPlacement(ln.Addr())
	if err != nil {
		ln.Close()
		return fmt.Errorf("meeting placement: %w", err)
	}
	defer stopPlacement()
	// The caps are below the listener: the HTTP server never sees a
	// connection past them. The control socket has none, so /healthz and
	// `kogge status` answer at the cap.
	limited := web.LimitConnections(ln, cfg.Server.MaxConnections, cfg.Server.MaxConnectionsPerAddress, proxies,
		cfg.Server.TLSCert == "", d.connRefusedLog())
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
	// READY only once the timeline has rebuilt its queue: /readyz says
	// not ready until then too, and systemd orders dependants on READY.
	select {
	case <-d.timeline.Settled():
	case <-time.After(time.Minute):
		d.log.Warn("the booking timeline is still being rebuilt after a minute; reporting ready to systemd anyway, /readyz stays not ready")
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
	// Out of placement first, so that nothing new comes here; the
	// meetings' claims go only after their last memos are written, below.
	d.withdrawPlacement()
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
	stopPlacement()
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

// connRefusedLog returns the refusal hook: a warning at the first refused
// connection and then at most once a minute with the count meanwhile, so
// that a flood does not flood the journal too.
func (d *daemonProcess) connRefusedLog() func(netip.Addr, bool) {
	var (
		mu   sync.Mutex
		last time.Time
		n    int
	)
	return func(addr netip.Addr, global bool) {
		mu.Lock()
		defer mu.Unlock()
		n++
		if now := time.Now(); now.Sub(last) >= time.Minute {
			which := "per address"
			if global {
				which = "overall"
			}
			d.log.Warn("security: connections refused at the cap", "refused", n, "cap", which, "addr", addr.String())
			last, n = now, 0
		}
	}
}

// checkFileLimit warns when the open-file limit leaves too little room
// beside max_connections (systemd/kogge.service sets twice the default).
func (d *daemonProcess) checkFileLimit() {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		return
	}
	if want := uint64(d.cfg.Server.MaxConnections) + fileHeadroom; rl.Cur < want {
		d.log.Warn("config: the open-file limit leaves too little room beside server.max_connections",
			"limit", rl.Cur, "max_connections", d.cfg.Server.MaxConnections, "want_at_least", want)
	}
}

// fileHeadroom is the file descriptors kept beside the connections: the
// store, the control socket, the SFU's sockets, outgoing connections
// (mail, providers, devices) and the logs.
const fileHeadroom = 1024
