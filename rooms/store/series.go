package store

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/oklog/ulid/v2"

	"github.com/kogge-project/kogge/rooms"
	"github.com/kogge-project/kogge/rooms/store/kv"
)

// Audit actions for series. The series entries are indexed under the
// series id (Audit(seriesID) lists them); each occurrence also gets its
// own entry under its booking id, so a booking's history is complete.
const (
	ActionSeriesCreate = "series.create"
	ActionSeriesExtend = "series.extend"
	ActionSeriesUpdate = "series.update"
	ActionSeriesCancel = "series.cancel"
)

// ReasonConflict is the Reason of an occurrence skipped because it
// collides with a booking.
const ReasonConflict = "conflict"

// SkippedOccurrence and SeriesConflictError are the rooms types (the
// booking service names them without importing the store).
type (
	SkippedOccurrence   = rooms.SkippedOccurrence
	SeriesConflictError = rooms.SeriesConflictError
)

// refusedOccurrence is the skipped entry of an occurrence the allocator
// refused: it counts as a conflict of that occurrence.
func refusedOccurrence(b *rooms.Booking, err error) SkippedOccurrence {
	return SkippedOccurrence{Start: b.Start, Reason: ReasonAllocationPrefix + err.Error(), Err: err}
}

// seriesNotFound names the series and still matches rooms.ErrNotFound,
// whose own text speaks of a booking.
type seriesNotFound string

func (e seriesNotFound) Error() string { return "series " + string(e) + " not found" }
func (seriesNotFound) Unwrap() error   { return rooms.ErrNotFound }

// CreateSeries stores a new series and its occurrences in one transaction.
// It assigns the series its ID, Created, Updated, Version 1 and CreatedBy
// (actor, unless set); each occurrence gets an ID, the SeriesID, Created,
// Updated, Version 1 and CreatedBy. The caller has expanded the rule,
// validated every occurrence against its room and removed closures.
//
// Each occurrence is checked against the stored bookings and against the
// occurrences of this call stored before it (an occurrence that was
// skipped is not). With skipConflicts false, any collision returns a
// *SeriesConflictError listing every colliding occurrence and nothing is
// written; with true, the free ones are stored and the others returned as
// skipped. Both modes decide alike, so the error lists exactly what skip
// would skip: the client can retry with skip knowing the outcome.
func (s *Store) CreateSeries(sr rooms.Series, occurrences []rooms.Booking, skipConflicts bool, actor string) (rooms.Series, []rooms.Booking, []SkippedOccurrence, error) {
	now := s.now().UTC()
	sid, err := s.ids.next(now)
	if err != nil {
		return rooms.Series{}, nil, nil, err
	}
	sr.ID = sid.String()
	sr.Created, sr.Updated, sr.Version = now, now, 1
	if sr.CreatedBy == "" {
		sr.CreatedBy = actor
	}
	sr.MaterialisedUntil = sr.MaterialisedUntil.UTC()
	sv, err := json.Marshal(&sr)
	if err != nil {
		return rooms.Series{}, nil, nil, fmt.Errorf("encode series: %w", err)
	}
	occ, err := s.newOccurrences(&sr, occurrences, actor, now)
	if err != nil {
		return rooms.Series{}, nil, nil, err
	}
	seriesAudit, err := s.ids.next(now)
	if err != nil {
		return rooms.Series{}, nil, nil, err
	}

	var stored []rooms.Booking
	var skipped []SkippedOccurrence
	alloc := s.allocatorFn()
	err = s.update(ActionSeriesCreate, func(tx *kv.Tx) error {
		if err := appendBucket(tx, bucketSeries).Put(sid[:], sv); err != nil {
			return err
		}
		var err error
		stored, skipped, err = putOccurrences(tx, occ, alloc, now)
		if err != nil {
			return err
		}
		if len(skipped) > 0 && !skipConflicts {
			return &SeriesConflictError{Occurrences: skipped}
		}
		changes := diff(&rooms.Booking{}, &sr.Template)
		changes["rule"] = Change{After: short(sr.Rule)}
		if err := s.noteSeries(tx, sr, sid, actor, ActionSeriesCreate, time.Time{}); err != nil {
			return err
		}
		return appendSeriesAudit(tx, sr.ID, AuditEntry{
			ID: seriesAudit.String(), Time: now, Actor: actor, Action: ActionSeriesCreate, Changes: changes,
			Detail: fmt.Sprintf("%d occurrences stored, %d skipped", len(stored), len(skipped)),
		})
	})
	if err != nil {
		if _, ok := errors.AsType[*SeriesConflictError](err); ok {
			return rooms.Series{}, nil, nil, err
		}
		return rooms.Series{}, nil, nil, fmt.Errorf("create series: %w", err)
	}
	return sr, stored, skipped, nil
}

