package broker

import (
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"time"
)

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
