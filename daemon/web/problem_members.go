package web

import (
	"maps"
	"time"

	"github.com/kogge-project/kogge/daemon/problems"
	"github.com/kogge-project/kogge/integrations/broker"
)

// The machine-readable members of a problem (problem.go): the fields at
// fault, the bookings in the way, why each video provider refused, and the
// occurrences of a series that collide. Handlers fill them; they know
// nothing of the server.

// fieldError is one entry of a validation problem's errors member.
type fieldError struct {
	Field  string `json:"field"`
	Code   string `json:"code"`
	Detail string `json:"detail"`

	key  string
	args problems.Args
}

// bookingConflictView is a booking in the way (conflicts member; also in
// a skipped occurrence).
type bookingConflictView struct {
	ID    string    `json:"id"`
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
	Title string    `json:"title,omitempty"`
	// Redacted: a confidential booking whose title the caller may not see.
	Redacted bool `json:"redacted,omitempty"`
}

// providerReason is one entry of a no-provider problem's providers member:
// the configured name and the reason's code for programs, the provider's
// kind and the reason in words for people.
type providerReason struct {
	Provider string `json:"provider"`
	Name     string `json:"name"`
	Code     string `json:"code"`
	Why      string `json:"why"`

	reason broker.Reason
}

// localised words r in l, its times in zone (the booking's room's).
func (r providerReason) localised(l problems.Lang, zone *time.Location) providerReason {
	r.Name = r.reason.Provider
	if k := "provider." + string(r.reason.Kind); problems.Has(k) {
		r.Name = problems.Render(l, k, nil)
	}
	args := r.reason.Args
	if zone != nil {
		args = maps.Clone(args)
		for k, v := range args {
			if t, ok := v.(time.Time); ok {
				args[k] = t.In(zone)
			}
		}
	}
	r.Why = problems.Render(l, "reason."+r.reason.Code, args)
	return r
}

// skippedView is a date a series left out (occurrences member; also in
// the series' view).
type skippedView struct {
	Start      time.Time `json:"start"`
	StartLocal string    `json:"start_local"`
	Reason     string    `json:"reason"`
	// Kind says why, for pages to put in words (bookings.Skip…):
	// "closure" (Closure is the closure's reason), "conflict"
	// (Conflicts), "allocation" (no video licence free) or "rules" (the
	// room's rules refuse the day).
	Kind      string                `json:"kind"`
	Closure   string                `json:"closure,omitempty"`
	Conflicts []bookingConflictView `json:"conflicts,omitempty"`
}
