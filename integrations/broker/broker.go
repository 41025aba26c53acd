// Package broker decides which provider hosts a hybrid booking's meeting
// (our own SFU, GoToMeeting, Pexip), holds the licence in the booking's
// transaction (through store.Allocator), provisions the external meeting
// with retries, moves the booking to the next eligible provider when one
// fails, follows changes and cancellations, and reconciles the providers'
// view with ours.
//
// Exported names below are what the daemon builds on; keep names and
// signatures. Files: choose.go (the rules), allocator.go (the decision in
// the booking's transaction), backend_*.go, tokens.go (GoTo tokens in the
// store), worker.go and failover.go (provisioning), status.go, reconcile.go.
package broker

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/kogge-project/kogge/rooms"
	"github.com/kogge-project/kogge/rooms/store"
)

// Kind is a provider's kind.
type Kind string

const (
	KindBuiltin     Kind = "builtin"
	KindGoToMeeting Kind = "gotomeeting"
	KindPexip       Kind = "pexip"
)

// Provider is one configured provider, in preference order.
type Provider struct {
	Name string // unique; "builtin", "gotomeeting", "pexip" by default
	Kind Kind
	// MaxParticipants per meeting, the room endpoint included.
	MaxParticipants int
	// Licences is the pool (GoTo organizers, Pexip static room aliases);
	// nil means unlimited.
	Licences []string
	// ConfidentialOK lets interviews and confidential bookings here.
	// Never true for GoToMeeting (a US service): Choose refuses it even
	// if configured.
	ConfidentialOK bool
	DialIn         bool
	// MaxDuration of one meeting (GoTo: 8h); 0 = none.
	MaxDuration time.Duration
	// ProvisionLead: provision this long before the start; 0 = at once.
	ProvisionLead time.Duration
	// FailoverAttempts and FailoverAfter: persistent failure moves the
	// booking on after this many failed attempts or this long since the
	// first failure, whichever comes first.
	FailoverAttempts int
	FailoverAfter    time.Duration
}

// Reason says why one provider was not chosen: Code (one of the Reason…
// constants) and Args are for the daemon, which words them in the
// reader's language; Why is the English line for logs.
type Reason struct {
	Provider string         `json:"provider"`
	Kind     Kind           `json:"kind"`
	Code     string         `json:"code"`
	Why      string         `json:"why"`
	Args     map[string]any `json:"-"`
}

// Reason codes. Args: ReasonLicences has "count" (int), "from" and "to"
// (time.Time, UTC); ReasonParticipants "participants" and "max" (int);
// ReasonDuration "length" and "max" (time.Duration).
const (
	ReasonExcluded         = "excluded"
	ReasonDown             = "down"
	ReasonLicences         = "licences"
	ReasonConfidentialGoTo = "confidential-goto"
	ReasonConfidential     = "confidential"
	ReasonParticipants     = "participants"
	ReasonDialIn           = "dial-in"
	ReasonDuration         = "duration"
)

// NoProviderError: nothing fits; Reasons has one line per provider. Room
// is the booking's room (its zone words the licences' times).
type NoProviderError struct {
	Reasons []Reason
	Room    string
}

// Backend talks to one provider's API for the broker. Implementations:
// builtin (nothing to provision: our SFU), GoToMeeting (one client per
// organizer), Pexip (a VMR per meeting, or a static room).
type Backend interface {
	// Create provisions the meeting of a (idempotent by a.Ref: after an
	// ambiguous failure it finds the meeting instead of making another).
	Create(ctx context.Context, a store.Allocation, b rooms.Booking) (Meeting, error)
	// Update follows a time or title change.
	Update(ctx context.Context, a store.Allocation, b rooms.Booking) error
	// Delete removes an external meeting (missing is not an error).
	Delete(ctx context.Context, ref store.ExternalRef) error
	// List returns the external meetings Kogge created (for reconcile).
	List(ctx context.Context) ([]Meeting, error)
}

// Meeting is an external meeting as a provider reports it.
type Meeting struct {
	Licence    string
	ExternalID string
	Ref        string // our reference, recovered from subject or name
	JoinURL    string
	HostURL    string
	DialIn     string
}

// Options for a broker.
type Options struct {
	Providers []Provider
	Backends  map[string]Backend // by provider name; builtin may be absent
	Store     *store.Store
	Now       func() time.Time
	Log       *slog.Logger
	// OnMove hears of every failover (for mail and metrics); optional.
	OnMove func(b rooms.Booking, from, to, reason string)
	// ProbeEvery is how often Watch probes each provider (0: 15s).
	ProbeEvery time.Duration
}

// Broker is the whole hand-off. Build it with New.
type Broker struct {
	providers []Provider
	byName    map[string]Provider
	backends  map[string]Backend
	st        allocStore
	now       func() time.Time
	log       *slog.Logger
	onMove    func(b rooms.Booking, from, to, reason string)
	breakers  map[string]*breaker
	kick      chan struct{}

	// Worker knobs (tests shorten them).
	workers     int
	callTimeout time.Duration
	poll        time.Duration
	probeEvery  time.Duration
	backoffBase time.Duration
	backoffMax  time.Duration
	jitter      func() float64

	mu       sync.Mutex
	down     map[string]bool
	inflight map[string]bool
	wake     time.Time            // the earliest retry the worker scheduled
	hold     map[string]time.Time // no work on a booking before (after errors)
	holdN    map[string]int       // consecutive errors behind hold
}

// ProviderStatus is one provider in GET /api/v1/providers.
type ProviderStatus struct {
	Name     string `json:"name"`
	Kind     Kind   `json:"kind"`
	PoolSize int    `json:"pool_size"` // 0 = unlimited
	InUse    int    `json:"in_use"`
	Peak7d   int    `json:"peak_next_7_days"`
	Health   string `json:"health"` // "up", "degraded" (failures, breaker half-open), "down"
	// LastError is the provider's last failure, if any.
	LastError string `json:"last_error,omitempty"`
}

// ReconcileReport is what a reconcile run found and did.
type ReconcileReport struct {
	Provider       string `json:"provider"`
	Listed         int    `json:"listed"`
	OrphansDeleted int    `json:"orphans_deleted"`
	Recreated      int    `json:"recreated"`
	Drift          int    `json:"drift"`
	Errors         int    `json:"errors"`
}

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

// Kick asks the worker to look at a booking now (after a change). The
// worker reads what is due from the store, so one wake-up serves all.
func (b *Broker) Kick(bookingID string) {
	select {
	case b.kick <- struct{}{}:
	default:
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

// schedule asks for a wake-up at t.
func (b *Broker) schedule(t time.Time) {
	b.mu.Lock()
	if b.wake.IsZero() || t.Before(b.wake) {
		b.wake = t
	}
	b.mu.Unlock()
}

// backoff is exponential with equal jitter, capped at backoffMax.
func (b *Broker) backoff(n int) time.Duration {
	d := b.backoffBase << max(n-1, 0)
	if d > b.backoffMax || d <= 0 {
		d = b.backoffMax
	}
	return d/2 + time.Duration(b.jitter()*float64(d/2))
}
