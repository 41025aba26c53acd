package store

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"time"
	"unicode/utf8"

	"github.com/kogge-project/kogge/rooms"
	"github.com/kogge-project/kogge/rooms/store/kv"
	"github.com/oklog/ulid/v2"
)

// Bucket and key names; see doc.go for the layout.
var (
	bucketBookings       = []byte("bookings")
	bucketByRoom         = []byte("bookings_by_room")
	bucketByTime         = []byte("bookings_by_time")
	bucketAudit          = []byte("audit")
	bucketAuditByBooking = []byte("audit_by_booking")
	bucketMeta           = []byte("meta")
	bucketSeries         = []byte("series")               // schema 3
	bucketBySeries       = []byte("bookings_by_series")   // schema 3
	bucketByExternal     = []byte("bookings_by_external") // schema 5
	bucketSpans          = []byte("room_spans")           // inside meta
	bucketCounts         = []byte("status_counts")        // inside meta

	keySchema  = []byte("schema_version")
	keyMaxSpan = []byte("max_span")
)

const (
	timeLen = 8
	idLen   = len(ulid.ULID{})
)

func createBuckets(tx *kv.Tx) error {
	for _, name := range [][]byte{bucketBookings, bucketByRoom, bucketByTime, bucketAudit, bucketAuditByBooking, bucketMeta} {
		if _, err := tx.CreateBucketIfNotExists(name); err != nil {
			return fmt.Errorf("create bucket %s: %w", name, err)
		}
	}
	meta := tx.Bucket(bucketMeta)
	for _, name := range [][]byte{bucketSpans, bucketCounts} {
		if _, err := meta.CreateBucketIfNotExists(name); err != nil {
			return fmt.Errorf("create bucket meta/%s: %w", name, err)
		}
	}
	return nil
}

// appendFill is the fill percent for buckets keyed by ULID. Their keys
// mostly arrive in order, so bbolt's default of 0.5 would leave every page
// half empty (measured: the 100k-booking file shrinks by about a third).
const appendFill = 0.9

// appendBucket returns the named bucket set up for appends in this tx.
func appendBucket(tx *kv.Tx, name []byte) *kv.Bucket {
	b := tx.Bucket(name)
	b.SetFillPercent(appendFill)
	return b
}

// Time encoding: Unix nanoseconds with the sign bit flipped, big-endian, so
// that bytes.Compare orders keys like time.Before (negative times included).

// Storable bounds: UnixNano is undefined outside these.
var (
	minStorable = time.Unix(0, math.MinInt64)
	maxStorable = time.Unix(0, math.MaxInt64)
)

func appendTime(dst []byte, t time.Time) []byte {
	return binary.BigEndian.AppendUint64(dst, uint64(t.UnixNano())^(1<<63))
}

func decodeTime(b []byte) time.Time {
	return time.Unix(0, int64(binary.BigEndian.Uint64(b)^(1<<63))).UTC()
}

// clampTime keeps scan bounds inside the encodable range (s - maxSpan may
// fall below it for a query at the dawn of time).
func clampTime(t time.Time) time.Time {
	switch {
	case t.Before(minStorable):
		return minStorable
	case t.After(maxStorable):
		return maxStorable
	}
	return t
}

func storable(b *rooms.Booking) error {
	for _, t := range []time.Time{b.OccupiedFrom(), b.OccupiedUntil()} {
		if t.Before(minStorable) || t.After(maxStorable) {
			return fmt.Errorf("booking time %s is outside the storable range", t.Format(time.RFC3339))
		}
	}
	// The series index is keyed by the series' 16 bytes.
	if b.SeriesID != "" {
		if _, err := ulid.ParseStrict(b.SeriesID); err != nil {
			return fmt.Errorf("booking series id %q is not a series id", b.SeriesID)
		}
	}
	// The reference is a key of bookings_by_external, and comes back in
	// JSON, which would replace invalid bytes: a client could never look
	// such a reference up again.
	if len(b.External) > MaxExternalLen {
		return fmt.Errorf("booking external reference is %d bytes long, at most %d are allowed", len(b.External), MaxExternalLen)
	}
	if !utf8.ValidString(b.External) {
		return fmt.Errorf("booking external reference %q is not UTF-8", b.External)
	}
	return nil
}

// MaxExternalLen bounds Booking.External, a key of bookings_by_external:
// room for an OParl URL or an iCalendar UID, far below bbolt's key limit.
const MaxExternalLen = 1000

func roomPrefix(room string) []byte {
	return append([]byte(room), 0)
}

func roomKey(b *rooms.Booking, id ulid.ULID) []byte {
	k := make([]byte, 0, len(b.Room)+1+timeLen+idLen)
	k = append(append(k, b.Room...), 0)
	k = appendTime(k, b.OccupiedFrom())
	return append(k, id[:]...)
}

func timeKey(b *rooms.Booking, id ulid.ULID) []byte {
	k := make([]byte, 0, timeLen+idLen)
	k = appendTime(k, b.OccupiedFrom())
	return append(k, id[:]...)
}

// seriesKey is the booking's entry in bookings_by_series. Unlike the other
// indexes it is ordered by Start, not the occupied start: every question
// asked of it ("the occurrences from this date on") is about Start, and an
// occurrence edited on its own may have other buffers than its siblings.
// ok is false for a booking that is in no series.
func seriesKey(b *rooms.Booking, id ulid.ULID) (k []byte, ok bool) {
	if b.SeriesID == "" {
		return nil, false
	}
	sid, err := ulid.ParseStrict(b.SeriesID)
	if err != nil {
		return nil, false // refused by storable; such a record has no entry
	}
	k = make([]byte, 0, idLen+timeLen+idLen)
	k = append(k, sid[:]...)
	k = appendTime(k, b.Start)
	return append(k, id[:]...), true
}

