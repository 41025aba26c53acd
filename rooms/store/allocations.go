package store

// Licence allocations of hybrid
// bookings at meeting providers (GoToMeeting organizers, Pexip static
// rooms, unlimited pools). The provider broker (integrations/broker)
// decides; the store keeps the decision in the booking's own write
// transaction, so that no pool is ever over-allocated however many
// bookings are written at once.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/oklog/ulid/v2"
	"go.etcd.io/bbolt"

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

// ActionProviderMove is the audit action of an UpdateAllocation that
// changes the provider (a failover). Other allocation changes are not
// audited: the worker's progress would swamp a booking's history.
const ActionProviderMove = "provider.move"

// ReasonAllocationPrefix starts the Reason of an occurrence the allocator
// refused ("allocation: " and the allocator's error); SkippedOccurrence.Err
// holds the error itself.
const ReasonAllocationPrefix = "allocation: "

// Storage (schema 7, see doc.go):
//
//	allocations            booking id (16)                          -> allocRecord as JSON
//	allocations_by_licence provider|0|licence|0|from(8)|booking(16) -> to(8)
//	allocations_due        due(8)|booking(16)                       -> (empty)
//	secrets                name                                     -> bytes
//	meta/alloc_spans       provider|0|licence                       -> longest held span
//
// Records are JSON like join settings and series: one small record per
// hybrid booking, read by the worker and one booking at a time, never by
// the licence check, which reads only the index (its value is the end of
// the hold, so no record is decoded). JSON keeps the record easy to extend
// (Excluded and Cleanup are lists) at a cost that does not matter here.
var (
	bucketAllocations    = []byte("allocations")
	bucketAllocByLicence = []byte("allocations_by_licence")
	bucketAllocDue       = []byte("allocations_due")
	bucketSecrets        = []byte("secrets")
	bucketAllocSpans     = []byte("alloc_spans") // inside meta
)

func migrateV6toV7(tx *bbolt.Tx) error {
	for _, name := range [][]byte{bucketAllocations, bucketAllocByLicence, bucketAllocDue, bucketSecrets} {
		if _, err := tx.CreateBucketIfNotExists(name); err != nil {
			return fmt.Errorf("create bucket %s: %w", name, err)
		}
	}
	if _, err := tx.Bucket(bucketMeta).CreateBucketIfNotExists(bucketAllocSpans); err != nil {
		return fmt.Errorf("create bucket meta/%s: %w", bucketAllocSpans, err)
	}
	return nil
}

// allocRecord is the stored form; the booking id is the key.
type allocRecord struct {
	Provider     string        `json:"p"`
	Licence      string        `json:"l,omitempty"`
	From         time.Time     `json:"from"`
	To           time.Time     `json:"to"`
	State        AllocState    `json:"s"`
	Ref          string        `json:"ref,omitempty"`
	ExternalID   string        `json:"ext,omitempty"`
	JoinURL      string        `json:"join,omitempty"`
	HostURL      string        `json:"host,omitempty"`
	DialIn       string        `json:"dial,omitempty"`
	Attempts     int           `json:"att,omitempty"`
	FirstFailure time.Time     `json:"ff,omitzero"`
	LastError    string        `json:"err,omitempty"`
	NextAttempt  time.Time     `json:"next,omitzero"`
	Excluded     []string      `json:"excl,omitempty"`
	Cleanup      []ExternalRef `json:"clean,omitempty"`
	Version      uint64        `json:"v"`
	Updated      time.Time     `json:"u"`
}

func encodeAlloc(a *Allocation) ([]byte, error) {
	r := allocRecord{a.Provider, a.Licence, a.From, a.To, a.State, a.Ref, a.ExternalID, a.JoinURL, a.HostURL, a.DialIn,
		a.Attempts, a.FirstFailure, a.LastError, a.NextAttempt, a.Excluded, a.Cleanup, a.Version, a.Updated}
	v, err := json.Marshal(&r)
	if err != nil {
		return nil, fmt.Errorf("encode allocation of %s: %w", a.Booking, err)
	}
	return v, nil
}

