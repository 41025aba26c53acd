package store

// Licence allocations of hybrid
// bookings at meeting providers (GoToMeeting organizers, Pexip static
// rooms, unlimited pools). The provider broker (integrations/broker)
// decides; the store keeps the decision in the booking's own write
// transaction, so that no pool is ever over-allocated however many
// bookings are written at once.

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/kogge-project/kogge/rooms"
	"github.com/kogge-project/kogge/rooms/store/kv"
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
// transaction in progress (and, in Create's read phase, the licences
// other creates in flight have chosen).
type BusyFunc func(provider, licence string, from, to time.Time) (bool, error)

// Allocator decides a booking's allocation inside one of the store's
// transactions (see SetAllocator). prev is the booking's current allocation (nil if none).
// It returns the allocation to store, nil for none (not hybrid, or a
// booking that needs no provider), or an error that aborts the whole
// write (e.g. no provider fits: the broker's error, returned as is).
type Allocator func(b rooms.Booking, prev *Allocation, busy BusyFunc) (*Allocation, error)

// ErrLicenceTaken: UpdateAllocation was asked to hold a licence that
// another booking holds over the interval.
var ErrLicenceTaken = errors.New("licence held by another booking")

// ActionProviderMove is the audit action of an UpdateAllocation that
// changes the provider (a failover). Other allocation changes are not
// audited: the worker's progress would swamp a booking's history.
const ActionProviderMove = "provider.move"

// ReasonAllocationPrefix starts the Reason of an occurrence the allocator
// refused ("allocation: " and the allocator's error); SkippedOccurrence.Err
// holds the error itself.
const ReasonAllocationPrefix = "allocation: "

// SetAllocator installs the allocator. From then on Create, Update (the
// modify path: also Cancel and Transition), CreateSeries, EditSeries and
// AppendOccurrences call it for every booking they write, in the same
// transaction; a cancelled or released booking's allocation becomes
// AllocReleased (with Cleanup for its external meeting) without asking
// (CancelSeries too). nil uninstalls it.
//
// For Create the allocator runs first in a read transaction (busy then
// also reports licences other creates in flight have chosen), and the
// write transaction re-checks only the chosen licence; if that was taken
// meanwhile, or the refusal rested on such an in-flight choice, the
// allocator runs again inside the write transaction (create_check.go).
// Elsewhere it runs inside bbolt's write transaction. Either way it must
// not call the store, and it may run more than once for one Create, so it
// must decide from its arguments alone. The store checks
// its choice once more: an allocation holding a licence that busy would
// report taken is refused with ErrLicenceTaken, as its error would be.
// Create and modify return the allocator's error as is; a series call
// treats it like a room conflict of that occurrence (SkippedOccurrence
// with Reason ReasonAllocationPrefix+error and Err set).
//
// The stored allocation gets Booking, Version (+1) and Updated from the
// store; prev's Cleanup is kept; a move to another provider or licence
// while prev had an ExternalID puts that meeting into Cleanup and, if the
// allocation still names it, clears ExternalID, JoinURL, HostURL and
// DialIn (and a provisioned state becomes reserved). An allocation the
// allocator returns unchanged is not written again (Version stays).
func (s *Store) SetAllocator(a Allocator) {
	if a == nil {
		s.allocator.Store(nil)
		return
	}
	s.allocator.Store(&a)
}

// Allocation returns a booking's allocation; ok is false without one.
func (s *Store) Allocation(bookingID string) (a Allocation, ok bool, err error) {
	uid, err := parseID(bookingID)
	if err != nil {
		return Allocation{}, false, nil
	}
	err = s.view("allocation", func(tx *kv.Tx) error {
		p, err := loadAlloc(tx, uid)
		if p != nil {
			a, ok = *p, true
		}
		return err
	})
	if err != nil {
		return Allocation{}, false, err
	}
	return a, ok, nil
}

// UpdateAllocation changes a booking's allocation in one transaction
// (the provisioning worker's progress, a failover). If fn changes
// Provider, Licence, From or To, the new licence is checked free over
// the interval (ErrLicenceTaken otherwise). A change of Provider is
// audited on the booking with detail (the reason the caller gives in
// LastError).
//
// The booking must exist (rooms.ErrNotFound) and have an allocation (an
// error wrapping rooms.ErrNotFound otherwise). An error from fn aborts and
// is returned as is. fn cannot change Booking, Version or Updated; the
// rules of SetAllocator about Cleanup apply (a release or a move files
// the external meeting for deletion), and a booking that frees its room
// cannot hold a licence. A change that changes nothing writes nothing.
func (s *Store) UpdateAllocation(bookingID, actor string, fn func(b rooms.Booking, a *Allocation) error) (Allocation, error) {
	uid, err := parseID(bookingID)
	if err != nil {
		return Allocation{}, err
	}
	now := s.now().UTC()
	auditID, err := s.ids.next(now)
	if err != nil {
		return Allocation{}, err
	}
	var out Allocation
	err = s.update("allocation", func(tx *kv.Tx) error {
		b, err := load(tx, uid)
		if err != nil {
			return err
		}
		prev, err := loadAlloc(tx, uid)
		if err != nil {
			return err
		}
		if prev == nil {
			return fmt.Errorf("booking %s has no allocation: %w", uid, rooms.ErrNotFound)
		}
		next := prev.Clone()
		if err := fn(b, &next); err != nil {
			return err
		}
		if next.holds() && !b.Status.Blocks() {
			return fmt.Errorf("booking %s is %s: its allocation cannot hold a licence", uid, b.Status)
		}
		stored, refused, err := writeAlloc(tx, uid, prev, next, now)
		if err != nil {
			return err
		}
		if refused != nil {
			return refused
		}
		out = stored
		if prev.Provider == stored.Provider {
			return nil
		}
		detail := fmt.Sprintf("from %s to %s", prev.Provider, stored.Provider)
		if stored.LastError != "" {
			detail += ": " + rooms.Clip(stored.LastError, maxMoveReason)
		}
		recordChange(tx, &b, &b) // the booking stays; its meeting moved
		return appendAudit(tx, AuditEntry{
			ID: auditID.String(), Time: now, Actor: actor, Action: ActionProviderMove,
			BookingID: b.ID, Detail: detail,
		})
	})
	if err != nil {
		return Allocation{}, err
	}
	return out, nil
}

// maxMoveReason bounds the reason an audited move keeps: a provider's
// error may carry a whole HTTP body.
const maxMoveReason = 300

// DropCleanup removes r from a's Cleanup (the worker deleted that
// meeting). Remove only what was deleted rather than clearing the list: a
// booking write between the worker's read and its update may have added
// another.
func (a *Allocation) DropCleanup(r ExternalRef) {
	a.Cleanup = slices.DeleteFunc(a.Cleanup, func(c ExternalRef) bool { return c == r })
}
