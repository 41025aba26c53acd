package store

// The history the utilisation report (rooms/usage) reads: live bookings
// with their allocations and audit entries, and the digests Purge keeps
// of the bookings it deletes.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	"github.com/oklog/ulid/v2"

	"github.com/kogge-project/kogge/rooms"
	"github.com/kogge-project/kogge/rooms/store/kv"
	"github.com/kogge-project/kogge/rooms/usage"
)

// bucketUsage holds the digests of purged bookings, one record per room
// and day (UTC date of the start): "2027-03-12" | 0 | room -> JSON array
// of usage.Meeting without titles. Purge creates it when it first
// deletes a booking, and readers take a missing bucket for an empty one;
// an older kogge leaves the unknown bucket alone, so it needs no schema
// version of its own.
var bucketUsage = []byte("usage_digests")

// auditSlack widens the stretch of the audit log the report reads beyond
// the meetings it reads: an early end is recorded during its meeting and
// the joins around it, so a day would do; a week also covers a clock
// that was off. (Failovers are read from the allocation, not the log.)
const auditSlack = 7 * 24 * time.Hour

// UsageHistory returns what the report needs of every booking that was
// not cancelled and whose occupied time overlaps [from, to): live ones
// (with title unless confidential) and purged ones (from their digests).
// It reads one transaction: the bookings through the time index, the
// allocations of the hybrid ones (released ones too: the broker releases
// a licence when its meeting ends), and the audit entries from auditSlack
// around the meetings, of which it decodes only early ends, provider
// moves and meeting joins.
func (s *Store) UsageHistory(from, to time.Time) ([]usage.Meeting, error) {
	var out []usage.Meeting
	err := s.view("usage_history", func(tx *kv.Tx) error {
		live, err := liveMeetings(tx, from, to)
		if err != nil {
			return err
		}
		out = live.list
		span := maxSpan(tx, "")
		if err := applyAuditRange(tx, live, from.Add(-span-auditSlack), to.Add(span+auditSlack)); err != nil {
			return err
		}
		live.finish()
		digests, err := readDigests(tx, from, to)
		out = append(out, digests...)
		return err
	})
	return out, err
}

// meetingSet is the live meetings of a read, by booking id.
type meetingSet struct {
	list  []usage.Meeting
	index map[ulid.ULID]int
	joins map[ulid.ULID]*usage.Joins
}

func (ms *meetingSet) finish() {
	for id, j := range ms.joins {
		j.Apply(&ms.list[ms.index[id]])
	}
}

func liveMeetings(tx *kv.Tx, from, to time.Time) (*meetingSet, error) {
	lo := appendTime(nil, clampTime(from.Add(-maxSpan(tx, ""))))
	hi := appendTime(nil, clampTime(to))
	c := tx.Bucket(bucketByTime).Cursor()
	// Counted first: walking the keys costs little next to growing a
	// list of 50,000 meetings step by step.
	n := 0
	for k, _ := c.Seek(lo); k != nil && bytes.Compare(k, hi) < 0; k, _ = c.Next() {
		n++
	}
	ms := &meetingSet{list: make([]usage.Meeting, 0, n), index: make(map[ulid.ULID]int, n), joins: map[ulid.ULID]*usage.Joins{}}
	for k, v := c.Seek(lo); k != nil && bytes.Compare(k, hi) < 0; k, v = c.Next() {
		if len(k) != timeLen+idLen || len(v) != timeLen {
			return nil, fmt.Errorf("time index entry %x is malformed", k)
		}
		if !decodeTime(v).After(from) {
			continue // ended before the period
		}
		b, err := loadKey(tx, k)
		if err != nil {
			return nil, err
		}
		if b.Status == rooms.StatusCancelled {
			continue
		}
		id := ulid.ULID(k[timeLen:])
		m, err := meetingOf(tx, &b, id)
		if err != nil {
			return nil, err
		}
		ms.index[id] = len(ms.list)
		ms.list = append(ms.list, m)
	}
	return ms, nil
}

