package broker

import (
	"context"
	"errors"
	"time"

	"github.com/kogge-project/kogge/rooms"
	"github.com/kogge-project/kogge/rooms/store"
)

// Prober is a backend that can tell with one cheap authenticated call
// whether its provider is up (GoTo: one organizer's upcoming meetings;
// Pexip: the status API's licensing).
type Prober interface {
	Probe(ctx context.Context) error
}

// How the broker watches its providers: a probe every probeEvery; a
// provider is down after probeFailures outage-like failures in a row, or
// while its breaker is open, and up again after one good probe. While it
// is down, meetings placed there that start within its provision lead, and
// at least within moveLead, are moved each round.
const (
	probeEvery    = 15 * time.Second
	probeFailures = 2
	moveLead      = time.Hour
)

// Watch probes every provider until ctx ends, marking it down and up by
// itself: a provider that dies moves the meetings placed there that are
// running or start soon (see moveLead) to the next provider that fits,
// with the join link unchanged; later ones move as they come near, if it
// is still down. A provider that comes back gets new meetings again;
// nothing is moved back (a running meeting stays where it is).
func (b *Broker) Watch(ctx context.Context) error {
	failures := map[string]int{}
	auto := map[string]bool{}        // down by Watch's own decision
	forced := map[string]time.Time{} // how far ahead meetings were moved
	t := time.NewTicker(b.probeEvery)
	defer t.Stop()
	for {
		for _, p := range b.providers {
			down := b.probe(ctx, p, failures)
			if ctx.Err() != nil {
				return nil
			}
			until := b.now().Add(max(p.ProvisionLead, moveLead))
			switch {
			case down && !b.isDown(p.Name):
				auto[p.Name], forced[p.Name] = true, until
				b.setDown(p.Name, true, until)
			case down && auto[p.Name]:
				// Only what came near since the last round: the rest is
				// already on its way (or waiting with its own backoff,
				// when no other provider fits).
				b.forceDueBetween(p.Name, forced[p.Name], until)
				forced[p.Name] = until
				b.Kick("")
			case !down && auto[p.Name]:
				delete(auto, p.Name)
				delete(forced, p.Name)
				b.setDown(p.Name, false, time.Time{})
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// probe says whether p is down now.
func (b *Broker) probe(ctx context.Context, p Provider, failures map[string]int) bool {
	if b.breakers[p.Name].open() {
		return true
	}
	pr, ok := b.backends[p.Name].(Prober)
	if !ok {
		return false
	}
	cctx, cancel := b.callCtx(ctx)
	err := pr.Probe(cctx)
	cancel()
	switch {
	case err == nil, errors.Is(err, context.Canceled):
		failures[p.Name] = 0
	case outage(err):
		failures[p.Name]++
		if failures[p.Name] == 1 { // once per outage, not every round
			b.log.Warn("broker: provider probe failed", "provider", p.Name, "err", err)
		}
	default:
		// It answered (a refusal, our own configuration): up. The
		// worker's calls say what is wrong, where it matters.
		failures[p.Name] = 0
	}
	return failures[p.Name] >= probeFailures
}

// forceDue makes the provider's live allocations that start before until
// (all of them when until is zero) due now, so that the worker looks at
// them and, the provider being down, moves them.
func (b *Broker) forceDue(provider string, until time.Time) {
	b.forceDueBetween(provider, time.Time{}, until)
}

// forceDueBetween is forceDue for the allocations that start in
// [from, until) (from zero: any time before until).
func (b *Broker) forceDueBetween(provider string, from, until time.Time) {
	now := b.now()
	var ids []string
	err := b.st.EachAllocation(provider, func(a store.Allocation) error {
		if a.To.After(now) && a.State != store.AllocReleased && !a.From.Before(from) && (until.IsZero() || a.From.Before(until)) {
			ids = append(ids, a.Booking)
		}
		return nil
	})
	if err != nil {
		b.log.Error("broker: listing a down provider's bookings", "provider", provider, "err", err)
	}
	for _, id := range ids {
		_, err := b.st.UpdateAllocation(id, Actor, func(_ rooms.Booking, cur *store.Allocation) error {
			if cur.Provider == provider && cur.State != store.AllocReleased {
				cur.State, cur.NextAttempt = store.AllocReserved, now
			}
			return nil
		})
		if err != nil {
			b.log.Error("broker: moving a down provider's booking", "booking", id, "err", err)
		}
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
