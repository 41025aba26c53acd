package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/oklog/ulid/v2"

	"github.com/kogge-project/kogge/rooms"
	"github.com/kogge-project/kogge/rooms/store/kv"
)

// Join settings: what a booking's join links need that the booking does
// not hold (signaling/joinlink signs the links from them). They are
// stored as JSON in their own bucket, keyed like the booking: the record
// is small and read once per join and per booking page, never by
// availability, so the binary codec would buy nothing.

// bucketJoinSettings holds booking id (16-byte ULID) -> joinRecord as JSON
// (schema 6). A booking without an entry has the default settings.
var bucketJoinSettings = []byte("join_settings")

// ActionJoinUpdate is the audit action of UpdateJoinSettings.
const ActionJoinUpdate = "join.update"

// ActionMeetingEnd is the audit action of EndMeeting: a host ended the
// meeting for everyone.
const ActionMeetingEnd = "meeting.end"

// Limits that UpdateJoinSettings enforces.
const (
	MaxJoinCandidates = 50
	MaxCandidateLabel = 100 // characters
	maxPINLn          = 10
	// MinGuestPIN is the shortest guest PIN that can be set: with 8
	// digits the guessing odds over the longest meeting stay below 1 %
	// (docs/security.md, Limits). Shorter PINs set before stay valid
	// until changed; signaling/admission paces their guessing slower.
	MinGuestPIN = 8
)

// ErrInvalidJoinSettings is wrapped by UpdateJoinSettings when the
// settings fn left are not storable; the error says what is wrong.
var ErrInvalidJoinSettings = errors.New("invalid join settings")

// JoinCandidate is one interview candidate's link: valid only in its slot.
type JoinCandidate struct {
	ID         uint16 // ≥ 1, never reused within a booking
	Label      string // shown to hosts; personal data, never audited
	Start, End time.Time
	Generation uint32 // the candidate link's generation, ≥ 1
}

// JoinSettings are a booking's join link settings. A link's generation
// only grows: rotating a link increments it, and a token of an older
// generation is refused.
type JoinSettings struct {
	Booking                         string
	HostGeneration, GuestGeneration uint32 // ≥ 1
	GuestPIN                        string // "" or 8–10 ASCII digits (shorter ones set before stay)
	Lobby                           int8   // 0 = the kind's default, 1 = on, -1 = off
	Candidates                      []JoinCandidate
	// NextCandidate is the id the next candidate gets; it only grows, so
	// a removed candidate's link can never open a later candidate's slot.
	NextCandidate uint16
	// EndedAt is when a host ended the meeting for everyone (zero: not
	// ended). It survives restarts: an ended meeting stays ended.
	EndedAt time.Time
}

// defaultJoinSettings are the settings of a booking without a record.
func defaultJoinSettings(bookingID string) JoinSettings {
	return JoinSettings{Booking: bookingID, HostGeneration: 1, GuestGeneration: 1, NextCandidate: 1}
}

// joinRecord is the stored form; short names keep it small, and the
// booking id is the key.
type joinRecord struct {
	Host       uint32            `json:"h"`
	Guest      uint32            `json:"g"`
	PIN        string            `json:"pin,omitempty"`
	Lobby      int8              `json:"lobby,omitempty"`
	Candidates []candidateRecord `json:"c,omitempty"`
	Next       uint16            `json:"n"`
	Ended      int64             `json:"end,omitempty"` // unix seconds
}

type candidateRecord struct {
	ID         uint16    `json:"id"`
	Label      string    `json:"label"`
	Start      time.Time `json:"start"`
	End        time.Time `json:"end"`
	Generation uint32    `json:"gen"`
}

func encodeJoin(js *JoinSettings) ([]byte, error) {
	r := joinRecord{Host: js.HostGeneration, Guest: js.GuestGeneration, PIN: js.GuestPIN, Lobby: js.Lobby, Next: js.NextCandidate}
	if !js.EndedAt.IsZero() {
		r.Ended = js.EndedAt.Unix()
	}
	for _, c := range js.Candidates {
		r.Candidates = append(r.Candidates, candidateRecord{c.ID, c.Label, c.Start.UTC(), c.End.UTC(), c.Generation})
	}
	return json.Marshal(r)
}

