package broker

import (
	"context"
	"errors"

	"github.com/kogge-project/kogge/rooms"
	"github.com/kogge-project/kogge/rooms/store"
)

// Reconcile lists every provider's meetings, deletes orphans that Kogge
// created, marks missing ones for provisioning again, and reports drift.
// Only meetings whose reference has our shape are ever deleted: one with
// no live allocation, or a duplicate of an allocation's meeting. A
// provisioned allocation whose meeting is not listed (and whose booking
// has not ended) goes back to reserved, due now. A provider whose List
// fails is skipped (a partial list would look like missing meetings).
func (b *Broker) Reconcile(ctx context.Context) ([]ReconcileReport, error) {
	var out []ReconcileReport
	for _, p := range b.providers {
		r, err := b.reconcile(ctx, p)
		if err != nil {
			return out, err
		}
		out = append(out, r)
		if r.OrphansDeleted+r.Recreated+r.Drift+r.Errors > 0 {
			b.log.Warn("broker: reconcile found drift", "provider", r.Provider, "listed", r.Listed,
				"orphans_deleted", r.OrphansDeleted, "recreated", r.Recreated, "drift", r.Drift, "errors", r.Errors)
		}
	}
	return out, ctx.Err()
}

func (b *Broker) reconcile(ctx context.Context, p Provider) (ReconcileReport, error) {
	r := ReconcileReport{Provider: p.Name}
	be, br := b.backends[p.Name], b.breakers[p.Name]
	var listed []Meeting
	cctx, cancel := b.callCtx(ctx)
	err := br.call(func() (err error) { listed, err = be.List(cctx); return err })
	cancel()
	if err != nil {
		b.log.Warn("broker: reconcile cannot list", "provider", p.Name, "err", err)
		r.Errors++
		return r, ctx.Err()
	}
	r.Listed = len(listed)
	// Read the allocations after listing: a meeting made in between has
	// its allocation recorded by now (succeed), so it is not an orphan.
	byRef := map[string]store.Allocation{}
	if err := b.st.EachAllocation(p.Name, func(a store.Allocation) error {
		byRef[a.Ref] = a
		return nil
	}); err != nil {
		return r, err
	}
	seen := map[string]bool{}
	for _, m := range listed {
		a, live := byRef[m.Ref]
		switch {
		case !IsRef(m.Ref):
			continue // not ours
		case live && (a.ExternalID == "" || a.ExternalID == m.ExternalID):
			seen[m.Ref] = true
			continue
		case live:
			r.Drift++ // a duplicate of the allocation's meeting
		}
		ref := store.ExternalRef{Provider: p.Name, Licence: m.Licence, ExternalID: m.ExternalID}
		cctx, cancel := b.callCtx(ctx)
		err := br.call(func() error { return be.Delete(cctx, ref) })
		cancel()
		if err != nil {
			b.log.Warn("broker: reconcile cannot delete an orphan", "provider", p.Name, "external_id", m.ExternalID, "err", err)
			r.Errors++
			continue
		}
		b.log.Info("broker: orphan meeting deleted", "provider", p.Name, "external_id", m.ExternalID, "ref", m.Ref)
		r.OrphansDeleted++
	}
	now := b.now()
	for ref, a := range byRef {
		if seen[ref] || a.State != store.AllocProvisioned || a.ExternalID == "" {
			continue
		}
		bk, err := b.st.Get(a.Booking)
		if err != nil || !bk.End.After(now) {
			continue // over (GoTo lists upcoming meetings only)
		}
		recreated := false
		_, err = b.st.UpdateAllocation(a.Booking, Actor, func(_ rooms.Booking, cur *store.Allocation) error {
			recreated = false // a replicated store may run this again (rooms/store/kv)
			if cur.Ref != a.Ref || cur.State != store.AllocProvisioned || cur.ExternalID != a.ExternalID {
				return nil
			}
			cur.State, cur.NextAttempt = store.AllocReserved, now
			cur.ExternalID, cur.JoinURL, cur.HostURL, cur.DialIn = "", "", "", ""
			cur.LastError = "meeting missing at " + p.Name + "; creating it again"
			recreated = true
			return nil
		})
		if err != nil {
			r.Errors++
			b.log.Error("broker: reconcile cannot mark a missing meeting", "booking", a.Booking, "err", err)
			continue
		}
		if recreated {
			r.Recreated++
			r.Drift++
			b.log.Warn("broker: meeting missing at provider, creating it again", "booking", a.Booking, "provider", p.Name)
		}
	}
	if r.Recreated > 0 {
		b.Kick("")
	}
	if errors.Is(ctx.Err(), context.Canceled) {
		return r, ctx.Err()
	}
	return r, nil
}
