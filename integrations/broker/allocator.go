package broker

import (
	"errors"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kogge-project/kogge/rooms"
	"github.com/kogge-project/kogge/rooms/store"
)

// allocate is the store.Allocator: it runs inside one of the store's
// transactions (for a create, a read transaction before the write; see
// store.SetAllocator), so it does no I/O and blocks on nothing but b.mu
// (held for map reads only).
func (b *Broker) allocate(bk rooms.Booking, prev *store.Allocation, busy store.BusyFunc) (*store.Allocation, error) {
	live := prev != nil && prev.State != store.AllocReleased
	if !bk.Hybrid.Enabled || !bk.Status.Blocks() || bk.Status == rooms.StatusEnded {
		if !live {
			return clonePtr(prev), nil
		}
		a := release(*prev)
		return &a, nil
	}
	req := RequestFor(bk)
	now := b.now()
	if live {
		if a, ok, err := b.keep(bk, *prev, req, busy, now); err != nil || ok {
			return a, err
		}
	}
	var excluded []string
	if prev != nil {
		excluded = prev.Excluded
	}
	p, lic, err := Choose(b.providers, req, busy, b.isDown, excluded)
	var npe *NoProviderError
	if errors.As(err, &npe) {
		npe.Room = bk.Room
	}
	if err != nil {
		return nil, err
	}
	a := &store.Allocation{
		Booking: bk.ID, Provider: p.Name, Licence: lic,
		From: req.From, To: req.To, State: store.AllocReserved,
		Ref:         NextRef(bk.ID, prev),
		NextAttempt: provisionAt(p, bk, now),
	}
	if prev != nil {
		a.Excluded = slices.Clone(prev.Excluded)
		a.Cleanup = slices.Clone(prev.Cleanup)
		if live && prev.ExternalID != "" {
			a.Cleanup = append(a.Cleanup, externalOf(*prev))
		}
	}
	return a, nil
}

// keep returns prev adjusted to the booking when its provider and licence
// still fit (ok false otherwise). A provisioned meeting whose times
// changed goes back to reserved with its ExternalID: the worker updates it.
func (b *Broker) keep(bk rooms.Booking, prev store.Allocation, req Request, busy store.BusyFunc, now time.Time) (*store.Allocation, bool, error) {
	p, ok := b.byName[prev.Provider]
	if !ok || unfit(p, req).Code != "" || slices.Contains(prev.Excluded, p.Name) {
		return nil, false, nil
	}
	if p.Licences != nil {
		if !slices.Contains(p.Licences, prev.Licence) {
			return nil, false, nil
		}
		held, err := busy(p.Name, prev.Licence, req.From, req.To)
		if err != nil || held {
			return nil, false, err
		}
	} else if prev.Licence != "" {
		return nil, false, nil
	}
	a := prev.Clone()
	if a.From.Equal(req.From) && a.To.Equal(req.To) {
		return &a, true, nil
	}
	a.From, a.To = req.From, req.To
	if a.State == store.AllocProvisioned {
		a.State = store.AllocReserved
		a.NextAttempt = now
	} else if a.Attempts == 0 {
		a.NextAttempt = provisionAt(p, bk, now)
	}
	return &a, true, nil
}

// provisionAt is when to provision: ProvisionLead before the start, or now.
func provisionAt(p Provider, bk rooms.Booking, now time.Time) time.Time {
	if p.ProvisionLead <= 0 {
		return now
	}
	if at := bk.Start.Add(-p.ProvisionLead); at.After(now) {
		return at
	}
	return now
}

// release frees an allocation; its external meeting goes to Cleanup.
func release(a store.Allocation) store.Allocation {
	a = a.Clone()
	if a.ExternalID != "" {
		a.Cleanup = append(a.Cleanup, externalOf(a))
	}
	a.State = store.AllocReleased
	a.ExternalID, a.JoinURL, a.HostURL, a.DialIn = "", "", "", ""
	a.NextAttempt, a.Attempts, a.FirstFailure = time.Time{}, 0, time.Time{}
	return a
}

func externalOf(a store.Allocation) store.ExternalRef {
	return store.ExternalRef{Provider: a.Provider, Licence: a.Licence, ExternalID: a.ExternalID}
}

// NextRef is the idempotency reference of a booking's next allocation:
// "<booking id>-<n>", n counting the allocations the booking had. It stays
// the same for every retry of one allocation.
func NextRef(bookingID string, prev *store.Allocation) string {
	n := 0
	if prev != nil {
		if _, k, ok := parseRef(prev.Ref); ok {
			n = k
		}
	}
	return bookingID + "-" + strconv.Itoa(n+1)
}

// refRE is the shape of our references: a ULID booking id and a counter.
var refRE = regexp.MustCompile(`^[0-9A-HJKMNP-TV-Z]{26}-[1-9][0-9]{0,8}$`)

// IsRef reports whether s is a reference Kogge makes (only those are ever
// deleted as orphans).
func IsRef(s string) bool { return refRE.MatchString(s) }

func parseRef(ref string) (booking string, n int, ok bool) {
	if !IsRef(ref) {
		return "", 0, false
	}
	i := strings.LastIndexByte(ref, '-')
	n, err := strconv.Atoi(ref[i+1:])
	return ref[:i], n, err == nil
}

func clonePtr(a *store.Allocation) *store.Allocation {
	if a == nil {
		return nil
	}
	c := a.Clone()
	return &c
}
