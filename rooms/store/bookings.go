package store

import (
	"cmp"
	"errors"
	"fmt"
	"slices"

	"github.com/kogge-project/kogge/rooms"
	"github.com/kogge-project/kogge/rooms/store/kv"
	"github.com/oklog/ulid/v2"
)

// Audit actions written by the store itself.
const (
	ActionCreate = "create"
	ActionUpdate = "update"
	ActionCancel = "cancel"
	// ActionPurge names a change the purge made (deleting the booking
	// with its audit entries; it has no entry of its own).
	ActionPurge = "purge"
)

// Create stores a new booking unless it collides with a stored one, in
// which case it returns a *rooms.ConflictError naming those. It assigns ID,
// Created, Updated, Version, and CreatedBy (actor) unless the caller set it;
// the caller has validated b against its room's rules.
//
// A booking with an External reference is indexed under it in the same
// transaction, so an import can never store a booking it would not find
// again. If another booking has the reference, the error wraps
// ErrExternalExists (and names that booking) and nothing is stored; this
// is checked before conflicts, since a booking that exists already is the
// answer to "was this record imported?".
func (s *Store) Create(b rooms.Booking, actor string) (rooms.Booking, error) {
	// Counted from the start, read phase included: a create whose
	// company is still in its read phase must not commit alone.
	s.creating.Add(1)
	defer s.creating.Add(-1)
	s.beginCreate()
	defer s.endCreate()
	now := s.now().UTC()
	// Everything that must not change if a group re-runs the closure is
	// decided here, outside it.
	id, err := s.ids.next(now)
	if err != nil {
		return rooms.Booking{}, err
	}
	auditID, err := s.ids.next(now)
	if err != nil {
		return rooms.Booking{}, err
	}
	b.ID = id.String()
	normalise(&b)
	b.Created, b.Updated = now, now
	b.Version = 1
	if b.CreatedBy == "" { // the account; actor may say more ("anna (token)")
		b.CreatedBy = actor
	}
	if err := storable(&b); err != nil {
		return rooms.Booking{}, err
	}
	val := encodeBooking(&b)
	entry := AuditEntry{
		ID: auditID.String(), Time: now, Actor: actor, Action: ActionCreate,
		BookingID: b.ID, Changes: diff(&rooms.Booking{}, &b),
	}

	// The read phase answers conflicts, taken references and the
	// allocator's refusals without a write, and chooses the licence
	// (create_check.go). Only a booking that looked free goes on.
	alloc := s.allocatorFn()
	pre, dropClaim, chosen, err := s.precheckAndClaim(&b, id, alloc)
	defer dropClaim()
	switch {
	case err != nil:
		return rooms.Booking{}, fmt.Errorf("create booking: %w", err)
	case pre.taken != nil:
		return rooms.Booking{}, pre.taken
	case pre.conflict != nil:
		return rooms.Booking{}, pre.conflict
	case pre.refused != nil && !pre.sawClaim:
		return rooms.Booking{}, pre.refused // the allocator's error, as is
	}
	if s.afterCheck != nil {
		s.afterCheck()
	}

	// The write transaction repeats the checks: another create may have
	// committed since. The conflict and a taken reference are values, not
	// errors: an error would make the group re-run this closure alone in a new
	// transaction, costing a commit.
	// The allocator's refusal is such a value too: it aborts this
	// booking alone, never the others sharing the batch.
	var conflict *rooms.ConflictError
	var taken, refused error
	fn := func(tx *kv.Tx) error {
		conflict, taken, refused = nil, nil, nil // a re-run starts afresh
		if b.External != "" {
			if owner := tx.Bucket(bucketByExternal).Get([]byte(b.External)); owner != nil {
				taken = fmt.Errorf("external reference %q is booking %s's: %w", b.External, ownerText(owner), ErrExternalExists)
				return nil
			}
		}
		cs, err := collisions(tx, &b)
		if err != nil {
			return err
		}
		if len(cs) > 0 {
			conflict = &rooms.ConflictError{Conflicts: cs}
			return nil
		}
		// Before anything is written: a refusal leaves the tx untouched.
		var aerr error
		if chosen {
			refused, aerr = placeAlloc(tx, alloc, pre.alloc, &b, id, now)
		} else if pre.alloc != nil || pre.refused != nil {
			// The choice lost its claim, or the refusal saw a claim that
			// may come to nothing: decide here, as before the read phase.
			refused, aerr = allocate(tx, alloc, &b, id, now)
		}
		if aerr != nil || refused != nil {
			return aerr
		}
		if err := appendBucket(tx, bucketBookings).Put(id[:], val); err != nil {
			return err
		}
		if err := putIndexes(tx, &b, id); err != nil {
			return err
		}
		recordChange(tx, nil, &b)
		return appendAudit(tx, entry)
	}

	err = s.commitCreate(fn, func() bool { return conflict != nil || taken != nil || refused != nil })
	switch {
	case err != nil:
		return rooms.Booking{}, fmt.Errorf("create booking: %w", err)
	case taken != nil:
		return rooms.Booking{}, taken
	case refused != nil:
		return rooms.Booking{}, refused // the allocator's error, as is
	case conflict != nil:
		return rooms.Booking{}, conflict
	}
	return b, nil
}