func decodeJoin(bookingID string, v []byte) (JoinSettings, error) {
	var r joinRecord
	if err := json.Unmarshal(v, &r); err != nil {
		return JoinSettings{}, fmt.Errorf("decode join settings of %s: %w", bookingID, err)
	}
	js := JoinSettings{Booking: bookingID, HostGeneration: r.Host, GuestGeneration: r.Guest,
		GuestPIN: r.PIN, Lobby: r.Lobby, NextCandidate: r.Next}
	if r.Ended != 0 {
		js.EndedAt = time.Unix(r.Ended, 0).UTC()
	}
	for _, c := range r.Candidates {
		js.Candidates = append(js.Candidates, JoinCandidate{c.ID, c.Label, c.Start.UTC(), c.End.UTC(), c.Generation})
	}
	return js, nil
}

func migrateV5toV6(tx *kv.Tx) error {
	if _, err := tx.CreateBucketIfNotExists(bucketJoinSettings); err != nil {
		return fmt.Errorf("create bucket %s: %w", bucketJoinSettings, err)
	}
	return nil
}

// loadJoin reads the settings of the booking uid (which the caller knows
// to exist), or the defaults.
func loadJoin(tx *kv.Tx, uid ulid.ULID) (JoinSettings, error) {
	v := tx.Bucket(bucketJoinSettings).Get(uid[:])
	if v == nil {
		return defaultJoinSettings(uid.String()), nil
	}
	return decodeJoin(uid.String(), v)
}

// JoinSettings returns the booking's join settings (the defaults if none
// were stored), or an error wrapping rooms.ErrNotFound.
func (s *Store) JoinSettings(bookingID string) (JoinSettings, error) {
	uid, err := parseID(bookingID)
	if err != nil {
		return JoinSettings{}, err
	}
	var js JoinSettings
	err = s.view("join_settings", func(tx *kv.Tx) error {
		if tx.Bucket(bucketBookings).Get(uid[:]) == nil {
			return fmt.Errorf("booking %s: %w", uid, rooms.ErrNotFound)
		}
		js, err = loadJoin(tx, uid)
		return err
	})
	if err != nil {
		return JoinSettings{}, err
	}
	return js, nil
}

// UpdateJoinSettings changes a booking's join settings in one write
// transaction: it reads the booking (an error wrapping rooms.ErrNotFound
// if there is none) and its settings, calls fn, checks the result (errors
// wrap ErrInvalidJoinSettings), stores it and appends an audit entry
// (ActionJoinUpdate, saying what changed but never the PIN or a
// candidate's label). An error from fn aborts and is returned as is. A
// change that changes nothing writes nothing. fn cannot change Booking.
//
// Besides the limits on PIN, labels, slots and count, the check refuses
// any generation going down, NextCandidate going down, a candidate id
// used twice or not below NextCandidate, and a new candidate with an id
// below the old NextCandidate: a link that was rotated away or belonged
// to a removed candidate must never become valid again.
func (s *Store) UpdateJoinSettings(bookingID, actor string, fn func(b rooms.Booking, js *JoinSettings) error) (JoinSettings, error) {
	uid, err := parseID(bookingID)
	if err != nil {
		return JoinSettings{}, err
	}
	now := s.now().UTC()
	auditID, err := s.ids.next(now)
	if err != nil {
		return JoinSettings{}, err
	}
	var out JoinSettings
	err = s.update("join_settings", func(tx *kv.Tx) error {
		b, err := load(tx, uid)
		if err != nil {
			return err
		}
		old, err := loadJoin(tx, uid)
		if err != nil {
			return err
		}
		nj := old
		nj.Candidates = slices.Clone(old.Candidates) // fn may edit in place
		if err := fn(b, &nj); err != nil {
			return err
		}
		nj.Booking, nj.EndedAt = old.Booking, old.EndedAt // EndMeeting's alone
		for i := range nj.Candidates {
			nj.Candidates[i].Start, nj.Candidates[i].End = nj.Candidates[i].Start.UTC(), nj.Candidates[i].End.UTC()
		}
		if len(nj.Candidates) == 0 {
			nj.Candidates = nil
		}
		if err := checkJoin(&old, &nj); err != nil {
			return fmt.Errorf("booking %s: %w", uid, err)
		}
		changes := joinChanges(&old, &nj)
		if len(changes) == 0 {
			out = old
			return nil
		}
		v, err := encodeJoin(&nj)
		if err != nil {
			return err
		}
		if err := tx.Bucket(bucketJoinSettings).Put(uid[:], v); err != nil {
			return err
		}
		out = nj
		return appendAudit(tx, AuditEntry{
			ID: auditID.String(), Time: now, Actor: actor, Action: ActionJoinUpdate,
			BookingID: b.ID, Detail: strings.Join(changes, "; "),
		})
	})
	if err != nil {
		return JoinSettings{}, err
	}
	return out, nil
}

