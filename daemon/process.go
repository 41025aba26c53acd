package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"sync/atomic"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/kogge-project/kogge/daemon/cluster"
	"github.com/kogge-project/kogge/daemon/config"
	"github.com/kogge-project/kogge/daemon/demo"
	"github.com/kogge-project/kogge/daemon/jobs"
	"github.com/kogge-project/kogge/daemon/metrics"
	"github.com/kogge-project/kogge/daemon/web"
	"github.com/kogge-project/kogge/integrations/broker"
	"github.com/kogge-project/kogge/integrations/gotomeeting"
	"github.com/kogge-project/kogge/integrations/oparl"
	"github.com/kogge-project/kogge/integrations/pexip"
	"github.com/kogge-project/kogge/rooms"
	"github.com/kogge-project/kogge/rooms/accounts"
	"github.com/kogge-project/kogge/rooms/av"
	"github.com/kogge-project/kogge/rooms/av/roomav"
	"github.com/kogge-project/kogge/rooms/store"
	"github.com/kogge-project/kogge/rooms/timeline"
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

// daemonProcess is one run of `kogge serve`: build wires its parts into
// it, serve adds the listeners and the signal handling.
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
	oparl    *oparl.Importer
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
	// lead says whether this node acts (cluster.One on one machine).
	lead cluster.Lead
	// etcd is the cluster's client (nil on one machine); router places
	// meetings on its nodes (daemon/placement_wiring.go).
	etcd   *clientv3.Client
	router *meetingRouter
	// relayKey signs client addresses between nodes; rooms holds the
	// room claims (both nil on one machine; daemon/placement_wiring.go).
	relayKey []byte
	rooms    *roomRouter
	// roomOwnership says which rooms' devices this node drives (nil:
	// every room — one machine). avBoard carries the device statuses
	// between nodes and roomRouter sends device requests to a room's
	// owner (nil: none, one machine). On a cluster all three come from
	// the room claims in etcd (clusterRouting, before the AV starts;
	// rooms/av/roomav/ownership.go, rooms/av/avetcd,
	// daemon/web/room_routing.go).
	roomOwnership roomav.Ownership
	avBoard       roomav.StatusBoard
	roomRouter    web.RoomRouter
	// avForward sends the daemon's own device commands (a seat's
	// microphone, the power-off) on a room another node drives to it
	// (nil: they fail there; roomav.Options.Forward).
	avForward func(ctx context.Context, room, device string, cmd av.Command) error
	// avScenes carries the steps of scenes run here to the event
	// streams of the other nodes, where the person who started one may
	// be watching (nil: one machine; rooms/av/avetcd, scenes.go).
	avScenes roomav.SceneRelay
	// timelineErr is set when the timeline stopped on its own.
	timelineErr atomic.Pointer[error]
	// ctx ends when shutdown begins: long jobs (an OParl sync against a
	// hanging server) stop then instead of outlasting systemd's patience.
	ctx context.Context
}

// ready is /readyz: the store answers and can write, the maintenance
// jobs run, and the booking timeline has been rebuilt.
func (d *daemonProcess) ready() error {
	if d.stopping.Load() {
		return errors.New("shutting down")
	}
	if _, err := d.store.CountByStatus(); err != nil {
		return fmt.Errorf("store: %w", err)
	}
	if err := d.store.ClusterReachable(); err != nil {
		// Pages would load but nothing could be booked or changed.
		return err
	}
	if d.store.DiskFull() {
		// Reads still work, but nothing can be booked: a balancer should
		// send people elsewhere until a write succeeds again.
		return errors.New("the disk is full: the last write failed for want of space")
	}
	if !d.jobs.Running() {
		return errors.New("maintenance jobs are not running")
	}
	if err := d.timelineErr.Load(); err != nil {
		return fmt.Errorf("booking timeline stopped: %w", *err)
	}
	// Until the rebuild is done (1 s and more with 100k future bookings
	// on a slow machine) no scene, no-show release or end would happen.
	if d.timeline != nil && !d.timeline.Ready() {
		return errors.New("the booking timeline is still being rebuilt")
	}
	return nil
}

// futureBookings lists a room's bookings that have not ended and are not
// cancelled.
func (d *daemonProcess) futureBookings(room string) ([]rooms.Booking, error) {
	var out []rooms.Booking
	err := d.store.Each(store.Query{Room: room, From: time.Now()}, func(b rooms.Booking) (bool, error) {
		if b.Status.Blocks() {
			out = append(out, b)
		}
		return len(out) < 20, nil // enough to name in a message
	})
	return out, err
}

// closureList is the closures in force now.
func (d *daemonProcess) closureList() []rooms.Closure {
	if p := d.closures.Load(); p != nil {
		return *p
	}
	return d.cfg.ClosureList()
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
