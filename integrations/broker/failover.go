package broker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/kogge-project/kogge/rooms"
	"github.com/kogge-project/kogge/rooms/store"
)

// succeed records a provisioned meeting. If the allocation moved or was
// released meanwhile, the meeting just made is an orphan: into Cleanup.
// If the times changed meanwhile it stays reserved, so the worker updates it.
func (b *Broker) succeed(a store.Allocation, m Meeting) bool {
	_, err := b.st.UpdateAllocation(a.Booking, Actor, func(_ rooms.Booking, cur *store.Allocation) error {
		if cur.Ref != a.Ref || cur.Provider != a.Provider || cur.State == store.AllocReleased {
			if m.ExternalID != "" && m.ExternalID != cur.ExternalID {
				cur.Cleanup = append(cur.Cleanup, store.ExternalRef{Provider: a.Provider, Licence: a.Licence, ExternalID: m.ExternalID})
			}
			return nil
		}
		cur.ExternalID, cur.JoinURL, cur.HostURL, cur.DialIn = m.ExternalID, m.JoinURL, m.HostURL, m.DialIn
		cur.Attempts, cur.FirstFailure, cur.LastError = 0, time.Time{}, ""
		if cur.From.Equal(a.From) && cur.To.Equal(a.To) && cur.NextAttempt.Equal(a.NextAttempt) {
			cur.State, cur.NextAttempt = store.AllocProvisioned, time.Time{}
		}
		return nil
	})
	if err != nil {
		b.log.Error("broker: recording a provisioned meeting", "booking", a.Booking, "provider", a.Provider, "err", err)
		return false
	}
	// A meeting on our own SFU has nothing made outside (no external id):
	// only external meetings are news to an operator.
	level := slog.LevelInfo
	if m.ExternalID == "" {
		level = slog.LevelDebug
	}
	b.log.Log(context.Background(), level, "broker: meeting provisioned", "booking", a.Booking, "provider", a.Provider, "licence", a.Licence)
	return true
}

// fail records a failed attempt and moves the booking on when the
// provider has failed it long enough, or is down or broken.
func (b *Broker) fail(p Provider, a store.Allocation, bk rooms.Booking, err error) bool {
	now := b.now()
	attempts := a.Attempts + 1
	first := a.FirstFailure
	if first.IsZero() {
		first = now
	}
	b.log.Warn("broker: provisioning failed", "booking", a.Booking, "provider", p.Name, "attempt", attempts, "err", err)
	move := (p.FailoverAttempts > 0 && attempts >= p.FailoverAttempts) ||
		(p.FailoverAfter > 0 && now.Sub(first) >= p.FailoverAfter) ||
		b.unavailable(p.Name)
	if move {
		reason := fmt.Sprintf("%s failed %d times since %s: %s", p.Name, attempts, first.UTC().Format(time.RFC3339), clip(err.Error()))
		if b.failover(a, bk, reason) {
			return true
		}
	}
	return b.recordFailure(p, a, err)
}

// recordFailure counts a failed attempt and schedules the next one.
func (b *Broker) recordFailure(p Provider, a store.Allocation, cause error) bool {
	now := b.now()
	var next time.Time
	_, err := b.st.UpdateAllocation(a.Booking, Actor, func(_ rooms.Booking, cur *store.Allocation) error {
		if cur.Ref != a.Ref || cur.Provider != a.Provider || cur.State != store.AllocReserved {
			return nil // changed meanwhile: the worker will see it anew
		}
		cur.Attempts++
		if cur.FirstFailure.IsZero() {
			cur.FirstFailure = now
		}
		cur.LastError = clip(cause.Error())
		next = now.Add(b.backoff(cur.Attempts))
		cur.NextAttempt = next
		return nil
	})
	if err != nil {
		b.log.Error("broker: recording a failed attempt", "booking", a.Booking, "provider", p.Name, "err", err)
		return false
	}
	if !next.IsZero() {
		b.schedule(next)
	}
	return true
}

// failover moves the booking to the next provider that fits, excluding
// the failing one and those it left before; confidentiality still rules.
// It reports whether the booking moved (or changed meanwhile). Without a
// fitting provider the booking stays and keeps retrying, loudly.
func (b *Broker) failover(a store.Allocation, bk rooms.Booking, reason string) bool {
	req := RequestFor(bk)
	exclude := append(slices.Clone(a.Excluded), a.Provider)
	taken := map[[2]string]bool{}
	for range 3 {
		p, lic, err := Choose(b.providers, req, b.busyView(bk.ID, taken), b.unavailable, exclude)
		if err != nil {
			b.log.Error("broker: provider failing and no other provider fits; retrying it",
				"booking", bk.ID, "provider", a.Provider, "reason", reason, "err", err)
			return false
		}
		now := b.now()
		moved := false
		_, err = b.st.UpdateAllocation(a.Booking, Actor, func(_ rooms.Booking, cur *store.Allocation) error {
			moved = false // a replicated store may run this again (rooms/store/kv)
			if cur.Ref != a.Ref || cur.Provider != a.Provider || cur.State == store.AllocReleased {
				return nil
			}
			old := *cur
			if cur.ExternalID != "" {
				cur.Cleanup = append(cur.Cleanup, externalOf(old))
			}
			if !slices.Contains(cur.Excluded, old.Provider) {
				cur.Excluded = append(cur.Excluded, old.Provider)
			}
			cur.Provider, cur.Licence, cur.State = p.Name, lic, store.AllocReserved
			cur.Ref = NextRef(bk.ID, &old)
			cur.ExternalID, cur.JoinURL, cur.HostURL, cur.DialIn = "", "", "", ""
			cur.Attempts, cur.FirstFailure = 0, time.Time{}
			cur.LastError = clip("moved from " + old.Provider + ": " + reason)
			cur.NextAttempt = provisionAt(p, bk, now)
			moved = true
			return nil
		})
		if errors.Is(err, store.ErrLicenceTaken) {
			taken[[2]string{p.Name, lic}] = true
			continue
		}
		if err != nil {
			b.log.Error("broker: failover not recorded", "booking", bk.ID, "err", err)
			return false
		}
		if moved {
			b.log.Warn("broker: booking moved to another provider", "booking", bk.ID,
				"from", a.Provider, "to", p.Name, "reason", reason)
			if b.onMove != nil {
				b.onMove(bk, a.Provider, p.Name, reason)
			}
			b.schedule(now)
		}
		return true
	}
	return false
}

// busyView answers BusyFunc from the store outside a transaction (the
// worker's failover); UpdateAllocation checks again, and taken holds
// licences it refused.
func (b *Broker) busyView(self string, taken map[[2]string]bool) store.BusyFunc {
	cache := map[string][]store.Allocation{}
	return func(provider, licence string, from, to time.Time) (bool, error) {
		if taken[[2]string{provider, licence}] {
			return true, nil
		}
		as, ok := cache[provider]
		if !ok {
			err := b.st.EachAllocation(provider, func(a store.Allocation) error {
				if a.Booking != self {
					as = append(as, a)
				}
				return nil
			})
			if err != nil {
				return false, err
			}
			cache[provider] = as
		}
		for _, a := range as {
			if a.Licence == licence && a.From.Before(to) && from.Before(a.To) {
				return true, nil
			}
		}
		return false, nil
	}
}

// clip keeps stored error texts short.
func clip(s string) string { return rooms.Clip(s, 300) }
