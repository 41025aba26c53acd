package store

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/oklog/ulid/v2"

	"github.com/kogge-project/kogge/rooms"
	"github.com/kogge-project/kogge/rooms/store/kv"
)

// purgeBatch bounds the records one purge transaction deletes: a purge of
// years of history must not hold the write lock long, because bookings
// wait for it.
const purgeBatch = 1000

// purgeScanFactor bounds the index entries one purge transaction visits,
// as a multiple of its batch: kept bookings before the latest cutoff
// (council sessions kept for years) are decoded too, and a scan over all
// of them would hold the lock as long as a big delete.
const purgeScanFactor = 10

// PurgeStats says what Purge deleted (a rooms type: the booking service
// names it without importing the store).
type PurgeStats = rooms.PurgeStats

func addStats(p *PurgeStats, o PurgeStats) {
	p.Bookings += o.Bookings
	p.AuditEntries += o.AuditEntries
	p.Series += o.Series
}

// Purge deletes the history that is past its retention
// (docs/security.md §4):
//
//   - every booking, whatever its status, whose occupied end
//     (End+Teardown) lies before cutoff(its kind), with its index entries
//     (room, time, series, external reference: an import may then book
//     the record again, which only matters if the source still lists a
//     meeting that long over), its status count and every audit entry
//     about it;
//   - every series that has no occurrence left and whose
//     MaterialisedUntil lies before cutoff(its template's kind), with the
//     audit entries indexed under the series id (a series with
//     occurrences left, or one that may still grow, is kept);
//   - every audit entry about no booking or series (logins, user
//     changes) whose Time lies before accountsCutoff.
//
// cutoff is called once per kind in rooms.Kinds, up front, so that one
// purge applies one set of cutoffs however long it runs. No cutoff is
// taken later than now: a cutoff in the future (a negative retention, a
// wrong clock) must not delete a meeting that has not ended. A zero
// cutoff keeps everything of its kind.
//
// The work is done in transactions that delete at most purgeBatch records
// and visit at most purgeScanFactor times as many, so the write lock is
// never held for long; Purge returns when nothing is
// left to purge, or at the first error. Committed batches stay purged, and
// purging is idempotent: running it again continues where it stopped.
// Purge writes no audit entry of its own (one per deleted booking would
// keep a trace of what retention deletes); the caller reports the counts.
// The scan walks the time index from its start and stops at the latest
// cutoff of any kind: a booking whose occupied start is later ends later
// too, so nothing after it can have expired. A booking of a kind outside
// rooms.Kinds (validation lets none in) is judged by its own cutoff, but
// not later than that bound.
//
// Deleted records leave the store's content at once, but not the file's
// bytes: bbolt copies pages on write and frees the old ones without
// clearing them, and a freed page keeps its bytes until a later write
// reuses it. The live file may therefore hold purged text for a while;
// WriteBackup compacts (rewrites the live records only), so backups taken
// after a purge do not (TestPurgedTextLeavesBackups).
func (s *Store) Purge(cutoff func(k rooms.Kind) time.Time, accountsCutoff time.Time) (PurgeStats, error) {
	return s.purge(context.Background(), cutoff, accountsCutoff, purgeBatch)
}

// PurgeContext is Purge that stops before its next batch once ctx ends
// (on a cluster, a purge job's node stopped leading: daemon/jobs).
func (s *Store) PurgeContext(ctx context.Context, cutoff func(k rooms.Kind) time.Time, accountsCutoff time.Time) (PurgeStats, error) {
	return s.purge(ctx, cutoff, accountsCutoff, purgeBatch)
}

// purge is Purge with the batch size as a parameter (tests use small ones).
func (s *Store) purge(ctx context.Context, cutoff func(rooms.Kind) time.Time, accountsCutoff time.Time, batch int) (PurgeStats, error) {
	batch = max(batch, 1)
	now := s.now()
	cut := newCutoffs(cutoff, now)
	accountsCutoff = earliest(accountsCutoff, now)

	var total PurgeStats
	phases := []func(tx *kv.Tx, from []byte, batch int) (purgeStep, error){
		func(tx *kv.Tx, from []byte, batch int) (purgeStep, error) {
			return purgeBookings(tx, cut, from, batch)
		},
		// After the bookings: a series qualifies only once its
		// occurrences are gone.
		func(tx *kv.Tx, from []byte, batch int) (purgeStep, error) {
			return purgeSeries(tx, cut, from, batch)
		},
		func(tx *kv.Tx, from []byte, batch int) (purgeStep, error) {
			return purgeAccountAudit(tx, accountsCutoff, from, batch)
		},
	}
	for _, phase := range phases {
		var from []byte
		for {
			if ctx.Err() != nil {
				return total, fmt.Errorf("purge stopped: %w", context.Cause(ctx))
			}
			var step purgeStep
			err := s.update("purge", func(tx *kv.Tx) error {
				var err error
				step, err = phase(tx, from, batch)
				return err
			})
			if err != nil {
				return total, fmt.Errorf("purge: %w", err)
			}
			addStats(&total, step.stats)
			if step.next == nil {
				break
			}
			from = step.next
		}
	}
	return total, nil
}