// ownerText is the booking id an external index entry holds, as text.
func ownerText(v []byte) string {
	if len(v) != idLen {
		return fmt.Sprintf("%x (malformed entry)", v)
	}
	return ulid.ULID(v).String()
}

// FindByExternal returns the booking whose External is ref; found is false
// when there is none (and for ref "", which marks bookings made in Kogge).
// A cancelled booking is found too: its reference stays until it is purged,
// so that an import does not book again what someone cancelled.
func (s *Store) FindByExternal(ref string) (b rooms.Booking, found bool, err error) {
	if ref == "" || len(ref) > MaxExternalLen {
		return rooms.Booking{}, false, nil // no booking can have it
	}
	err = s.view("find_external", func(tx *kv.Tx) error {
		v := tx.Bucket(bucketByExternal).Get([]byte(ref))
		if v == nil {
			return nil
		}
		if len(v) != idLen {
			return fmt.Errorf("external index entry %q is malformed", ref)
		}
		if b, err = load(tx, ulid.ULID(v)); err != nil {
			return fmt.Errorf("external index entry %q: %w", ref, err)
		}
		if b.External != ref {
			return fmt.Errorf("external index entry %q points at booking %s, whose reference is %q", ref, b.ID, b.External)
		}
		found = true
		return nil
	})
	if err != nil {
		return rooms.Booking{}, false, err
	}
	return b, found, nil
}

// errRolledBack aborts a lone create that found a conflict: the
// transaction rolls back instead of committing nothing at the price of two
// fsyncs (bench/storevspg measured conflicts costing a full commit).
var errRolledBack = errors.New("create rolled back on conflict")

// commitCreate runs a create closure alone when no other create is in
// flight (Create counts them), and in a group commit otherwise (group.go), so that a burst of creates shares
// one commit (two fsyncs) while a lone create does not wait
// maxBatchDelay for company. conflicted reports whether the closure
// found a conflict; only a lone create can roll back on it (in a group an
// error would re-run the closure alone and cost the others a retry).
func (s *Store) commitCreate(fn func(*kv.Tx) error, conflicted func() bool) error {
	if s.creating.Load() == 1 {
		err := s.update(ActionCreate, func(tx *kv.Tx) error {
			if err := fn(tx); err != nil {
				return err
			}
			if conflicted() {
				return errRolledBack
			}
			return nil
		})
		if errors.Is(err, errRolledBack) {
			return nil
		}
		return err
	}
	defer s.timed(ActionCreate)()
	return s.joinGroup(fn)
}

// Get returns the booking with id, or an error wrapping rooms.ErrNotFound.
func (s *Store) Get(id string) (rooms.Booking, error) {
	b, err := s.get(id)
	if s.caughtUp(err) {
		b, err = s.get(id)
	}
	return b, err
}

func (s *Store) get(id string) (rooms.Booking, error) {
	uid, err := parseID(id)
	if err != nil {
		return rooms.Booking{}, err
	}
	var b rooms.Booking
	err = s.view("get", func(tx *kv.Tx) error {
		b, err = load(tx, uid)
		return err
	})
	return b, err
}

// Update applies change to the stored booking in one transaction. version
// must be the stored version (0 skips the check: for admin tools only),
// otherwise the error wraps rooms.ErrVersionMismatch. An error from change
// aborts and is returned as is. change cannot alter ID, Created, CreatedBy,
// External, Version or Updated. A change that changes nothing writes nothing and
// returns the stored booking. A move into a conflict returns a
// *rooms.ConflictError and leaves the stored booking alone.
func (s *Store) Update(id string, version uint64, actor string, change func(*rooms.Booking) error) (rooms.Booking, error) {
	return s.modify(ActionUpdate, id, version, actor, func(b *rooms.Booking) (bool, error) {
		return true, change(b)
	})
}

// Cancel sets the booking's status to cancelled, freeing its room.
// Cancelling a cancelled booking returns it unchanged, whatever version is
// given, so a retried cancel succeeds.
func (s *Store) Cancel(id string, version uint64, actor string) (rooms.Booking, error) {
	return s.modify(ActionCancel, id, version, actor, func(b *rooms.Booking) (bool, error) {
		b.Status = rooms.StatusCancelled
		return true, nil
	})
}

// modify is the one read-modify-write path for a stored booking. change
// edits a copy and says whether to keep it: false (or a change that
// changes nothing) writes nothing and returns the stored booking.
func (s *Store) modify(action, id string, version uint64, actor string, change func(*rooms.Booking) (bool, error)) (rooms.Booking, error) {
	b, err := s.modifyOnce(action, id, version, actor, change)
	if s.caughtUp(err) {
		b, err = s.modifyOnce(action, id, version, actor, change)
	}
	return b, err
}

