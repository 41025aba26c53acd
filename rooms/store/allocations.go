package store

// CONTRACT (implementation pending): licence allocations of hybrid
// bookings at meeting providers (GoToMeeting organizers, Pexip static
// rooms, unlimited pools). The provider broker (integrations/broker)
// decides; the store keeps the decision in the booking's own write
// transaction, so that no pool is ever over-allocated however many
// bookings are written at once.

import (
	"errors"
	"time"

	"github.com/kogge-project/kogge/rooms"
)

// AllocState is where a booking's external meeting stands.
type AllocState string

const (
	// AllocReserved: a licence is held; the meeting is not provisioned
	// yet (or must be provisioned again: a time change, a failover).
	AllocReserved AllocState = "reserved"
	// AllocProvisioned: the provider has the meeting; join details known.
	AllocProvisioned AllocState = "provisioned"
	// AllocReleased: the booking was cancelled, released or moved away;
	// the licence is free. Cleanup says whether an external meeting is
	// still to be deleted.
	AllocReleased AllocState = "released"
)

// Allocation is a booking's hold on one provider's licence.
type Allocation struct {
	Booking  string
	Provider string // the provider's configured name, e.g. "builtin", "gotomeeting", "pexip"
	// Licence within the provider's pool: a GoTo organizer, a Pexip static
	// room alias; "" for a pool without limit.
	Licence string
	// From and To are the interval the licence is held: the booking with
	// its setup and teardown buffers.
	From, To time.Time
	State    AllocState
	// Ref is the idempotency reference of the external create, stored
	// before the call (the broker derives it from booking and attempt).
	Ref        string
	ExternalID string
	JoinURL    string
	HostURL    string
	DialIn     string
	// Provisioning bookkeeping for retries and failover.
	Attempts     int
	FirstFailure time.Time
	LastError    string
	NextAttempt  time.Time
	// Excluded are providers this booking was moved away from; the broker
	// does not choose them again for it.
	Excluded []string
	// Cleanup holds external meetings to delete (after a move or a
	// release): provider, licence and external id.
	Cleanup []ExternalRef
	Version uint64
	Updated time.Time
}

// ExternalRef names an external meeting to delete.
type ExternalRef struct {
	Provider, Licence, ExternalID string
}

// BusyFunc reports whether another booking (not the one being written)
// holds provider's licence at some instant in [from, to). It reads the
// transaction in progress.
type BusyFunc func(provider, licence string, from, to time.Time) (bool, error)

// Allocator decides a booking's allocation inside the booking's write
// transaction. prev is the booking's current allocation (nil if none).
// It returns the allocation to store, nil for none (not hybrid, or a
// booking that needs no provider), or an error that aborts the whole
// write (e.g. no provider fits: the broker's error, returned as is).
type Allocator func(b rooms.Booking, prev *Allocation, busy BusyFunc) (*Allocation, error)

// ErrLicenceTaken: UpdateAllocation was asked to hold a licence that
// another booking holds over the interval.
var ErrLicenceTaken = errors.New("licence held by another booking")

// SetAllocator installs the allocator. From then on Create, Update (the
// modify path: also Cancel and Transition), CreateSeries, EditSeries and
// AppendOccurrences call it for every booking they write, in the same
// transaction; a cancelled or released booking's allocation becomes
// AllocReleased (with Cleanup for its external meeting) without asking.
func (s *Store) SetAllocator(a Allocator) { panic("TODO") }

// Allocation returns a booking's allocation; ok is false without one.
func (s *Store) Allocation(bookingID string) (a Allocation, ok bool, err error) { panic("TODO") }

// UpdateAllocation changes a booking's allocation in one transaction
// (the provisioning worker's progress, a failover). If fn changes
// Provider, Licence, From or To, the new licence is checked free over
// the interval (ErrLicenceTaken otherwise). A change of Provider is
// audited on the booking with detail (the reason the caller gives in
// LastError).
func (s *Store) UpdateAllocation(bookingID, actor string, fn func(b rooms.Booking, a *Allocation) error) (Allocation, error) {
	panic("TODO")
}

// DueAllocations lists allocations with work to do at now: reserved ones
// whose NextAttempt has come, and any with Cleanup left.
func (s *Store) DueAllocations(now time.Time) ([]Allocation, error) { panic("TODO") }

// EachAllocation calls fn for every allocation of provider ("" = all)
// that is not released, in booking order.
func (s *Store) EachAllocation(provider string, fn func(Allocation) error) error { panic("TODO") }

// LicenceUse counts a provider's held licences: inUse at instant now, and
// the peak of simultaneous holds in [from, to).
func (s *Store) LicenceUse(provider string, now, from, to time.Time) (inUse, peak int, err error) {
	panic("TODO")
}

// PutSecret stores an opaque (already encrypted) secret under name, e.g.
// a GoTo organizer's refresh token; Secret reads it back (nil if none).
func (s *Store) PutSecret(name string, value []byte) error { panic("TODO") }
func (s *Store) Secret(name string) ([]byte, error)        { panic("TODO") }