// EndMeeting records, with its audit entry (ActionMeetingEnd), that a
// host ended the booking's meeting for everyone, in one write transaction:
// once this returns, the meeting stays ended across a crash or restart.
// Ending it again keeps the first time (and is still audited).
func (s *Store) EndMeeting(bookingID, actor string) error {
	uid, err := parseID(bookingID)
	if err != nil {
		return err
	}
	now := s.now().UTC()
	auditID, err := s.ids.next(now)
	if err != nil {
		return err
	}
	return s.update("end_meeting", func(tx *kv.Tx) error {
		if _, err := load(tx, uid); err != nil {
			return err
		}
		js, err := loadJoin(tx, uid)
		if err != nil {
			return err
		}
		if js.EndedAt.IsZero() {
			js.EndedAt = now
			v, err := encodeJoin(&js)
			if err != nil {
				return err
			}
			if err := tx.Bucket(bucketJoinSettings).Put(uid[:], v); err != nil {
				return err
			}
		}
		return appendAudit(tx, AuditEntry{ID: auditID.String(), Time: now, Actor: actor, Action: ActionMeetingEnd, BookingID: uid.String()})
	})
}

func invalidJoin(format string, args ...any) error {
	return fmt.Errorf("%s: %w", fmt.Sprintf(format, args...), ErrInvalidJoinSettings)
}

// checkJoin checks nj, the settings that replace old.
func checkJoin(old, nj *JoinSettings) error {
	if !validPIN(nj.GuestPIN, old.GuestPIN) {
		return invalidJoin("the guest PIN must be empty or %d to %d digits", MinGuestPIN, maxPINLn) // not quoted: it is a secret
	}
	if nj.Lobby < -1 || nj.Lobby > 1 {
		return invalidJoin("lobby %d is not -1, 0 or 1", nj.Lobby)
	}
	if nj.HostGeneration < old.HostGeneration || nj.GuestGeneration < old.GuestGeneration {
		return invalidJoin("a link generation went down (host %d→%d, guest %d→%d)",
			old.HostGeneration, nj.HostGeneration, old.GuestGeneration, nj.GuestGeneration)
	}
	if nj.NextCandidate < old.NextCandidate {
		return invalidJoin("the next candidate id went down (%d→%d)", old.NextCandidate, nj.NextCandidate)
	}
	if len(nj.Candidates) > MaxJoinCandidates {
		return invalidJoin("%d candidates, at most %d allowed", len(nj.Candidates), MaxJoinCandidates)
	}
	before := make(map[uint16]JoinCandidate, len(old.Candidates))
	for _, c := range old.Candidates {
		before[c.ID] = c
	}
	seen := make(map[uint16]bool, len(nj.Candidates))
	for _, c := range nj.Candidates {
		switch {
		case c.ID == 0 || c.ID >= nj.NextCandidate:
			return invalidJoin("candidate id %d is not from 1 to %d", c.ID, nj.NextCandidate-1)
		case seen[c.ID]:
			return invalidJoin("candidate id %d appears twice", c.ID)
		case !utf8.ValidString(c.Label):
			return invalidJoin("candidate %d: label is not UTF-8", c.ID)
		case c.Label == "" || utf8.RuneCountInString(c.Label) > MaxCandidateLabel:
			return invalidJoin("candidate %d: the label must have 1 to %d characters", c.ID, MaxCandidateLabel)
		case c.Start.IsZero() || !c.Start.Before(c.End):
			return invalidJoin("candidate %d: the slot must start before it ends", c.ID)
		case c.Generation == 0:
			return invalidJoin("candidate %d: generation 0", c.ID)
		}
		seen[c.ID] = true
		if o, ok := before[c.ID]; ok {
			if c.Generation < o.Generation {
				return invalidJoin("candidate %d: the link generation went down (%d→%d)", c.ID, o.Generation, c.Generation)
			}
		} else if c.ID < old.NextCandidate {
			return invalidJoin("candidate id %d was used before", c.ID)
		}
	}
	if nj.HostGeneration == 0 || nj.GuestGeneration == 0 || nj.NextCandidate == 0 {
		return invalidJoin("generations and the next candidate id start at 1")
	}
	return nil
}