func decodeAlloc(id ulid.ULID, v []byte) (Allocation, error) {
	var r allocRecord
	if err := json.Unmarshal(v, &r); err != nil {
		return Allocation{}, fmt.Errorf("decode allocation of %s: %w", id, err)
	}
	return Allocation{id.String(), r.Provider, r.Licence, r.From.UTC(), r.To.UTC(), r.State, r.Ref, r.ExternalID, r.JoinURL, r.HostURL, r.DialIn,
		r.Attempts, utcOrZero(r.FirstFailure), r.LastError, utcOrZero(r.NextAttempt), r.Excluded, r.Cleanup, r.Version, r.Updated.UTC()}, nil
}

func utcOrZero(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC()
}

func cloneAlloc(a Allocation) Allocation {
	a.Excluded = slices.Clone(a.Excluded)
	a.Cleanup = slices.Clone(a.Cleanup)
	return a
}

// sameAlloc reports whether a and b store the same record apart from
// Version and Updated.
func sameAlloc(a, b *Allocation) bool {
	x, y := *a, *b
	x.Version, y.Version, x.Updated, y.Updated = 0, 0, time.Time{}, time.Time{}
	ex, err1 := encodeAlloc(&x)
	ey, err2 := encodeAlloc(&y)
	return err1 == nil && err2 == nil && bytes.Equal(ex, ey)
}

// holds reports whether a holds its licence (has an index entry).
func (a *Allocation) holds() bool { return a.State != AllocReleased }

func licencePrefix(provider, licence string) []byte {
	k := make([]byte, 0, len(provider)+len(licence)+2+timeLen+idLen)
	k = append(append(k, provider...), 0)
	return append(append(k, licence...), 0)
}

func licenceKey(a *Allocation, id ulid.ULID) []byte {
	return append(appendTime(licencePrefix(a.Provider, a.Licence), a.From), id[:]...)
}

func spanKey(provider, licence string) []byte {
	return append(append([]byte(provider), 0), licence...)
}

// dueKey is a's entry in allocations_due, ok false if a has no work: an
// allocation with Cleanup left is due at once (the earliest key), a
// reserved one at its NextAttempt (zero: at once).
func dueKey(a *Allocation, id ulid.ULID) (k []byte, ok bool) {
	var at time.Time
	switch {
	case len(a.Cleanup) > 0:
		at = minStorable
	case a.State == AllocReserved:
		at = clampTime(a.NextAttempt)
	default:
		return nil, false
	}
	return append(appendTime(make([]byte, 0, timeLen+idLen), at), id[:]...), true
}

func allocSpan(tx *bbolt.Tx, provider, licence string) time.Duration {
	return getDuration(tx.Bucket(bucketMeta).Bucket(bucketAllocSpans).Get(spanKey(provider, licence)))
}

func loadAlloc(tx *bbolt.Tx, id ulid.ULID) (*Allocation, error) {
	v := tx.Bucket(bucketAllocations).Get(id[:])
	if v == nil {
		return nil, nil
	}
	a, err := decodeAlloc(id, v)
	if err != nil {
		return nil, err
	}
	return &a, nil
}

// deleteAllocKeys removes a's index entries (not its record).
func deleteAllocKeys(tx *bbolt.Tx, a *Allocation, id ulid.ULID) error {
	if a.holds() {
		if err := tx.Bucket(bucketAllocByLicence).Delete(licenceKey(a, id)); err != nil {
			return err
		}
	}
	if k, ok := dueKey(a, id); ok {
		return tx.Bucket(bucketAllocDue).Delete(k)
	}
	return nil
}

// putAllocKeys adds a's index entries and raises its licence's span.
func putAllocKeys(tx *bbolt.Tx, a *Allocation, id ulid.ULID) error {
	if a.holds() {
		if err := tx.Bucket(bucketAllocByLicence).Put(licenceKey(a, id), appendTime(nil, a.To)); err != nil {
			return err
		}
		spans := tx.Bucket(bucketMeta).Bucket(bucketAllocSpans)
		sk := spanKey(a.Provider, a.Licence)
		if span := a.To.Sub(a.From); span > getDuration(spans.Get(sk)) {
			if err := spans.Put(sk, appendDuration(span)); err != nil {
				return err
			}
		}
	}
	if k, ok := dueKey(a, id); ok {
		return tx.Bucket(bucketAllocDue).Put(k, nil)
	}
	return nil
}