// purgeStep is what one purge transaction did. next is the key the next
// transaction starts at (inclusive), nil when the phase is done.
type purgeStep struct {
	stats PurgeStats
	next  []byte
}

// cutoffs holds the cutoff of each kind, taken once per purge.
type cutoffs struct {
	fn     func(rooms.Kind) time.Time
	now    time.Time
	byKind map[rooms.Kind]time.Time
	latest time.Time // the scan bound: no kind's cutoff is later
}

func newCutoffs(fn func(rooms.Kind) time.Time, now time.Time) *cutoffs {
	c := &cutoffs{fn: fn, now: now, byKind: make(map[rooms.Kind]time.Time, len(rooms.Kinds))}
	for i, k := range rooms.Kinds {
		t := earliest(fn(k), now)
		c.byKind[k] = t
		if i == 0 || t.After(c.latest) {
			c.latest = t
		}
	}
	return c
}

// of returns the cutoff for kind k.
func (c *cutoffs) of(k rooms.Kind) time.Time {
	t, ok := c.byKind[k]
	if !ok {
		t = earliest(c.fn(k), c.latest)
		c.byKind[k] = t
	}
	return t
}

func earliest(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

// purgeBookings deletes the expired bookings among the time index entries
// from key from on, up to batch of them.
func purgeBookings(tx *kv.Tx, cut *cutoffs, from []byte, batch int) (purgeStep, error) {
	var step purgeStep
	// The scan ends at the first occupied start not before the latest
	// cutoff (bookings end after they start).
	end := appendTime(nil, clampTime(cut.latest))
	var victims []rooms.Booking
	visited := 0
	c := tx.Bucket(bucketByTime).Cursor()
	for k, v := seekFrom(c, from); k != nil; k, v = c.Next() {
		if len(k) != timeLen+idLen || len(v) != timeLen {
			return step, fmt.Errorf("time index entry %x is malformed", k)
		}
		if bytes.Compare(k[:timeLen], end) >= 0 {
			break
		}
		if len(victims) == batch || visited == batch*purgeScanFactor {
			step.next = bytes.Clone(k)
			break
		}
		visited++
		if !decodeTime(v).Before(cut.latest) {
			continue // ends after every cutoff: no need to decode it
		}
		b, err := loadKey(tx, k)
		if err != nil {
			return step, err
		}
		if b.OccupiedUntil().Before(cut.of(b.Kind)) {
			victims = append(victims, b)
		}
	}
	// Deleted after the scan: deleting under a bbolt cursor can skip the
	// entry after the deleted one.
	for i := range victims {
		n, err := deleteBooking(tx, &victims[i])
		if err != nil {
			return step, err
		}
		step.stats.Bookings++
		step.stats.AuditEntries += n
	}
	return step, nil
}

// deleteBooking removes a stored booking, its index entries, its count,
// its join settings, its allocation, its council session record, its
// meeting memo and its audit entries, and returns how many audit entries it removed.
func deleteBooking(tx *kv.Tx, b *rooms.Booking) (int, error) {
	id, err := ulid.ParseStrict(b.ID)
	if err != nil {
		return 0, fmt.Errorf("booking id %q: %w", b.ID, err)
	}
	// What the utilisation report needs outlives the booking (usage.go).
	if err := keepDigest(tx, b, id); err != nil {
		return 0, err
	}
	if err := tx.Bucket(bucketBookings).Delete(id[:]); err != nil {
		return 0, err
	}
	recordChange(tx, b, nil)
	recordAudit(tx, AuditEntry{BookingID: b.ID, Actor: "purge", Action: ActionPurge})
	if err := deleteIndexes(tx, b, id); err != nil {
		return 0, err
	}
	// Join settings hold a PIN and candidates' names: they go with the booking.
	if err := tx.Bucket(bucketJoinSettings).Delete(id[:]); err != nil {
		return 0, err
	}
	// So does its licence allocation, index entries included.
	if err := deleteAlloc(tx, id); err != nil {
		return 0, err
	}
	// And a council session's record: members' names, named votes.
	if cb := tx.Bucket(bucketCouncil); cb != nil {
		if err := cb.Delete([]byte(b.ID)); err != nil {
			return 0, err
		}
	}
	// And a meeting memo left behind (participants' names).
	if err := deleteMeetMemo(tx, b.ID); err != nil {
		return 0, err
	}
	return deleteAuditOf(tx, b.ID)
}

// deleteAuditOf removes the audit entries indexed under a booking or
// series id, and their index entries.
func deleteAuditOf(tx *kv.Tx, subject string) (int, error) {
	prefix := append([]byte(subject), 0)
	idx := tx.Bucket(bucketAuditByBooking)
	var keys [][]byte
	c := idx.Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		keys = append(keys, bytes.Clone(k))
	}
	log := tx.Bucket(bucketAudit)
	n := 0
	for _, k := range keys {
		// Audit (appendAudit) reads only entries of this length; skip
		// anything else rather than delete an entry that is not ours.
		if len(k) != len(prefix)+idLen {
			continue
		}
		if err := log.Delete(k[len(prefix):]); err != nil {
			return n, err
		}
		if err := idx.Delete(k); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// seriesRetention is the part of a stored series that purging reads; the
// rest of the record need not be decoded.
type seriesRetention struct {
	ID       string `json:"id"`
	Template struct {
		Kind rooms.Kind `json:"kind"`
	} `json:"template"`
	MaterialisedUntil time.Time `json:"materialised_until"`
}

// purgeSeries deletes, from key from on, up to batch series that have no
// occurrence left and were materialised only up to before their cutoff
// (one materialised further may still get occurrences).
func purgeSeries(tx *kv.Tx, cut *cutoffs, from []byte, batch int) (purgeStep, error) {
	var step purgeStep
	var victims []seriesRetention
	visited := 0
	bySeries := tx.Bucket(bucketBySeries).Cursor()
	c := tx.Bucket(bucketSeries).Cursor()
	for k, v := seekFrom(c, from); k != nil; k, v = c.Next() {
		if len(victims) == batch || visited == batch*purgeScanFactor {
			step.next = bytes.Clone(k)
			break
		}
		visited++
		var sr seriesRetention
		if err := json.Unmarshal(v, &sr); err != nil {
			return step, fmt.Errorf("decode series %x: %w", k, err)
		}
		if !sr.MaterialisedUntil.Before(cut.of(sr.Template.Kind)) {
			continue
		}
		if occ, _ := bySeries.Seek(k); occ != nil && bytes.HasPrefix(occ, k) {
			continue // an occurrence is left
		}
		victims = append(victims, sr)
	}
	sb := tx.Bucket(bucketSeries)
	for _, sr := range victims {
		sid, err := ulid.ParseStrict(sr.ID)
		if err != nil {
			return step, fmt.Errorf("series id %q: %w", sr.ID, err)
		}
		if err := sb.Delete(sid[:]); err != nil {
			return step, err
		}
		n, err := deleteAuditOf(tx, sr.ID)
		if err != nil {
			return step, err
		}
		step.stats.Series++
		step.stats.AuditEntries += n
	}
	return step, nil
}

// auditSubject is the part of an audit entry that purging reads.
type auditSubject struct {
	Time      time.Time `json:"time"`
	Action    string    `json:"action"`
	BookingID string    `json:"booking_id"`
}

// seriesActionPrefix starts every series action. Series entries carry no
// BookingID but are about a series: they go with it, not by the
// accounts cutoff.
const seriesActionPrefix = "series."

// purgeAccountAudit deletes, from key from on, up to batch audit entries
// about no booking or series with a Time before cutoff.
func purgeAccountAudit(tx *kv.Tx, cutoff time.Time, from []byte, batch int) (purgeStep, error) {
	var step purgeStep
	if cutoff.Before(time.UnixMilli(0)) {
		return step, nil // no audit id is that old
	}
	// Audit ids are ULIDs made from the entry's Time (AppendAudit), so
	// their first six bytes order the log by time: an id whose
	// millisecond is not before the cutoff's ends the scan.
	var end ulid.ULID
	if err := end.SetTime(ulid.Timestamp(cutoff)); err != nil {
		return step, nil // beyond the year 10889: every id is earlier; not worth a case
	}
	var victims [][]byte
	visited := 0
	c := tx.Bucket(bucketAudit).Cursor()
	for k, v := seekFrom(c, from); k != nil && bytes.Compare(k, end[:]) < 0; k, v = c.Next() {
		if len(victims) == batch || visited == batch*purgeScanFactor {
			step.next = bytes.Clone(k)
			break
		}
		visited++
		var e auditSubject
		if err := json.Unmarshal(v, &e); err != nil {
			return step, fmt.Errorf("decode audit entry %x: %w", k, err)
		}
		if e.BookingID != "" || strings.HasPrefix(e.Action, seriesActionPrefix) || !e.Time.Before(cutoff) {
			continue
		}
		victims = append(victims, bytes.Clone(k))
	}
	log := tx.Bucket(bucketAudit)
	for _, k := range victims {
		if err := log.Delete(k); err != nil {
			return step, err
		}
		step.stats.AuditEntries++
	}
	return step, nil
}

// seekFrom positions c at from (inclusive), or at the first key.
func seekFrom(c *kv.Cursor, from []byte) (k, v []byte) {
	if from == nil {
		return c.First()
	}
	return c.Seek(from)
}