// errDryRun ends a transaction that only looked: bbolt rolls it back.
var errDryRun = errors.New("dry run")

// PreviewSeries tells which occurrences CreateSeries with skipConflicts
// would store and which it would skip, and writes nothing. The occurrences
// are put in a write transaction that is then rolled back, so that each is
// checked against the earlier ones and the allocator decides exactly as it
// would: a preview that decided differently would promise dates the
// booking then leaves out. The stored ones come back without IDs.
func (s *Store) PreviewSeries(occurrences []rooms.Booking, actor string) ([]rooms.Booking, []SkippedOccurrence, error) {
	now := s.now().UTC()
	sid, err := s.ids.next(now) // occurrences are indexed under a series
	if err != nil {
		return nil, nil, err
	}
	occ, err := s.newOccurrences(&rooms.Series{ID: sid.String()}, occurrences, actor, now)
	if err != nil {
		return nil, nil, err
	}
	var stored []rooms.Booking
	var skipped []SkippedOccurrence
	alloc := s.allocatorFn()
	err = s.db.Update(func(tx *kv.Tx) error {
		var err error
		if stored, skipped, err = putOccurrences(tx, occ, alloc, now); err != nil {
			return err
		}
		return errDryRun
	})
	if !errors.Is(err, errDryRun) {
		return nil, nil, fmt.Errorf("preview series: %w", err)
	}
	for i := range stored {
		stored[i].ID, stored[i].SeriesID, stored[i].Version = "", "", 0
	}
	return stored, skipped, nil
}

// occurrence is a booking ready to store, with its audit entry.
type occurrence struct {
	b     rooms.Booking
	id    ulid.ULID
	audit AuditEntry
}

// newOccurrences prepares occurrences of sr outside the transaction (IDs
// come from a mutex-guarded source; the write lock need not wait for it).
func (s *Store) newOccurrences(sr *rooms.Series, bs []rooms.Booking, actor string, now time.Time) ([]occurrence, error) {
	out := make([]occurrence, len(bs))
	for i, b := range bs {
		id, err := s.ids.next(now)
		if err != nil {
			return nil, err
		}
		auditID, err := s.ids.next(now)
		if err != nil {
			return nil, err
		}
		b.ID, b.SeriesID = id.String(), sr.ID
		// Occurrences share their template, and a reference names one
		// booking: a series mirrors no single external record.
		b.External = ""
		normalise(&b)
		b.Created, b.Updated, b.Version = now, now, 1
		if b.CreatedBy == "" {
			b.CreatedBy = actor
		}
		if err := storable(&b); err != nil {
			return nil, fmt.Errorf("occurrence %s: %w", b.Start.Format(time.RFC3339), err)
		}
		// What the occurrences share is in the series entry; each one's
		// own entry records only when it is, to keep a 10-year series'
		// audit small.
		out[i] = occurrence{b: b, id: id, audit: AuditEntry{
			ID: auditID.String(), Time: now, Actor: actor, Action: ActionCreate, BookingID: b.ID,
			Changes: map[string]Change{
				"start": {After: timeText(b.Start)},
				"end":   {After: timeText(b.End)},
			},
			Detail: "series " + sr.ID,
		}}
	}
	return out, nil
}

// putOccurrences stores each occurrence that collides with nothing stored
// and that the allocator (if any) accepts, in order, so that later ones
// are checked against earlier ones too (their licences included), and
// returns the others as skipped.
func putOccurrences(tx *kv.Tx, occ []occurrence, alloc Allocator, now time.Time) ([]rooms.Booking, []SkippedOccurrence, error) {
	var stored []rooms.Booking
	var skipped []SkippedOccurrence
	bk := appendBucket(tx, bucketBookings)
	for i := range occ {
		o := &occ[i]
		cs, err := collisions(tx, &o.b)
		if err != nil {
			return nil, nil, err
		}
		if len(cs) > 0 {
			skipped = append(skipped, SkippedOccurrence{Start: o.b.Start, Reason: ReasonConflict, Conflicts: cs})
			continue
		}
		refused, err := allocate(tx, alloc, &o.b, o.id, now)
		if err != nil {
			return nil, nil, err
		}
		if refused != nil {
			skipped = append(skipped, refusedOccurrence(&o.b, refused))
			continue
		}
		if err := bk.Put(o.id[:], encodeBooking(&o.b)); err != nil {
			return nil, nil, err
		}
		if err := putIndexes(tx, &o.b, o.id); err != nil {
			return nil, nil, err
		}
		recordChange(tx, nil, &o.b)
		if err := appendAudit(tx, o.audit); err != nil {
			return nil, nil, err
		}
		stored = append(stored, o.b)
	}
	return stored, skipped, nil
}