// meetingOf is a booking with its allocation, before the audit is read.
// Provider says where its meeting ran (a released allocation keeps it);
// the hold is the licence's use: held now, or held until the meeting
// ended.
func meetingOf(tx *kv.Tx, b *rooms.Booking, id ulid.ULID) (usage.Meeting, error) {
	m := usage.FromBooking(b)
	if !b.Hybrid.Enabled {
		return m, nil
	}
	v := tx.Bucket(bucketAllocations).Get(id[:])
	if v == nil {
		return m, nil
	}
	// Only the fields the report reads (allocRecord's names): the join
	// links and the worker's bookkeeping need not be decoded.
	var a struct {
		Provider string     `json:"p"`
		Licence  string     `json:"l"`
		From     time.Time  `json:"from"`
		To       time.Time  `json:"to"`
		State    AllocState `json:"s"`
		Excluded []string   `json:"excl"`
	}
	if err := json.Unmarshal(v, &a); err != nil {
		return m, fmt.Errorf("decode allocation of %s: %w", id, err)
	}
	// A failover (integrations/broker) excludes the provider it left.
	m.FailedOver = len(a.Excluded) > 0
	m.Provider = a.Provider
	switch {
	case a.State != AllocReleased:
		// Held now: a meeting running or to come.
		m.Licence, m.HoldFrom, m.HoldTo = a.Licence, a.From.UTC(), a.To.UTC()
	case b.Status == rooms.StatusEnded || b.Status == rooms.StatusCheckedIn:
		// The broker releases the licence when the meeting ends and
		// keeps the interval it was held: up to the real end (an early
		// end frees it early) and its teardown.
		m.Licence, m.HoldFrom, m.HoldTo = a.Licence, a.From.UTC(), earliest(a.To.UTC(), b.OccupiedUntil().UTC())
	}
	// A no-show's licence was released unused: it held no meeting.
	return m, nil
}

// reportedAudit is the part of an audit entry the report reads.
type reportedAudit struct {
	Action    string            `json:"action"`
	BookingID string            `json:"booking_id"`
	Changes   map[string]Change `json:"changes"`
}

// Actions the report reads. "end" is rooms/bookings' ActionEnd (the
// store does not import the service); the meeting actions are written
// by signaling/meetings as "meeting." and the hub's action.
const (
	actionEnd     = "end"
	meetingPrefix = "meeting."
)

var actionField = []byte(`"action":"`)

// reportedAction tells from an entry's bytes whether the report reads
// it, and its action, so that only those are decoded (and of those only
// early ends in full): a JSON string value cannot hold an unescaped
// quote, so the first `"action":"` is the field itself, and no action
// the report reads needs unescaping.
func reportedAction(v []byte) (string, bool) {
	i := bytes.Index(v, actionField)
	if i < 0 {
		return "", false
	}
	rest := v[i+len(actionField):]
	end := bytes.IndexByte(rest, '"')
	if end < 0 {
		return "", false
	}
	a := rest[:end]
	switch {
	case string(a) == actionEnd, string(a) == ActionProviderMove, bytes.HasPrefix(a, []byte(meetingPrefix)):
		return string(a), true
	}
	return "", false
}

func reported(v []byte) bool {
	_, ok := reportedAction(v)
	return ok
}

// apply feeds one entry about m into it.
func apply(m *usage.Meeting, j *usage.Joins, e *reportedAudit) {
	switch e.Action {
	case actionEnd:
		if c, ok := e.Changes["end"]; ok {
			if t, err := time.Parse(time.RFC3339Nano, c.Before); err == nil {
				m.EarlyEnd(t)
			}
		}
	case ActionProviderMove:
		m.FailedOver = true
	case meetingPrefix + "join":
		j.Join()
	case meetingPrefix + "leave", meetingPrefix + "remove", meetingPrefix + "revoke":
		j.Leave()
	case ActionMeetingEnd:
		j.End()
	}
}

// applyAuditRange walks the audit log from lo to hi (its ids are ULIDs of
// the entry's time, so the walk is in time order) and applies the
// entries about the live meetings.
func applyAuditRange(tx *kv.Tx, ms *meetingSet, lo, hi time.Time) error {
	var start, stop ulid.ULID
	if lo.After(time.UnixMilli(0)) {
		_ = start.SetTime(ulid.Timestamp(lo))
	}
	if err := stop.SetTime(ulid.Timestamp(hi)); err != nil {
		return nil // beyond the year 10889
	}
	c := tx.Bucket(bucketAudit).Cursor()
	for k, v := c.Seek(start[:]); k != nil && bytes.Compare(k, stop[:]) < 0; k, v = c.Next() {
		action, ok := reportedAction(v)
		if !ok {
			continue
		}
		id, ok := bookingOf(v)
		if !ok {
			continue // about no booking
		}
		i, ok := ms.index[id]
		if !ok {
			continue
		}
		e := reportedAudit{Action: action}
		if action == actionEnd { // the only one whose changes are read
			if err := json.Unmarshal(v, &e); err != nil {
				return fmt.Errorf("decode audit entry %x: %w", k, err)
			}
		}
		j := ms.joins[id]
		if j == nil {
			j = &usage.Joins{}
			ms.joins[id] = j
		}
		apply(&ms.list[i], j, &e)
	}
	return nil
}

