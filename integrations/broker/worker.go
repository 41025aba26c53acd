package broker

import (
	"context"
	"errors"
	"slices"
	"sync"
	"time"

	"github.com/kogge-project/kogge/rooms"
	"github.com/kogge-project/kogge/rooms/store"
)

// Run provisions, retries, fails over and deletes until ctx ends. It wakes
// on Kick, when a job ends, at the earliest retry it scheduled, and at
// least every poll interval (5 s).
func (b *Broker) Run(ctx context.Context) error {
	sem := make(chan struct{}, b.workers)
	ended := make(chan struct{}, 1)
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		now := b.now()
		due, err := b.st.DueAllocations(now)
		if err != nil {
			b.log.Error("broker: reading due allocations", "err", err)
		}
		for _, a := range due {
			if !b.claim(a.Booking, now) {
				continue
			}
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				b.unclaim(a.Booking)
				return nil
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				b.work(ctx, a)
				b.unclaim(a.Booking)
				<-sem
				select {
				case ended <- struct{}{}:
				default:
				}
			}()
		}
		t := time.NewTimer(b.nextWake(b.now()))
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-b.kick:
		case <-ended:
		case <-t.C:
		}
		t.Stop()
	}
}

// claim marks a booking in work unless it already is or is held back.
func (b *Broker) claim(id string, now time.Time) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.inflight[id] || b.hold[id].After(now) {
		return false
	}
	b.inflight[id] = true
	return true
}

func (b *Broker) unclaim(id string) {
	b.mu.Lock()
	delete(b.inflight, id)
	b.mu.Unlock()
}

// nextWake is how long to sleep: until the earliest scheduled retry, at
// most the poll interval.
func (b *Broker) nextWake(now time.Time) time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	d := b.poll
	if !b.wake.IsZero() {
		w := b.wake.Sub(now)
		if w <= 0 {
			b.wake = time.Time{}
			w = time.Millisecond
		}
		d = min(d, w)
	}
	return d
}

// holdBack keeps the worker off a booking for a while after an error that
// left it due (a store error, a failed delete), with growing pauses.
func (b *Broker) holdBack(id string) {
	b.mu.Lock()
	b.holdN[id]++
	n := b.holdN[id]
	b.mu.Unlock()
	t := b.now().Add(b.backoff(n))
	b.mu.Lock()
	b.hold[id] = t
	b.mu.Unlock()
	b.schedule(t)
}

func (b *Broker) unhold(id string) {
	b.mu.Lock()
	delete(b.hold, id)
	delete(b.holdN, id)
	b.mu.Unlock()
}

// work does what is due for one allocation: provisioning, then deletes.
// The meeting people will join comes first: after a failover the old
// meeting's provider is usually the one that is down, and waiting for its
// delete to time out would keep the new meeting from being made.
func (b *Broker) work(ctx context.Context, a store.Allocation) {
	ok := true
	if a.State == store.AllocReserved && !a.NextAttempt.After(b.now()) {
		ok = b.provision(ctx, a)
	}
	if len(a.Cleanup) > 0 {
		if cur, found, err := b.st.Allocation(a.Booking); err == nil && found {
			a = cur // provisioning may have added to the list
		}
		ok = b.cleanup(ctx, a) && ok
	}
	if ok {
		b.unhold(a.Booking)
	} else {
		b.holdBack(a.Booking)
	}
}

// callCtx bounds one provider call.
func (b *Broker) callCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, b.callTimeout)
}

// cleanup deletes the external meetings in a.Cleanup and drops the ones
// deleted (or of providers no longer configured) from the allocation.
func (b *Broker) cleanup(ctx context.Context, a store.Allocation) bool {
	var gone []store.ExternalRef
	ok := true
	for _, ref := range a.Cleanup {
		be := b.backends[ref.Provider]
		if be == nil {
			b.log.Warn("broker: cannot delete a meeting of a provider no longer configured",
				"booking", a.Booking, "provider", ref.Provider, "external_id", ref.ExternalID)
			gone = append(gone, ref)
			continue
		}
		cctx, cancel := b.callCtx(ctx)
		err := b.breakers[ref.Provider].call(func() error { return be.Delete(cctx, ref) })
		cancel()
		if err != nil {
			b.log.Warn("broker: deleting external meeting failed", "booking", a.Booking,
				"provider", ref.Provider, "external_id", ref.ExternalID, "err", err)
			ok = false
			continue
		}
		b.log.Info("broker: external meeting deleted", "booking", a.Booking, "provider", ref.Provider, "external_id", ref.ExternalID)
		gone = append(gone, ref)
	}
	if len(gone) == 0 {
		return ok
	}
	_, err := b.st.UpdateAllocation(a.Booking, Actor, func(_ rooms.Booking, cur *store.Allocation) error {
		cur.Cleanup = slices.DeleteFunc(cur.Cleanup, func(r store.ExternalRef) bool { return slices.Contains(gone, r) })
		return nil
	})
	if err != nil {
		b.log.Error("broker: recording deletions", "booking", a.Booking, "err", err)
		return false
	}
	return ok
}

// provision creates (or updates) a's meeting; false if the booking must
// be held back (store trouble).
func (b *Broker) provision(ctx context.Context, a store.Allocation) bool {
	bk, err := b.st.Get(a.Booking)
	if err != nil {
		b.log.Error("broker: reading booking", "booking", a.Booking, "err", err)
		return false
	}
	p, known := b.byName[a.Provider]
	reason := ""
	switch {
	case !known:
		reason = "provider " + a.Provider + " is no longer configured"
	case b.isDown(p.Name):
		reason = p.Name + " is marked down"
	case b.breakers[p.Name].open():
		reason = p.Name + " fails repeatedly (circuit breaker open)"
	default:
		if why := unfit(p, RequestFor(bk)); why.Code != "" {
			reason = p.Name + ": " + why.Why
		}
	}
	if reason != "" {
		if b.failover(a, bk, reason) {
			return true
		}
		if !known {
			return false
		}
		if unfit(p, RequestFor(bk)).Code != "" {
			// Never send it where it must not go; keep it waiting.
			return b.recordFailure(p, a, errors.New(reason))
		}
	}
	m, err := b.call(ctx, p, a, bk)
	if err == nil {
		return b.succeed(a, m)
	}
	if ctx.Err() != nil {
		return true // shutting down: not the provider's fault
	}
	return b.fail(p, a, bk, err)
}

// call creates the meeting, or updates it when one exists (and creates it
// again if it vanished), through the provider's breaker.
func (b *Broker) call(ctx context.Context, p Provider, a store.Allocation, bk rooms.Booking) (Meeting, error) {
	be := b.backends[p.Name]
	cctx, cancel := b.callCtx(ctx)
	defer cancel()
	var m Meeting
	err := b.breakers[p.Name].call(func() error {
		if a.ExternalID != "" {
			err := be.Update(cctx, a, bk)
			if !errors.Is(err, errGone) {
				m = Meeting{Licence: a.Licence, ExternalID: a.ExternalID, Ref: a.Ref,
					JoinURL: a.JoinURL, HostURL: a.HostURL, DialIn: a.DialIn}
				return err
			}
			b.log.Warn("broker: external meeting vanished, creating it again", "booking", a.Booking, "provider", p.Name)
		}
		var err error
		m, err = be.Create(cctx, a, bk)
		return err
	})
	return m, err
}