// indexValue is the occupied end, so scans can skip bookings that ended
// before the window without decoding them.
func indexValue(b *rooms.Booking) []byte {
	return appendTime(nil, b.OccupiedUntil())
}

// putIndexes adds b to its indexes (room, time, series, external) and to
// the counters and spans.
func putIndexes(tx *kv.Tx, b *rooms.Booking, id ulid.ULID) error {
	v := indexValue(b)
	if err := tx.Bucket(bucketByRoom).Put(roomKey(b, id), v); err != nil {
		return err
	}
	if err := tx.Bucket(bucketByTime).Put(timeKey(b, id), v); err != nil {
		return err
	}
	if k, ok := seriesKey(b, id); ok {
		if err := tx.Bucket(bucketBySeries).Put(k, nil); err != nil {
			return err
		}
	}
	// Overwrites: Create checks first that the reference is free, and a
	// modify rewrites the entry the booking already had.
	if b.External != "" {
		if err := tx.Bucket(bucketByExternal).Put([]byte(b.External), id[:]); err != nil {
			return err
		}
	}
	if err := addCount(tx, b.Status, 1); err != nil {
		return err
	}
	return raiseSpan(tx, b.Room, b.OccupiedUntil().Sub(b.OccupiedFrom()))
}

// deleteIndexes undoes putIndexes for the stored version of a booking.
func deleteIndexes(tx *kv.Tx, b *rooms.Booking, id ulid.ULID) error {
	if err := tx.Bucket(bucketByRoom).Delete(roomKey(b, id)); err != nil {
		return err
	}
	if err := tx.Bucket(bucketByTime).Delete(timeKey(b, id)); err != nil {
		return err
	}
	if k, ok := seriesKey(b, id); ok {
		if err := tx.Bucket(bucketBySeries).Delete(k); err != nil {
			return err
		}
	}
	// Only the booking's own entry: were the index ever out of step, a
	// delete by reference alone would take another booking's.
	if b.External != "" {
		idx := tx.Bucket(bucketByExternal)
		if bytes.Equal(idx.Get([]byte(b.External)), id[:]) {
			if err := idx.Delete([]byte(b.External)); err != nil {
				return err
			}
		}
	}
	return addCount(tx, b.Status, -1)
}

func addCount(tx *kv.Tx, st rooms.Status, delta int64) error {
	counts := tx.Bucket(bucketMeta).Bucket(bucketCounts)
	var n uint64
	if v := counts.Get([]byte(st)); len(v) == 8 {
		n = binary.BigEndian.Uint64(v)
	}
	n = uint64(max(int64(n)+delta, 0))
	return counts.Put([]byte(st), binary.BigEndian.AppendUint64(nil, n))
}

// raiseSpan records span as the room's (and the file's) longest occupied
// span if it is longer than the one on record. Never lowered: see doc.go.
func raiseSpan(tx *kv.Tx, room string, span time.Duration) error {
	meta := tx.Bucket(bucketMeta)
	if span > getDuration(meta.Get(keyMaxSpan)) {
		if err := meta.Put(keyMaxSpan, appendDuration(span)); err != nil {
			return err
		}
	}
	spans := meta.Bucket(bucketSpans)
	if span > getDuration(spans.Get([]byte(room))) {
		return spans.Put([]byte(room), appendDuration(span))
	}
	return nil
}

// maxSpan is the longest occupied span stored in room, or in any room if
// room is "".
func maxSpan(tx *kv.Tx, room string) time.Duration {
	meta := tx.Bucket(bucketMeta)
	if room == "" {
		return getDuration(meta.Get(keyMaxSpan))
	}
	return getDuration(meta.Bucket(bucketSpans).Get([]byte(room)))
}

func appendDuration(d time.Duration) []byte {
	return binary.BigEndian.AppendUint64(nil, uint64(d))
}

func getDuration(v []byte) time.Duration {
	if len(v) != 8 {
		return 0
	}
	return time.Duration(binary.BigEndian.Uint64(v))
}

// occupying returns the bookings of room, cancelled ones included, whose
// occupied interval overlaps [from, to), in index order. It visits only
// index entries with an occupied start in [from-maxSpan, to).
func occupying(tx *kv.Tx, room string, from, to time.Time) ([]rooms.Booking, error) {
	lo := appendTime(roomPrefix(room), clampTime(from.Add(-maxSpan(tx, room))))
	hi := appendTime(roomPrefix(room), clampTime(to))
	var out []rooms.Booking
	c := tx.Bucket(bucketByRoom).Cursor()
	for k, v := c.Seek(lo); k != nil && bytes.Compare(k, hi) < 0; k, v = c.Next() {
		if !decodeTime(v).After(from) {
			continue // ended before the window
		}
		b, err := loadKey(tx, k)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, nil
}

// loadKey loads the booking an index key points at (its last 16 bytes).
func loadKey(tx *kv.Tx, k []byte) (rooms.Booking, error) {
	var id ulid.ULID
	copy(id[:], k[len(k)-idLen:])
	b, err := load(tx, id)
	if err != nil {
		return b, fmt.Errorf("index entry %x: %w", k, err)
	}
	return b, nil
}