// validPIN: p is empty or 8 to 10 digits, or it is old, the PIN kept
// unchanged (a shorter one set before the minimum rose).
func validPIN(p, old string) bool {
	if p == "" || p == old {
		return true
	}
	if len(p) < MinGuestPIN || len(p) > maxPINLn {
		return false
	}
	for i := 0; i < len(p); i++ {
		if p[i] < '0' || p[i] > '9' {
			return false
		}
	}
	return true
}

// joinChanges describes what changed from a to b, for the audit log. It
// never includes the PIN or a candidate's label (a name, personal data).
func joinChanges(a, b *JoinSettings) []string {
	var out []string
	if b.HostGeneration != a.HostGeneration {
		out = append(out, "host link rotated")
	}
	if b.GuestGeneration != a.GuestGeneration {
		out = append(out, "guest link rotated")
	}
	switch {
	case a.GuestPIN == b.GuestPIN:
	case a.GuestPIN == "":
		out = append(out, "pin set")
	case b.GuestPIN == "":
		out = append(out, "pin removed")
	default:
		out = append(out, "pin changed")
	}
	if a.Lobby != b.Lobby {
		out = append(out, "lobby "+lobbyText(b.Lobby))
	}
	before := make(map[uint16]JoinCandidate, len(a.Candidates))
	for _, c := range a.Candidates {
		before[c.ID] = c
	}
	for _, c := range b.Candidates {
		o, ok := before[c.ID]
		delete(before, c.ID)
		id := strconv.Itoa(int(c.ID))
		switch {
		case !ok:
			out = append(out, "candidate "+id+" added")
			continue
		case o.Generation != c.Generation:
			out = append(out, "candidate "+id+" link rotated")
		}
		if o.Label != c.Label {
			out = append(out, "candidate "+id+" label changed")
		}
		if !o.Start.Equal(c.Start) || !o.End.Equal(c.End) {
			out = append(out, "candidate "+id+" slot "+timeText(c.Start)+"–"+timeText(c.End))
		}
	}
	removed := make([]uint16, 0, len(before))
	for id := range before {
		removed = append(removed, id)
	}
	slices.Sort(removed)
	for _, id := range removed {
		out = append(out, "candidate "+strconv.Itoa(int(id))+" removed")
	}
	if a.NextCandidate != b.NextCandidate && len(out) == 0 {
		out = append(out, "next candidate id "+strconv.Itoa(int(b.NextCandidate)))
	}
	if slotsOf(a) != slotsOf(b) && len(out) == 0 {
		out = append(out, "candidates reordered")
	}
	return out
}

// slotsOf is the candidates' ids in order, as text.
func slotsOf(js *JoinSettings) string {
	var sb strings.Builder
	for _, c := range js.Candidates {
		sb.WriteString(strconv.Itoa(int(c.ID)))
		sb.WriteByte(',')
	}
	return sb.String()
}

func lobbyText(l int8) string {
	switch l {
	case 1:
		return "on"
	case -1:
		return "off"
	}
	return "default"
}