func (s *Store) modifyOnce(action, id string, version uint64, actor string, change func(*rooms.Booking) (bool, error)) (rooms.Booking, error) {
	uid, err := parseID(id)
	if err != nil {
		return rooms.Booking{}, err
	}
	now := s.now().UTC()
	auditID, err := s.ids.next(now)
	if err != nil {
		return rooms.Booking{}, err
	}
	var out rooms.Booking
	alloc := s.allocatorFn()
	err = s.update(action, func(tx *kv.Tx) error {
		old, err := load(tx, uid)
		if err != nil {
			return err
		}
		if action == ActionCancel && old.Status == rooms.StatusCancelled {
			out = old
			return nil
		}
		if version != 0 && version != old.Version {
			return fmt.Errorf("booking %s: version %d is not the stored version %d: %w", id, version, old.Version, rooms.ErrVersionMismatch)
		}
		nb := old // Booking holds no pointers: this is a deep copy
		keep, err := change(&nb)
		if err != nil {
			return err
		}
		if !keep {
			out = old
			return nil
		}
		nb.ID, nb.Created, nb.CreatedBy, nb.Version, nb.Updated = old.ID, old.Created, old.CreatedBy, old.Version, old.Updated
		// The reference is fixed at creation: changing it would need the
		// uniqueness check of Create, and an import that lost its
		// reference would book the record again.
		nb.External = old.External
		normalise(&nb)
		changes := diff(&old, &nb)
		if len(changes) == 0 {
			out = old
			return nil
		}
		if err := storable(&nb); err != nil {
			return err
		}
		cs, err := collisions(tx, &nb)
		if err != nil {
			return err
		}
		if len(cs) > 0 {
			return &rooms.ConflictError{Conflicts: cs}
		}
		nb.Version++
		nb.Updated = now
		refused, err := allocate(tx, alloc, &nb, uid, now)
		if err != nil {
			return err
		}
		if refused != nil {
			return refused
		}
		if err := replaceBooking(tx, &old, &nb, uid); err != nil {
			return err
		}
		out = nb
		return appendAudit(tx, AuditEntry{
			ID: auditID.String(), Time: now, Actor: actor, Action: action,
			BookingID: nb.ID, Changes: changes,
		})
	})
	if err != nil {
		return rooms.Booking{}, err
	}
	return out, nil
}

// normalise puts b's instants in UTC, as the codec returns them, so that
// what a write returns equals what a later read returns.
func normalise(b *rooms.Booking) {
	b.Start, b.End = b.Start.UTC(), b.End.UTC()
	if !b.CheckedIn.IsZero() {
		b.CheckedIn = b.CheckedIn.UTC()
	}
}

// collisions returns the stored bookings b would collide with, by start.
func collisions(tx *kv.Tx, b *rooms.Booking) ([]rooms.Booking, error) {
	if !b.Status.Blocks() {
		return nil, nil
	}
	cands, err := occupying(tx, b.Room, b.OccupiedFrom(), b.OccupiedUntil())
	if err != nil {
		return nil, err
	}
	cs := slices.DeleteFunc(cands, func(o rooms.Booking) bool { return !b.Collides(&o) })
	sortByStart(cs)
	return cs, nil
}

func sortByStart(bs []rooms.Booking) {
	slices.SortFunc(bs, func(a, b rooms.Booking) int {
		if c := a.Start.Compare(b.Start); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
}

func parseID(id string) (ulid.ULID, error) {
	uid, err := ulid.ParseStrict(id)
	if err != nil {
		return ulid.ULID{}, fmt.Errorf("booking %q: %w", id, rooms.ErrNotFound)
	}
	return uid, nil
}

func load(tx *kv.Tx, id ulid.ULID) (rooms.Booking, error) {
	var b rooms.Booking
	v := tx.Bucket(bucketBookings).Get(id[:])
	if v == nil {
		return b, fmt.Errorf("booking %s: %w", id, rooms.ErrNotFound)
	}
	if err := decodeBooking(v, &b); err != nil {
		return b, fmt.Errorf("decode booking %s: %w", id, err)
	}
	return b, nil
}

func putBooking(tx *kv.Tx, b *rooms.Booking, id ulid.ULID) error {
	return appendBucket(tx, bucketBookings).Put(id[:], encodeBooking(b))
}

// replaceBooking writes nb over old (same id), moving its index entries.
func replaceBooking(tx *kv.Tx, old, nb *rooms.Booking, uid ulid.ULID) error {
	if err := deleteIndexes(tx, old, uid); err != nil {
		return err
	}
	if err := putBooking(tx, nb, uid); err != nil {
		return err
	}
	recordChange(tx, old, nb)
	return putIndexes(tx, nb, uid)
}