// deleteAlloc removes a booking's allocation and its index entries
// (purging).
func deleteAlloc(tx *bbolt.Tx, id ulid.ULID) error {
	a, err := loadAlloc(tx, id)
	if err != nil || a == nil {
		return err
	}
	if err := deleteAllocKeys(tx, a, id); err != nil {
		return err
	}
	return tx.Bucket(bucketAllocations).Delete(id[:])
}

// busy reports whether a booking other than self holds provider's licence
// at some instant of [from, to): one range scan of that licence's index
// entries starting in [from - span, to) (the overlap bound of doc.go,
// with the licence's own longest hold).
func busy(tx *bbolt.Tx, self ulid.ULID, provider, licence string, from, to time.Time) (bool, error) {
	if licence == "" || !from.Before(to) {
		return false, nil
	}
	p := licencePrefix(provider, licence)
	lo := appendTime(bytes.Clone(p), clampTime(from.Add(-allocSpan(tx, provider, licence))))
	hi := appendTime(p, clampTime(to))
	c := tx.Bucket(bucketAllocByLicence).Cursor()
	for k, v := c.Seek(lo); k != nil && bytes.Compare(k, hi) < 0; k, v = c.Next() {
		if len(v) != timeLen || len(k) != len(p)+timeLen+idLen {
			return false, fmt.Errorf("licence index entry %x is malformed", k)
		}
		if !decodeTime(v).After(from) || bytes.Equal(k[len(k)-idLen:], self[:]) {
			continue
		}
		return true, nil
	}
	return false, nil
}

func busyFunc(tx *bbolt.Tx, self ulid.ULID) BusyFunc {
	return func(provider, licence string, from, to time.Time) (bool, error) {
		return busy(tx, self, provider, licence, from, to)
	}
}

func addCleanup(a *Allocation, r ExternalRef) {
	if !slices.Contains(a.Cleanup, r) {
		a.Cleanup = append(a.Cleanup, r)
	}
}

// settle applies the rules every stored allocation follows: an external
// meeting left behind by a move to another provider or licence, or by a
// release, goes to Cleanup, and the allocation no longer names it.
func settle(prev, next *Allocation) {
	if prev != nil && prev.ExternalID != "" && (prev.Provider != next.Provider || prev.Licence != next.Licence) {
		addCleanup(next, ExternalRef{prev.Provider, prev.Licence, prev.ExternalID})
		if next.ExternalID == prev.ExternalID {
			next.ExternalID, next.JoinURL, next.HostURL, next.DialIn = "", "", "", ""
			if next.State == AllocProvisioned {
				next.State = AllocReserved
			}
		}
	}
	if next.State == AllocReleased && next.ExternalID != "" {
		addCleanup(next, ExternalRef{next.Provider, next.Licence, next.ExternalID})
		next.ExternalID, next.JoinURL, next.HostURL, next.DialIn = "", "", "", ""
	}
	if len(next.Cleanup) == 0 {
		next.Cleanup = nil
	}
	if len(next.Excluded) == 0 {
		next.Excluded = nil
	}
}

// checkAlloc refuses an allocation the index cannot hold.
func checkAlloc(a *Allocation) error {
	switch a.State {
	case AllocReserved, AllocProvisioned, AllocReleased:
	default:
		return fmt.Errorf("allocation of %s: unknown state %q", a.Booking, a.State)
	}
	if strings.IndexByte(a.Provider, 0) >= 0 || strings.IndexByte(a.Licence, 0) >= 0 {
		return fmt.Errorf("allocation of %s: provider or licence contains a NUL byte", a.Booking)
	}
	if !a.holds() {
		return nil
	}
	if a.Provider == "" {
		return fmt.Errorf("allocation of %s: no provider", a.Booking)
	}
	for _, t := range []time.Time{a.From, a.To} {
		if t.Before(minStorable) || t.After(maxStorable) {
			return fmt.Errorf("allocation of %s: time %s is outside the storable range", a.Booking, t.Format(time.RFC3339))
		}
	}
	if a.To.Before(a.From) {
		return fmt.Errorf("allocation of %s: ends (%s) before it starts (%s)", a.Booking, timeText(a.To), timeText(a.From))
	}
	return nil
}

