package backends

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/kogge-project/kogge/daemon/config"
	"github.com/kogge-project/kogge/integrations/broker"
	"github.com/kogge-project/kogge/integrations/gotomeeting"
	"github.com/kogge-project/kogge/rooms"
	"github.com/kogge-project/kogge/rooms/store"
)

// BrokerOptions are what StartBroker needs.
type BrokerOptions struct {
	Providers config.Providers
	Store     *store.Store
	// Authorize, if set, stores a GoTo organizer's first token (the demo
	// and the tests authorise their emulator's organizers this way).
	Authorize func(gotomeeting.TokenStore) error
	Log       *slog.Logger
	// OnMove hears of every failover (optional).
	OnMove func(b rooms.Booking, from, to, reason string)
	// Now is the clock (nil: time.Now).
	Now func() time.Time
	// While runs fn for each period this node leads a cluster, with a
	// context that ends with the period (nil: fn runs once, as on one
	// machine). The worker and the provider watch run only then: one
	// node creates and moves provider meetings.
	While func(ctx context.Context, fn func(context.Context))
}

// StartBroker builds the broker for the configured providers (its
// allocator goes into the store before anything books) and runs its worker
// and its provider watch until stop is called. The daemon and the tests
// start it the same way.
func StartBroker(o BrokerOptions) (b *broker.Broker, clients Clients, stop func(), err error) {
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.While == nil {
		o.While = func(ctx context.Context, fn func(context.Context)) { fn(ctx) }
	}
	bes, clients, err := Build(o.Providers, o.Store, o.Authorize)
	if err != nil {
		return nil, clients, nil, err
	}
	b, err = broker.New(broker.Options{Providers: List(o.Providers), Backends: bes, Store: o.Store,
		Now: o.Now, Log: o.Log, OnMove: o.OnMove, ProbeEvery: o.Providers.HealthCheckEvery.Duration})
	if err != nil {
		return nil, clients, nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() {
		o.While(ctx, func(ctx context.Context) {
			if err := b.Run(ctx); err != nil && ctx.Err() == nil {
				o.Log.Error("provider broker stopped", "err", err)
			}
		})
	})
	// Providers are watched by themselves: one that dies gets its coming
	// meetings moved without anyone touching a booking.
	wg.Go(func() { o.While(ctx, func(ctx context.Context) { _ = b.Watch(ctx) }) })
	var once sync.Once
	return b, clients, func() { once.Do(func() { cancel(); wg.Wait() }) }, nil
}
