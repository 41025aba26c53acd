package store

import (
	"fmt"
	"time"

	"github.com/kogge-project/kogge/rooms"
	"github.com/kogge-project/kogge/rooms/store/kv"
)

// EditSeries changes a series and its stored occurrences starting at or
// after from, in one transaction (PATCH /series/{id}?scope=all|following).
// seriesChange edits the series record (its template, so that meetings
// stored later follow the edit); change edits each occurrence that is still
// to be held — not cancelled, released or ended, and not an exception
// edited on its own — and says whether to keep the edit.
//
// Every edited occurrence is conflict-checked against the stored bookings,
// its siblings included as edited so far. If any collides, the error is a
// *SeriesConflictError listing all of them and nothing is written. version
// is the series' version (0 skips the check).
func (s *Store) EditSeries(id string, version uint64, from time.Time, actor string,
	seriesChange func(*rooms.Series) error, change func(*rooms.Booking) (bool, error)) (rooms.Series, []rooms.Booking, error) {
	now := s.now().UTC()
	var out rooms.Series
	var edited []rooms.Booking
	alloc := s.allocatorFn()
	err := s.update(ActionSeriesUpdate, func(tx *kv.Tx) error {
		edited = nil
		old, sid, err := loadSeries(tx, id)
		if err != nil {
			return err
		}
		if version != 0 && version != old.Version {
			return fmt.Errorf("series %s: version %d is not the stored version %d: %w", id, version, old.Version, rooms.ErrVersionMismatch)
		}
		ns := old
		ns.ExDates = append([]time.Time(nil), old.ExDates...)
		if err := seriesChange(&ns); err != nil {
			return err
		}
		var occ []rooms.Booking // collected first: the loop below rewrites the index it would walk
		if err := eachOccurrence(tx, sid, from, func(b rooms.Booking) error {
			if b.Status.Blocks() && b.Status != rooms.StatusEnded && !b.Exception {
				occ = append(occ, b)
			}
			return nil
		}); err != nil {
			return err
		}
		var collided []SkippedOccurrence
		var audits []AuditEntry
		for _, old := range occ {
			nb := old
			keep, err := change(&nb)
			if err != nil {
				return err
			}
			nb.ID, nb.Created, nb.CreatedBy, nb.Version, nb.Updated, nb.SeriesID = old.ID, old.Created, old.CreatedBy, old.Version, old.Updated, old.SeriesID
			nb.External = old.External // fixed at creation, as in modify
			normalise(&nb)
			changes := diff(&old, &nb)
			if !keep || len(changes) == 0 {
				continue
			}
			if err := storable(&nb); err != nil {
				return err
			}
			uid, err := parseID(nb.ID)
			if err != nil {
				return err
			}
			// The booking's own index entries stay during the check: a
			// booking never collides with itself.
			cs, err := collisions(tx, &nb)
			if err != nil {
				return err
			}
			nb.Version++
			nb.Updated = now
			if len(cs) > 0 {
				collided = append(collided, SkippedOccurrence{Start: nb.Start, Reason: ReasonConflict, Conflicts: cs})
			} else {
				// Like a conflict: listed, and the whole edit rolls back.
				refused, err := allocate(tx, alloc, &nb, uid, now)
				if err != nil {
					return err
				}
				if refused != nil {
					collided = append(collided, refusedOccurrence(&nb, refused))
				}
			}
			if err := replaceBooking(tx, &old, &nb, uid); err != nil {
				return err
			}
			edited = append(edited, nb)
			audits = append(audits, AuditEntry{Time: now, Actor: actor, Action: ActionUpdate, BookingID: nb.ID, Changes: changes})
		}
		if len(collided) > 0 {
			return &SeriesConflictError{Occurrences: collided} // rolls everything back
		}
		for _, a := range audits {
			if a.ID, err = s.auditID(now); err != nil {
				return err
			}
			if err := appendAudit(tx, a); err != nil {
				return err
			}
		}
		ns.ID, ns.Created, ns.CreatedBy, ns.Version, ns.Updated = old.ID, old.Created, old.CreatedBy, old.Version+1, now
		if err := putSeries(tx, &ns, sid); err != nil {
			return err
		}
		out = ns
		aid, err := s.auditID(now)
		if err != nil {
			return err
		}
		changes := diff(&old.Template, &ns.Template)
		if old.Rule != ns.Rule {
			changes["rule"] = Change{Before: short(old.Rule), After: short(ns.Rule)}
		}
		if err := s.noteSeries(tx, ns, sid, actor, ActionSeriesUpdate, from); err != nil {
			return err
		}
		return appendSeriesAudit(tx, ns.ID, AuditEntry{ID: aid, Time: now, Actor: actor, Action: ActionSeriesUpdate,
			Changes: changes, Detail: fmt.Sprintf("%d meetings from %s", len(edited), timeText(from))})
	})
	if err != nil {
		return rooms.Series{}, nil, err
	}
	return out, edited, nil
}

func (s *Store) auditID(now time.Time) (string, error) {
	id, err := s.ids.next(now)
	if err != nil {
		return "", err
	}
	return id.String(), nil
}