// writeAlloc stores next as the allocation of booking id, whose stored
// allocation is prev (nil if none), unless nothing changed. It settles
// next, checks it and, if it holds a licence, that the licence is free
// (ErrLicenceTaken): whatever the caller decided, no licence is ever held
// twice. A refusal is returned as refused; err is a storage error.
func writeAlloc(tx *bbolt.Tx, id ulid.ULID, prev *Allocation, next Allocation, now time.Time) (out Allocation, refused, err error) {
	next.Booking = id.String()
	next.From, next.To = next.From.UTC(), next.To.UTC()
	next.FirstFailure, next.NextAttempt = utcOrZero(next.FirstFailure), utcOrZero(next.NextAttempt)
	settle(prev, &next)
	if err := checkAlloc(&next); err != nil {
		return Allocation{}, err, nil
	}
	if next.holds() && (prev == nil || !prev.holds() || prev.Provider != next.Provider || prev.Licence != next.Licence ||
		!prev.From.Equal(next.From) || !prev.To.Equal(next.To)) {
		taken, err := busy(tx, id, next.Provider, next.Licence, next.From, next.To)
		if err != nil {
			return Allocation{}, nil, err
		}
		if taken {
			return Allocation{}, fmt.Errorf("%s licence %q from %s to %s: %w", next.Provider, next.Licence,
				timeText(next.From), timeText(next.To), ErrLicenceTaken), nil
		}
	}
	if prev != nil && sameAlloc(prev, &next) {
		return *prev, nil, nil
	}
	next.Version, next.Updated = 1, now
	if prev != nil {
		next.Version = prev.Version + 1
		if err := deleteAllocKeys(tx, prev, id); err != nil {
			return Allocation{}, nil, err
		}
	}
	v, err := encodeAlloc(&next)
	if err != nil {
		return Allocation{}, nil, err
	}
	if err := appendBucket(tx, bucketAllocations).Put(id[:], v); err != nil {
		return Allocation{}, nil, err
	}
	return next, nil, putAllocKeys(tx, &next, id)
}

// releaseAlloc releases booking id's allocation, if it has one that is
// not released yet, without asking the allocator.
func releaseAlloc(tx *bbolt.Tx, id ulid.ULID, prev *Allocation, now time.Time) error {
	if prev == nil || !prev.holds() {
		return nil
	}
	next := cloneAlloc(*prev)
	next.State = AllocReleased
	_, refused, err := writeAlloc(tx, id, prev, next, now)
	if err == nil && refused != nil {
		err = refused // a stored allocation that no longer passes the check
	}
	return err
}

// allocate runs the allocator for booking b (id), about to be stored in
// tx: a booking that frees its room releases its allocation without
// asking; any other asks alloc (if set) with the stored allocation. The
// allocator's error, or an allocation the store refuses, is returned as
// refused and nothing is written; err is a storage error.
func allocate(tx *bbolt.Tx, alloc Allocator, b *rooms.Booking, id ulid.ULID, now time.Time) (refused, err error) {
	prev, err := loadAlloc(tx, id)
	if err != nil {
		return nil, err
	}
	if !b.Status.Blocks() {
		return nil, releaseAlloc(tx, id, prev, now)
	}
	if alloc == nil {
		return nil, nil
	}
	var p *Allocation
	if prev != nil {
		c := cloneAlloc(*prev)
		p = &c
	}
	next, aerr := alloc(*b, p, busyFunc(tx, id))
	if aerr != nil {
		return aerr, nil
	}
	if next == nil {
		return nil, releaseAlloc(tx, id, prev, now)
	}
	n := cloneAlloc(*next)
	if prev != nil { // the allocator may start afresh: never lose a meeting to delete
		for _, r := range prev.Cleanup {
			addCleanup(&n, r)
		}
	}
	_, refused, err = writeAlloc(tx, id, prev, n, now)
	return refused, err
}