// appendSeriesAudit writes e and indexes it under the series id (e has no
// BookingID: it is about no single booking).
func appendSeriesAudit(tx *kv.Tx, seriesID string, e AuditEntry) error {
	if err := appendAudit(tx, e); err != nil {
		return err
	}
	id, err := ulid.ParseStrict(e.ID)
	if err != nil {
		return err
	}
	return tx.Bucket(bucketAuditByBooking).Put(append(append([]byte(seriesID), 0), id[:]...), nil)
}

// GetSeries returns the series with id, or an error wrapping
// rooms.ErrNotFound.
func (s *Store) GetSeries(id string) (rooms.Series, error) {
	var sr rooms.Series
	err := s.view("get_series", func(tx *kv.Tx) error {
		var err error
		sr, _, err = loadSeries(tx, id)
		return err
	})
	return sr, err
}

func loadSeries(tx *kv.Tx, id string) (rooms.Series, ulid.ULID, error) {
	var sr rooms.Series
	uid, err := ulid.ParseStrict(id)
	if err != nil {
		return sr, uid, seriesNotFound(id)
	}
	v := tx.Bucket(bucketSeries).Get(uid[:])
	if v == nil {
		return sr, uid, seriesNotFound(id)
	}
	if err := json.Unmarshal(v, &sr); err != nil {
		return sr, uid, fmt.Errorf("decode series %s: %w", id, err)
	}
	return sr, uid, nil
}

func putSeries(tx *kv.Tx, sr *rooms.Series, id ulid.ULID) error {
	v, err := json.Marshal(sr)
	if err != nil {
		return fmt.Errorf("encode series: %w", err)
	}
	return appendBucket(tx, bucketSeries).Put(id[:], v)
}

// ListSeries returns every series, by id (the horizon job walks them all).
func (s *Store) ListSeries() ([]rooms.Series, error) {
	var out []rooms.Series
	err := s.view("list_series", func(tx *kv.Tx) error {
		return tx.Bucket(bucketSeries).ForEach(func(k, v []byte) error {
			var sr rooms.Series
			if err := json.Unmarshal(v, &sr); err != nil {
				return fmt.Errorf("decode series %x: %w", k, err)
			}
			out = append(out, sr)
			return nil
		})
	})
	return out, err
}

// SeriesBookings returns the occurrences of a series, whatever their
// status, that start at or after from (zero: all), by start.
func (s *Store) SeriesBookings(id string, from time.Time) ([]rooms.Booking, error) {
	var out []rooms.Booking
	err := s.view("series_bookings", func(tx *kv.Tx) error {
		_, sid, err := loadSeries(tx, id)
		if err != nil {
			return err
		}
		return eachOccurrence(tx, sid, from, func(b rooms.Booking) error {
			out = append(out, b)
			return nil
		})
	})
	return out, err
}

// eachOccurrence calls fn for the occurrences of series sid starting at or
// after from, in index order (start, then id).
func eachOccurrence(tx *kv.Tx, sid ulid.ULID, from time.Time, fn func(rooms.Booking) error) error {
	prefix := sid[:]
	c := tx.Bucket(bucketBySeries).Cursor()
	for k, _ := c.Seek(appendTime(bytes.Clone(prefix), clampTime(from))); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		b, err := loadKey(tx, k)
		if err != nil {
			return err
		}
		if err := fn(b); err != nil {
			return err
		}
	}
	return nil
}