var bookingField = []byte(`"booking_id":"`)

// bookingOf reads an entry's booking id from its bytes (a ULID's 26
// characters need no unescaping).
func bookingOf(v []byte) (ulid.ULID, bool) {
	i := bytes.Index(v, bookingField)
	if i < 0 || len(v) < i+len(bookingField)+ulid.EncodedSize {
		return ulid.ULID{}, false
	}
	s := v[i+len(bookingField):][:ulid.EncodedSize]
	id, err := ulid.ParseStrict(string(s))
	return id, err == nil
}

// keepDigest stores the digest of a booking Purge is about to delete,
// with what its allocation and audit entries say, in the purge's
// transaction (so a booking is either live or digested, never both).
// A cancelled booking leaves none: the report does not count it.
func keepDigest(tx *kv.Tx, b *rooms.Booking, id ulid.ULID) error {
	if b.Status == rooms.StatusCancelled {
		return nil
	}
	m, err := meetingOf(tx, b, id)
	if err != nil {
		return err
	}
	var j usage.Joins
	prefix := append([]byte(b.ID), 0)
	log := tx.Bucket(bucketAudit)
	c := tx.Bucket(bucketAuditByBooking).Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		v := log.Get(k[len(prefix):])
		if v == nil || !reported(v) {
			continue
		}
		var e reportedAudit
		if err := json.Unmarshal(v, &e); err != nil {
			return fmt.Errorf("decode audit entry %x: %w", k, err)
		}
		apply(&m, &j, &e)
	}
	j.Apply(&m)
	m.Title = ""
	bk, err := tx.CreateBucketIfNotExists(bucketUsage)
	if err != nil {
		return err
	}
	key := digestKey(b.Start, b.Room)
	var day []usage.Meeting
	if v := bk.Get(key); v != nil {
		if err := json.Unmarshal(v, &day); err != nil {
			return fmt.Errorf("decode usage digest %q: %w", key, err)
		}
	}
	v, err := json.Marshal(append(day, m))
	if err != nil {
		return err
	}
	return bk.Put(key, v)
}

func digestKey(start time.Time, room string) []byte {
	return append(append([]byte(start.UTC().Format(time.DateOnly)), 0), room...)
}

// readDigests returns the purged meetings overlapping [from, to). A
// digest is filed under the day its meeting starts, and no booking is
// longer than the longest span stored then; maxDigestSpan bounds that
// conservatively, since the spans are recomputed after purges.
func readDigests(tx *kv.Tx, from, to time.Time) ([]usage.Meeting, error) {
	bk := tx.Bucket(bucketUsage)
	if bk == nil {
		return nil, nil
	}
	lo := []byte(from.Add(-maxDigestSpan).UTC().Format(time.DateOnly))
	hi := []byte(to.UTC().Format(time.DateOnly) + "\x01")
	var out []usage.Meeting
	c := bk.Cursor()
	for k, v := c.Seek(lo); k != nil && bytes.Compare(k, hi) < 0; k, v = c.Next() {
		var day []usage.Meeting
		if err := json.Unmarshal(v, &day); err != nil {
			return nil, fmt.Errorf("decode usage digest %q: %w", k, err)
		}
		for _, m := range day {
			if m.Start.Before(to) && m.End.After(from) {
				m.Purged = true
				out = append(out, m)
			}
		}
	}
	return out, nil
}

// maxDigestSpan bounds how long before the period a purged meeting that
// overlaps it may have started: bookings are validated to one local day
// in rooms with bookable hours; rooms open around the clock allow longer
// ones, up to the configured maximum, which a week covers in practice.
const maxDigestSpan = 7 * 24 * time.Hour
