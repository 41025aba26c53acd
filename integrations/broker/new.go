package broker

import (
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/kogge-project/kogge/rooms"
	"github.com/kogge-project/kogge/rooms/store"
)

// allocStore is the part of *store.Store the broker uses.
type allocStore interface {
	SetAllocator(store.Allocator)
	Get(id string) (rooms.Booking, error)
	Allocation(bookingID string) (store.Allocation, bool, error)
	UpdateAllocation(bookingID, actor string, fn func(b rooms.Booking, a *store.Allocation) error) (store.Allocation, error)
	DueAllocations(now time.Time) ([]store.Allocation, error)
	EachAllocation(provider string, fn func(store.Allocation) error) error
	LicenceUse(provider string, now, from, to time.Time) (inUse, peak int, err error)
}

var _ allocStore = (*store.Store)(nil)

// Actor is who the broker's allocation changes are audited as.
const Actor = "broker"

// New builds a broker and installs its allocator in the store.
func New(opt Options) (*Broker, error) {
	if opt.Store == nil {
		return nil, errors.New("broker: no store")
	}
	return newBroker(opt, opt.Store)
}

func newBroker(opt Options, st allocStore) (*Broker, error) {
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Log == nil {
		opt.Log = slog.New(slog.DiscardHandler)
	}
	b := &Broker{
		byName:      map[string]Provider{},
		backends:    map[string]Backend{},
		st:          st,
		now:         opt.Now,
		log:         opt.Log,
		onMove:      opt.OnMove,
		breakers:    map[string]*breaker{},
		kick:        make(chan struct{}, 1),
		workers:     4,
		callTimeout: 30 * time.Second,
		poll:        5 * time.Second,
		probeEvery:  probeEvery,
		backoffBase: time.Second,
		backoffMax:  2 * time.Minute,
		jitter:      rand.Float64,
		down:        map[string]bool{},
		inflight:    map[string]bool{},
		hold:        map[string]time.Time{},
		holdN:       map[string]int{},
	}
	for _, p := range opt.Providers {
		if err := validProvider(p); err != nil {
			return nil, err
		}
		if _, dup := b.byName[p.Name]; dup {
			return nil, fmt.Errorf("broker: provider %q configured twice", p.Name)
		}
		be := opt.Backends[p.Name]
		if be == nil {
			if p.Kind != KindBuiltin {
				return nil, fmt.Errorf("broker: provider %q (%s) has no backend", p.Name, p.Kind)
			}
			be = NewBuiltin()
		}
		b.providers = append(b.providers, p)
		b.byName[p.Name] = p
		b.backends[p.Name] = be
		b.breakers[p.Name] = newBreaker(p.Name)
	}
	if opt.ProbeEvery > 0 {
		b.probeEvery = opt.ProbeEvery
	}
	st.SetAllocator(b.allocate)
	return b, nil
}

func validProvider(p Provider) error {
	switch {
	case p.Name == "":
		return errors.New("broker: a provider without a name")
	case p.Kind != KindBuiltin && p.Kind != KindGoToMeeting && p.Kind != KindPexip:
		return fmt.Errorf("broker: provider %q: unknown kind %q", p.Name, p.Kind)
	case p.Licences != nil && len(p.Licences) == 0:
		return fmt.Errorf("broker: provider %q: an empty licence pool (leave it out for unlimited)", p.Name)
	}
	seen := map[string]bool{}
	for _, l := range p.Licences {
		if l == "" || seen[l] {
			return fmt.Errorf("broker: provider %q: licence %q empty or listed twice", p.Name, l)
		}
		seen[l] = true
	}
	return nil
}

// Kick asks the worker to look at a booking now (after a change). The
// worker reads what is due from the store, so one wake-up serves all.
func (b *Broker) Kick(bookingID string) {
	select {
	case b.kick <- struct{}{}:
	default:
	}
}

// MarkDown marks a provider down (or up again) by hand: down providers
// are not chosen, and all their bookings that are not over move on. Watch
// does the same by itself from probes and breakers.
func (b *Broker) MarkDown(provider string, down bool) {
	b.setDown(provider, down, time.Time{})
}

// setDown marks a provider down or up; going down, its bookings that start
// before until (all, when zero) are made due so that the worker moves them.
func (b *Broker) setDown(provider string, down bool, until time.Time) {
	b.mu.Lock()
	if down {
		b.down[provider] = true
	} else {
		delete(b.down, provider)
	}
	b.mu.Unlock()
	b.log.Warn("broker: provider marked", "provider", provider, "down", down)
	if down {
		b.forceDue(provider, until)
		b.Kick("")
	}
}

func (b *Broker) isDown(name string) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.down[name]
}

// unavailable: marked down or its breaker is open.
func (b *Broker) unavailable(name string) bool {
	if b.isDown(name) {
		return true
	}
	br := b.breakers[name]
	return br != nil && br.open()
}