// AppendOccurrences extends a series (the rolling-horizon job) in one
// transaction: occurrences are prepared and checked as in CreateSeries
// with skipConflicts, MaterialisedUntil becomes until, and the series'
// Version is bumped.
//
// Occurrences starting before the series' MaterialisedUntil were stored
// (or skipped, or cancelled) already; they are returned as skipped with
// Reason ReasonMaterialised rather than stored twice, so a job that asks
// for an overlapping range cannot revive a cancelled occurrence.
// MaterialisedUntil never moves back.
//
// version is the series version the occurrences were planned from (0 skips
// the check): if the series was edited or cut meanwhile, nothing is stored
// and the error wraps rooms.ErrVersionMismatch, so the caller plans again.
func (s *Store) AppendOccurrences(id string, version uint64, occurrences []rooms.Booking, until time.Time, actor string) ([]rooms.Booking, []SkippedOccurrence, error) {
	if _, err := ulid.ParseStrict(id); err != nil {
		return nil, nil, seriesNotFound(id)
	}
	now := s.now().UTC()
	auditID, err := s.ids.next(now)
	if err != nil {
		return nil, nil, err
	}
	// IDs are made before the transaction; the series is read inside it,
	// so a placeholder series carries only the id.
	occ, err := s.newOccurrences(&rooms.Series{ID: id}, occurrences, actor, now)
	if err != nil {
		return nil, nil, err
	}
	var stored []rooms.Booking
	var skipped []SkippedOccurrence
	alloc := s.allocatorFn()
	err = s.update(ActionSeriesExtend, func(tx *kv.Tx) error {
		stored, skipped = nil, nil // a replicated store may run this again
		sr, sid, err := loadSeries(tx, id)
		if err == nil && version != 0 && version != sr.Version {
			return fmt.Errorf("series %s changed since it was planned (version %d, now %d): %w", id, version, sr.Version, rooms.ErrVersionMismatch)
		}
		if err != nil {
			return err
		}
		var todo []occurrence
		for _, o := range occ {
			if o.b.Start.Before(sr.MaterialisedUntil) {
				skipped = append(skipped, SkippedOccurrence{Start: o.b.Start, Reason: ReasonMaterialised})
				continue
			}
			todo = append(todo, o)
		}
		st, sk, err := putOccurrences(tx, todo, alloc, now)
		if err != nil {
			return err
		}
		stored, skipped = st, append(skipped, sk...)
		sortSkipped(skipped)
		before := sr.MaterialisedUntil
		if until.After(sr.MaterialisedUntil) {
			sr.MaterialisedUntil = until.UTC()
		}
		sr.Version++
		sr.Updated = now
		if err := putSeries(tx, &sr, sid); err != nil {
			return err
		}
		if err := s.noteSeries(tx, sr, sid, actor, ActionSeriesExtend, before); err != nil {
			return err
		}
		return appendSeriesAudit(tx, sr.ID, AuditEntry{
			ID: auditID.String(), Time: now, Actor: actor, Action: ActionSeriesExtend,
			Changes: map[string]Change{"materialised_until": {Before: timeText(before), After: timeText(sr.MaterialisedUntil)}},
			Detail:  fmt.Sprintf("%d occurrences stored, %d skipped", len(stored), len(skipped)),
		})
	})
	if err != nil {
		return nil, nil, err
	}
	return stored, skipped, nil
}

// ReasonMaterialised is the Reason of an occurrence AppendOccurrences
// was given again.
const ReasonMaterialised = "already materialised"

func sortSkipped(sk []SkippedOccurrence) {
	slices.SortStableFunc(sk, func(a, b SkippedOccurrence) int { return a.Start.Compare(b.Start) })
}

// UpdateSeries applies change to the stored series record (rule, template,
// exdates; not its occurrences: the caller rewrites those through Update
// or CancelSeries). version must be the stored version (0 skips the
// check). ID, Created, CreatedBy, Version and Updated cannot be changed.
func (s *Store) UpdateSeries(id string, version uint64, actor string, change func(*rooms.Series) error) (rooms.Series, error) {
	now := s.now().UTC()
	auditID, err := s.ids.next(now)
	if err != nil {
		return rooms.Series{}, err
	}
	var out rooms.Series
	err = s.update(ActionSeriesUpdate, func(tx *kv.Tx) error {
		old, sid, err := loadSeries(tx, id)
		if err != nil {
			return err
		}
		if version != 0 && version != old.Version {
			return fmt.Errorf("series %s: version %d is not the stored version %d: %w", id, version, old.Version, rooms.ErrVersionMismatch)
		}
		ns := old
		// ExDates is the one shared slice; change must not edit old's.
		ns.ExDates = append([]time.Time(nil), old.ExDates...)
		if err := change(&ns); err != nil {
			return err
		}
		ns.ID, ns.Created, ns.CreatedBy, ns.Version, ns.Updated = old.ID, old.Created, old.CreatedBy, old.Version+1, now
		ns.MaterialisedUntil = ns.MaterialisedUntil.UTC()
		changes := diff(&old.Template, &ns.Template)
		if old.Rule != ns.Rule {
			changes["rule"] = Change{Before: short(old.Rule), After: short(ns.Rule)}
		}
		if !slicesEqualTime(old.ExDates, ns.ExDates) {
			changes["exdates"] = Change{Before: fmt.Sprint(len(old.ExDates)), After: fmt.Sprint(len(ns.ExDates))}
		}
		if !old.MaterialisedUntil.Equal(ns.MaterialisedUntil) {
			changes["materialised_until"] = Change{Before: timeText(old.MaterialisedUntil), After: timeText(ns.MaterialisedUntil)}
		}
		if len(changes) == 0 {
			out = old
			return nil
		}
		if err := putSeries(tx, &ns, sid); err != nil {
			return err
		}
		out = ns
		if err := s.noteSeries(tx, ns, sid, actor, ActionSeriesUpdate, time.Time{}); err != nil {
			return err
		}
		return appendSeriesAudit(tx, ns.ID, AuditEntry{
			ID: auditID.String(), Time: now, Actor: actor, Action: ActionSeriesUpdate, Changes: changes,
		})
	})
	if err != nil {
		return rooms.Series{}, err
	}
	return out, nil
}

