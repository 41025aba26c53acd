package main

import (
	"context"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/kogge-project/kogge/daemon/config"
	"github.com/kogge-project/kogge/integrations/broker"
	"github.com/kogge-project/kogge/integrations/gotomeeting"
	"github.com/kogge-project/kogge/integrations/pexip"
	"github.com/kogge-project/kogge/rooms"
	"github.com/kogge-project/kogge/rooms/store"
	"github.com/kogge-project/kogge/signaling/admission"
)

// providerList turns [providers] into the broker's providers, in order.
func providerList(p config.Providers) []broker.Provider {
	var out []broker.Provider
	for _, name := range p.Order {
		bp := broker.Provider{Name: name, ProvisionLead: p.ProvisionLead.Duration,
			FailoverAttempts: p.FailoverAttempts, FailoverAfter: p.FailoverAfter.Duration}
		var l config.ProviderLimits
		switch name {
		case "builtin":
			bp.Kind, l = broker.KindBuiltin, p.Builtin.ProviderLimits
		case "gotomeeting":
			bp.Kind, l = broker.KindGoToMeeting, p.GoToMeeting.ProviderLimits
			bp.Licences = p.GoToMeeting.Organizers
		case "pexip":
			bp.Kind, l = broker.KindPexip, p.Pexip.ProviderLimits
			if p.Pexip.APIURL == "" { // DFNconf: the static rooms are the pool
				for _, r := range p.Pexip.StaticRooms {
					bp.Licences = append(bp.Licences, r.Alias)
				}
			}
		}
		bp.MaxParticipants, bp.ConfidentialOK, bp.DialIn, bp.MaxDuration = l.MaxParticipants, l.ConfidentialOK, l.DialIn, l.MaxDuration.Duration
		out = append(out, bp)
	}
	return out
}

// readSecret reads a one-line secret file.
func readSecret(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(b)), nil
}

// goToClients builds one client per organizer, sharing GoTo's rate limit
// and the encrypted token store.
func goToClients(g config.GoToProvider, st *store.Store) (map[string]*gotomeeting.Client, *broker.SecretTokenStore, error) {
	oauth := gotomeeting.OAuthConfig{ClientID: g.ClientID, RedirectURI: g.RedirectURI, AuthURL: g.AuthURL, TokenURL: g.TokenURL}
	secret, err := readSecret(g.ClientSecretFile)
	if err != nil {
		return nil, nil, fmt.Errorf("gotomeeting client secret: %w", err)
	}
	oauth.ClientSecret = secret
	keyHex, err := readSecret(g.CredentialsKeyFile)
	if err != nil {
		return nil, nil, fmt.Errorf("gotomeeting credentials key: %w", err)
	}
	key, err := hex.DecodeString(keyHex)
	if err != nil {
		return nil, nil, fmt.Errorf("gotomeeting credentials key: %w", err)
	}
	tokens, err := broker.NewSecretTokenStore(st, key)
	if err != nil {
		return nil, nil, err
	}
	cfg := gotomeeting.Config{BaseURL: g.APIURL, OAuth: oauth, Store: tokens, Limiter: gotomeeting.NewLimiter()}
	clients := map[string]*gotomeeting.Client{}
	for _, o := range g.Organizers {
		clients[o] = gotomeeting.New(cfg, o)
	}
	return clients, tokens, nil
}

// backends builds each configured provider's API client. authorized, if
// set, may save GoTo tokens first (the demo's emulator issues them).
func backends(p config.Providers, st *store.Store, authorize func(gotomeeting.TokenStore) error) (map[string]broker.Backend, providerClients, error) {
	out := map[string]broker.Backend{}
	var cs providerClients
	for _, name := range p.Order {
		switch name {
		case "builtin":
			out[name] = broker.NewBuiltin()
		case "gotomeeting":
			clients, tokens, err := goToClients(p.GoToMeeting, st)
			if err != nil {
				return nil, cs, err
			}
			if authorize != nil {
				if err := authorize(tokens); err != nil {
					return nil, cs, err
				}
			}
			out[name], cs.goTo = broker.NewGoTo(clients), clients
		case "pexip":
			x := p.Pexip
			if x.APIURL == "" {
				var rs []pexip.StaticRoom
				for _, r := range x.StaticRooms {
					rs = append(rs, pexip.StaticRoom{Alias: r.Alias, HostPIN: r.HostPIN, GuestPIN: r.GuestPIN, JoinURL: r.JoinURL, ParticipantLimit: r.ParticipantLimit})
				}
				out[name] = broker.NewPexipStatic(rs)
				continue
			}
			pw, err := readSecret(x.PasswordFile)
			if err != nil {
				return nil, cs, fmt.Errorf("pexip password: %w", err)
			}
			cs.pexip = pexip.New(x.APIURL, x.Username, pw)
			out[name] = broker.NewPexipVMR(cs.pexip, x.JoinURLBase)
		}
	}
	return out, cs, nil
}

// providerClients are the API clients behind the backends that the daemon
// uses itself: GoTo's for authorising organizers, Pexip's for its licence
// usage.
type providerClients struct {
	goTo  map[string]*gotomeeting.Client
	pexip *pexip.Client // nil without a Pexip management API
}

// startBroker installs the licence allocator in the store and runs the
// provisioning worker until stop.
func (d *daemonProcess) startBroker(onMove func(b rooms.Booking, from, to, reason string)) (*broker.Broker, func(), error) {
	var authorize func(gotomeeting.TokenStore) error
	if d.demoProviders != nil {
		authorize = func(ts gotomeeting.TokenStore) error { return d.demoProviders.Authorize(ts.Save) }
	}
	bes, clients, err := backends(d.cfg.Providers, d.store, authorize)
	if err != nil {
		return nil, nil, err
	}
	d.goTo = clients.goTo
	b, err := broker.New(broker.Options{Providers: providerList(d.cfg.Providers), Backends: bes, Store: d.store,
		Now: time.Now, Log: d.log.With("component", "broker"), OnMove: onMove})
	if err != nil {
		return nil, nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() {
		if err := b.Run(ctx); err != nil && ctx.Err() == nil {
			d.log.Error("provider broker stopped", "err", err)
		}
	})
	// Providers are watched by themselves: one that dies gets its coming
	// meetings moved without anyone touching a booking.
	wg.Go(func() { _ = b.Watch(ctx) })
	if clients.pexip != nil {
		wg.Go(func() { d.pollPexipLicensing(ctx, clients.pexip) })
	}
	return b, func() { cancel(); wg.Wait() }, nil
}

// externalJoin says where a booking's meeting lives when the broker handed
// it to an outside provider: its join (or host) URL once provisioned;
// pending while the provider is still being asked.
func externalJoin(st *store.Store) func(b rooms.Booking, host bool) (url string, pending bool) {
	return func(b rooms.Booking, host bool) (string, bool) {
		a, ok, err := st.Allocation(b.ID)
		if err != nil || !ok || a.Provider == string(broker.KindBuiltin) || a.State == store.AllocReleased {
			return "", false
		}
		if a.State != store.AllocProvisioned {
			return "", true
		}
		if host && a.HostURL != "" {
			return a.HostURL, false
		}
		return a.JoinURL, false
	}
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
		d.providerMetrics.reconciled(reps)
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