// allocatorFn is the installed allocator, nil if none.
func (s *Store) allocatorFn() Allocator {
	if p := s.allocator.Load(); p != nil {
		return *p
	}
	return nil
}

// SetAllocator installs the allocator. From then on Create, Update (the
// modify path: also Cancel and Transition), CreateSeries, EditSeries and
// AppendOccurrences call it for every booking they write, in the same
// transaction; a cancelled or released booking's allocation becomes
// AllocReleased (with Cleanup for its external meeting) without asking
// (CancelSeries too). nil uninstalls it.
//
// The allocator runs inside bbolt's write transaction: it must not call
// the store, and it may run more than once for one Create (db.Batch
// re-runs), so it must decide from its arguments alone. The store checks
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
	err = s.view("allocation", func(tx *bbolt.Tx) error {
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
	err = s.update("allocation", func(tx *bbolt.Tx) error {
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
		next := cloneAlloc(*prev)
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
			detail += ": " + truncate(stored.LastError, maxMoveReason)
		}
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

func truncate(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

// DropCleanup removes r from a's Cleanup (the worker deleted that
// meeting). Remove only what was deleted rather than clearing the list: a
// booking write between the worker's read and its update may have added
// another.
func (a *Allocation) DropCleanup(r ExternalRef) {
	a.Cleanup = slices.DeleteFunc(a.Cleanup, func(c ExternalRef) bool { return c == r })
}

// DueAllocations lists allocations with work to do at now: reserved ones
// whose NextAttempt has come (a zero NextAttempt is due at once), and any
// with Cleanup left, those first, then by NextAttempt. It reads the index
// allocations_due, which holds only allocations with work to do, up to
// the first one due after now: the cost is the number due, not the number
// stored.
func (s *Store) DueAllocations(now time.Time) ([]Allocation, error) {
	var out []Allocation
	err := s.view("due_allocations", func(tx *bbolt.Tx) error {
		end := appendTime(nil, clampTime(now))
		c := tx.Bucket(bucketAllocDue).Cursor()
		for k, _ := c.First(); k != nil; k, _ = c.Next() {
			if len(k) != timeLen+idLen {
				return fmt.Errorf("due index entry %x is malformed", k)
			}
			if bytes.Compare(k[:timeLen], end) > 0 {
				break
			}
			a, err := loadAlloc(tx, ulid.ULID(k[timeLen:]))
			if err != nil {
				return err
			}
			if a == nil {
				return fmt.Errorf("due index entry %x has no allocation", k)
			}
			out = append(out, *a)
		}
		return nil
	})
	return out, err
}

// eachAllocBatch is how many allocations EachAllocation reads per read
// transaction; fn runs outside them (it may write to the store).
const eachAllocBatch = 500

// EachAllocation calls fn for every allocation of provider ("" = all)
// that is not released, in booking order. fn runs outside any
// transaction, so it may call the store; an allocation changed meanwhile
// is seen as it was read. An error from fn stops the walk and is returned.
func (s *Store) EachAllocation(provider string, fn func(Allocation) error) error {
	var from []byte
	for {
		var batch []Allocation
		var next []byte
		err := s.view("each_allocation", func(tx *bbolt.Tx) error {
			c := tx.Bucket(bucketAllocations).Cursor()
			for k, v := seekFrom(c, from); k != nil; k, v = c.Next() {
				if len(batch) == eachAllocBatch {
					next = bytes.Clone(k)
					return nil
				}
				if len(k) != idLen {
					return fmt.Errorf("allocation key %x is no booking id", k)
				}
				a, err := decodeAlloc(ulid.ULID(k), v)
				if err != nil {
					return err
				}
				if a.holds() && (provider == "" || a.Provider == provider) {
					batch = append(batch, a)
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, a := range batch {
			if err := fn(a); err != nil {
				return err
			}
		}
		if next == nil {
			return nil
		}
		from = next
	}
}

// LicenceUse counts a provider's held licences: inUse at instant now, and
// the peak of simultaneous holds in [from, to). Holds of an unlimited
// pool (licence "") count too, one per meeting. It scans each licence's
// index entries that can overlap the window (the overlap bound again) and
// sweeps over their starts and ends.
func (s *Store) LicenceUse(provider string, now, from, to time.Time) (inUse, peak int, err error) {
	type hold struct{ from, to time.Time }
	var holds []hold
	lo, hi := from, to
	if now.Before(lo) {
		lo = now
	}
	if !now.Before(hi) {
		hi = now.Add(time.Nanosecond)
	}
	err = s.view("licence_use", func(tx *bbolt.Tx) error {
		pp := append([]byte(provider), 0)
		c := tx.Bucket(bucketAllocByLicence).Cursor()
		k, _ := c.Seek(pp)
		for k != nil && bytes.HasPrefix(k, pp) {
			end := bytes.IndexByte(k[len(pp):], 0)
			if end < 0 {
				return fmt.Errorf("licence index entry %x is malformed", k)
			}
			licence := string(k[len(pp) : len(pp)+end])
			lp := licencePrefix(provider, licence)
			start := appendTime(bytes.Clone(lp), clampTime(lo.Add(-allocSpan(tx, provider, licence))))
			stop := appendTime(bytes.Clone(lp), clampTime(hi))
			var v []byte
			for k, v = c.Seek(start); k != nil && bytes.Compare(k, stop) < 0; k, v = c.Next() {
				if len(k) != len(lp)+timeLen+idLen || len(v) != timeLen {
					return fmt.Errorf("licence index entry %x is malformed", k)
				}
				holds = append(holds, hold{decodeTime(k[len(lp) : len(lp)+timeLen]), decodeTime(v)})
			}
			// Next licence: past every key of this one (its prefix ends
			// in 0; 1 sorts after all of them).
			k, _ = c.Seek(append(append(bytes.Clone(pp), licence...), 1))
		}
		return nil
	})
	if err != nil {
		return 0, 0, err
	}
	type event struct {
		at    time.Time
		delta int
	}
	var events []event
	for _, h := range holds {
		if !h.from.After(now) && h.to.After(now) {
			inUse++
		}
		f, t := h.from, h.to
		if f.Before(from) {
			f = from
		}
		if t.After(to) {
			t = to
		}
		if f.Before(t) {
			events = append(events, event{f, 1}, event{t, -1})
		}
	}
	// Half-open holds: one ending when another starts never overlaps it,
	// so at equal instants ends come first.
	slices.SortFunc(events, func(a, b event) int {
		if c := a.at.Compare(b.at); c != 0 {
			return c
		}
		return a.delta - b.delta
	})
	n := 0
	for _, e := range events {
		n += e.delta
		peak = max(peak, n)
	}
	return inUse, peak, nil
}

// PutSecret stores an opaque (already encrypted) secret under name, e.g.
// a GoTo organizer's refresh token; Secret reads it back (nil if none).
// An empty value deletes the secret.
func (s *Store) PutSecret(name string, value []byte) error {
	if name == "" {
		return errors.New("put secret: empty name")
	}
	return s.update("secret", func(tx *bbolt.Tx) error {
		if len(value) == 0 {
			return tx.Bucket(bucketSecrets).Delete([]byte(name))
		}
		return tx.Bucket(bucketSecrets).Put([]byte(name), bytes.Clone(value))
	})
}

func (s *Store) Secret(name string) ([]byte, error) {
	var out []byte
	err := s.view("secret", func(tx *bbolt.Tx) error {
		if name != "" {
			out = bytes.Clone(tx.Bucket(bucketSecrets).Get([]byte(name)))
		}
		return nil
	})
	return out, err
}
