package store

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/kogge-project/kogge/rooms"
	"github.com/kogge-project/kogge/rooms/store/kv"
	"github.com/oklog/ulid/v2"
)

// Change is one field's value before and after an edit, as short text.
type Change struct {
	Before string `json:"before"`
	After  string `json:"after"`
}

// AuditEntry is one line of the append-only audit log: who did what, when.
// Entries are never edited; Purge deletes them when their retention ends.
type AuditEntry struct {
	ID        string            `json:"id"`
	Time      time.Time         `json:"time"`
	Actor     string            `json:"actor"`
	Action    string            `json:"action"`
	BookingID string            `json:"booking_id,omitempty"`
	Changes   map[string]Change `json:"changes,omitempty"`
	Detail    string            `json:"detail,omitempty"`
}

// AppendAudit records an event that is not a booking change (a login, a
// user change). It fills ID and Time if they are empty.
func (s *Store) AppendAudit(e AuditEntry) error {
	if e.Time.IsZero() {
		e.Time = s.now()
	}
	e.Time = e.Time.UTC()
	if e.ID == "" {
		id, err := s.ids.next(e.Time)
		if err != nil {
			return err
		}
		e.ID = id.String()
	}
	return s.update("append_audit", func(tx *kv.Tx) error { return appendAudit(tx, e) })
}

// Audit returns the entries about one booking, oldest first.
func (s *Store) Audit(bookingID string) ([]AuditEntry, error) {
	var out []AuditEntry
	err := s.view("audit", func(tx *kv.Tx) error {
		prefix := append([]byte(bookingID), 0)
		log := tx.Bucket(bucketAudit)
		c := tx.Bucket(bucketAuditByBooking).Cursor()
		for k, _ := c.Seek(prefix); k != nil && len(k) == len(prefix)+idLen && string(k[:len(prefix)]) == string(prefix); k, _ = c.Next() {
			v := log.Get(k[len(prefix):])
			if v == nil {
				return fmt.Errorf("audit index entry %x has no entry", k)
			}
			var e AuditEntry
			if err := json.Unmarshal(v, &e); err != nil {
				return fmt.Errorf("decode audit entry: %w", err)
			}
			out = append(out, e)
		}
		return nil
	})
	return out, err
}

// appendAudit writes e (whose ID is a ULID string) and indexes it by booking.
func appendAudit(tx *kv.Tx, e AuditEntry) error {
	id, err := ulid.ParseStrict(e.ID)
	if err != nil {
		return fmt.Errorf("audit entry id %q: %w", e.ID, err)
	}
	v, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("encode audit entry: %w", err)
	}
	if err := appendBucket(tx, bucketAudit).Put(id[:], v); err != nil {
		return err
	}
	recordAudit(tx, e)
	if e.BookingID == "" {
		return nil
	}
	k := append(append([]byte(e.BookingID), 0), id[:]...)
	return tx.Bucket(bucketAuditByBooking).Put(k, nil)
}

// maxChangeLen bounds each before/after text: the log says what changed,
// it is not a second copy of the notes.
const maxChangeLen = 80

// notRecorded stands in the audit for content that changed but is not kept
// there: the audit outlives bookings, and docs/security.md §4 keeps meeting
// content out of it.
const notRecorded = "(not recorded)"

// diff lists the fields that differ between a and b, by their JSON names.
// Notes are never recorded, and neither are the titles and names of
// confidential bookings (interviews): only that they changed.
func diff(a, b *rooms.Booking) map[string]Change {
	m := map[string]Change{}
	add := func(field, before, after string) {
		if before != after {
			m[field] = Change{Before: short(before), After: short(after)}
		}
	}
	content := func(field, before, after string, hidden bool) {
		if before != after && hidden {
			m[field] = Change{Before: notRecorded, After: notRecorded}
			return
		}
		add(field, before, after)
	}
	confidential := a.Confidential || b.Confidential
	add("room", a.Room, b.Room)
	content("title", a.Title, b.Title, confidential)
	add("kind", string(a.Kind), string(b.Kind))
	content("organizer", a.Organizer, b.Organizer, confidential)
	content("committee", a.Committee, b.Committee, confidential)
	add("start", timeText(a.Start), timeText(b.Start))
	add("end", timeText(a.End), timeText(b.End))
	add("setup", durationText(a.Setup), durationText(b.Setup))
	add("teardown", durationText(a.Teardown), durationText(b.Teardown))
	add("status", string(a.Status), string(b.Status))
	add("hybrid.enabled", strconv.FormatBool(a.Hybrid.Enabled), strconv.FormatBool(b.Hybrid.Enabled))
	add("hybrid.expected_remote", strconv.Itoa(a.Hybrid.ExpectedRemote), strconv.Itoa(b.Hybrid.ExpectedRemote))
	add("confidential", strconv.FormatBool(a.Confidential), strconv.FormatBool(b.Confidential))
	content("notes", a.Notes, b.Notes, true)
	content("contact", a.Contact, b.Contact, true) // personal data: only that it changed
	add("series_id", a.SeriesID, b.SeriesID)
	add("exception", strconv.FormatBool(a.Exception), strconv.FormatBool(b.Exception))
	add("checkin_required", strconv.FormatBool(a.CheckinRequired), strconv.FormatBool(b.CheckinRequired))
	add("checked_in", timeText(a.CheckedIn), timeText(b.CheckedIn))
	add("external", a.External, b.External) // set on create only: says what was imported
	return m
}

func timeText(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

func durationText(d time.Duration) string {
	if d == 0 {
		return ""
	}
	return d.String()
}

func short(s string) string {
	if utf8.RuneCountInString(s) <= maxChangeLen {
		return s
	}
	r := []rune(s)
	return string(r[:maxChangeLen-1]) + "…"
}