func slicesEqualTime(a, b []time.Time) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !a[i].Equal(b[i]) {
			return false
		}
	}
	return true
}

// CancelSeries cancels, in one transaction, the occurrences starting at or
// after from (zero: all) that still hold or held their room: those already
// cancelled, released or ended are left as they are. It returns the
// cancelled bookings, by start. It does not stop an open series from
// growing: the caller ends the rule (UpdateSeries) for that.
//
// cut, if not nil, edits the series record in the same transaction (the
// daemon ends the rule where the cancellation starts), so that a crash or
// the horizon job cannot come between the two.
func (s *Store) CancelSeries(id string, from time.Time, actor string, cut func(*rooms.Series) error) ([]rooms.Booking, error) {
	return s.CancelSeriesChecked(id, from, actor, nil, cut)
}

// CancelSeriesChecked is CancelSeries with a check: if not nil, it is
// given every meeting the cancellation would change, before anything is
// written, and an error from it changes nothing (the booking service
// refuses a series whose meetings the actor may not all touch).
func (s *Store) CancelSeriesChecked(id string, from time.Time, actor string, check func([]rooms.Booking) error, cut func(*rooms.Series) error) ([]rooms.Booking, error) {
	now := s.now().UTC()
	// Audit IDs are made inside the transaction (their number is known only
	// there); ids.next takes its own mutex and no store lock.
	var out []rooms.Booking
	err := s.update(ActionSeriesCancel, func(tx *kv.Tx) error {
		out = nil
		sr, sid, err := loadSeries(tx, id)
		if err != nil {
			return err
		}
		var todo []rooms.Booking
		err = eachOccurrence(tx, sid, from, func(b rooms.Booking) error {
			switch b.Status {
			case rooms.StatusCancelled, rooms.StatusReleased, rooms.StatusEnded:
				return nil
			}
			todo = append(todo, b)
			return nil
		})
		if err != nil {
			return err
		}
		if check != nil {
			if err := check(todo); err != nil {
				return err
			}
		}
		for _, old := range todo { // never Put while the cursor iterates
			uid, err := ulid.ParseStrict(old.ID)
			if err != nil {
				return err
			}
			nb := old
			nb.Status = rooms.StatusCancelled
			nb.Version++
			nb.Updated = now
			if err := replaceBooking(tx, &old, &nb, uid); err != nil {
				return err
			}
			prev, err := loadAlloc(tx, uid)
			if err != nil {
				return err
			}
			if err := releaseAlloc(tx, uid, prev, now); err != nil {
				return err
			}
			auditID, err := s.ids.next(now)
			if err != nil {
				return err
			}
			err = appendAudit(tx, AuditEntry{
				ID: auditID.String(), Time: now, Actor: actor, Action: ActionCancel,
				BookingID: nb.ID, Changes: diff(&old, &nb), Detail: "series " + sr.ID,
			})
			if err != nil {
				return err
			}
			out = append(out, nb)
		}
		auditID, err := s.ids.next(now)
		if err != nil {
			return err
		}
		detail := fmt.Sprintf("%d occurrences cancelled", len(out))
		if !from.IsZero() {
			detail += " from " + timeText(from)
		}
		if cut != nil {
			rule := sr.Rule
			if err := cut(&sr); err != nil {
				return err
			}
			sr.Version++
			sr.Updated = now
			sr.MaterialisedUntil = sr.MaterialisedUntil.UTC()
			if err := putSeries(tx, &sr, sid); err != nil {
				return err
			}
			if sr.Rule != rule {
				detail += "; rule now " + short(sr.Rule)
			}
		}
		if err := s.noteSeries(tx, sr, sid, actor, ActionSeriesCancel, from); err != nil {
			return err
		}
		return appendSeriesAudit(tx, sr.ID, AuditEntry{
			ID: auditID.String(), Time: now, Actor: actor, Action: ActionSeriesCancel, Detail: detail,
		})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
