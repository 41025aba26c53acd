package store

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"time"

	"github.com/kogge-project/kogge/rooms"
	"github.com/kogge-project/kogge/rooms/store/kv"
)

// Page sizes for List.
const (
	DefaultLimit = 100
	MaxLimit     = 500
)

// Query selects bookings for List. Zero fields select everything.
type Query struct {
	Room     string
	From, To time.Time // bookings whose [Start, End) overlaps [From, To)
	Kind     rooms.Kind
	Status   rooms.Status // "" includes cancelled bookings
	Limit    int          // default DefaultLimit, at most MaxLimit
	After    string       // Page.Next of the previous page
}

// Page is one page of a listing. Next is "" on the last page.
type Page struct {
	Bookings []rooms.Booking
	Next     string
}

// List returns bookings matching q, ordered by occupied start, then id.
// The cursor is the last index key returned, so a page boundary survives
// inserts and deletes elsewhere in the listing.
func (s *Store) List(q Query) (Page, error) {
	limit := q.Limit
	if limit <= 0 {
		limit = DefaultLimit
	}
	limit = min(limit, MaxLimit)

	bucket, prefix := bucketByTime, []byte(nil)
	if q.Room != "" {
		bucket, prefix = bucketByRoom, roomPrefix(q.Room)
	}
	var after []byte
	if q.After != "" {
		var err error
		after, err = base64.RawURLEncoding.DecodeString(q.After)
		if err != nil || len(after) != len(prefix)+timeLen+idLen || !bytes.HasPrefix(after, prefix) {
			return Page{}, ErrBadCursor
		}
	}

	var page Page
	err := s.view("list", func(tx *kv.Tx) error {
		start := bytes.Clone(prefix)
		if !q.From.IsZero() {
			start = appendTime(start, clampTime(q.From.Add(-maxSpan(tx, q.Room))))
		}
		c := tx.Bucket(bucket).Cursor()
		k, v := c.Seek(start)
		if after != nil && bytes.Compare(after, start) >= 0 {
			if k, v = c.Seek(after); bytes.Equal(k, after) {
				k, v = c.Next()
			}
		}
		var last []byte
		for ; k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			occFrom := decodeTime(k[len(prefix):])
			if !q.To.IsZero() && !occFrom.Before(q.To) {
				break // Start >= occupied start >= To: nothing further can match
			}
			if !q.From.IsZero() && !decodeTime(v).After(q.From) {
				continue // End <= occupied end <= From
			}
			b, err := loadKey(tx, k)
			if err != nil {
				return err
			}
			if !q.matches(&b) {
				continue
			}
			if len(page.Bookings) == limit {
				page.Next = base64.RawURLEncoding.EncodeToString(last)
				break
			}
			page.Bookings = append(page.Bookings, b)
			last = append(last[:0], k...)
		}
		return nil
	})
	return page, err
}

func (q *Query) matches(b *rooms.Booking) bool {
	return (q.Kind == "" || b.Kind == q.Kind) &&
		(q.Status == "" || b.Status == q.Status) &&
		(q.From.IsZero() || b.End.After(q.From)) &&
		(q.To.IsZero() || b.Start.Before(q.To))
}

// Overlapping returns the bookings of room that occupy it (buffers
// included) at some time in [from, to), cancelled ones excluded, by start.
func (s *Store) Overlapping(room string, from, to time.Time) ([]rooms.Booking, error) {
	var out []rooms.Booking
	err := s.view("overlapping", func(tx *kv.Tx) error {
		bs, err := occupying(tx, room, from, to)
		for _, b := range bs {
			if b.Status.Blocks() {
				out = append(out, b)
			}
		}
		return err
	})
	sortByStart(out)
	return out, err
}

// CountByStatus returns how many bookings are in each status, from counters
// kept in the write transactions (a metrics scrape must not scan the file).
// Every known status is present, with 0 if there are none.
func (s *Store) CountByStatus() (map[rooms.Status]int, error) {
	out := make(map[rooms.Status]int, len(rooms.Statuses))
	for _, st := range rooms.Statuses {
		out[st] = 0
	}
	err := s.view("count", func(tx *kv.Tx) error {
		return tx.Bucket(bucketMeta).Bucket(bucketCounts).ForEach(func(k, v []byte) error {
			if len(v) == 8 {
				out[rooms.Status(k)] = int(binary.BigEndian.Uint64(v))
			}
			return nil
		})
	})
	return out, err
}

// Each calls fn for every booking List would return for q, page by page,
// until fn returns false or an error. No transaction is held while fn
// runs, so fn may write to the store.
func (s *Store) Each(q Query, fn func(rooms.Booking) (more bool, err error)) error {
	if q.Limit == 0 {
		q.Limit = MaxLimit
	}
	for {
		page, err := s.List(q)
		if err != nil {
			return err
		}
		for _, b := range page.Bookings {
			more, err := fn(b)
			if err != nil || !more {
				return err
			}
		}
		if page.Next == "" {
			return nil
		}
		q.After = page.Next
	}
}
