package council

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kogge-project/kogge/rooms"
)

// Limits that keep a session's record small.
const (
	MaxMembers   = 200
	MaxItems     = 300
	MaxVotes     = 500
	MaxSpeakers  = 200 // per item
	MaxNameLen   = 100 // characters: member names, item names, questions
	maxNumberLen = 20
	// MaxOptions is the most options a vote has.
	MaxOptions   = 10
	maxOptionLen = 40
)

// DefaultOptions are the answers of a vote unless the chair names others.
var DefaultOptions = []string{"Ja", "Nein", "Enthaltung"}

// Session is one council session's record.
type Session struct {
	Booking string `json:"booking"`
	// Rev counts the stored changes; views carry it so that a reader can
	// drop one older than what it has.
	Rev     uint64   `json:"rev"`
	Quorum  Quorum   `json:"quorum"`
	Members []Member `json:"members"`
	Agenda  []Item   `json:"agenda"`
	// Open is the open item's ID (0: none).
	Open       uint16     `json:"open,omitempty"`
	Attendance []Presence `json:"attendance"`
	Votes      []Vote     `json:"votes"`
	NextMember uint16     `json:"next_member"`
	NextItem   uint16     `json:"next_item"`
	// Seeded: the agenda was taken from the import once; later edits are
	// the secretary's.
	Seeded bool `json:"seeded,omitempty"`

	notes []note // audit lines of the change being made
}

// note is one audit line: action and a detail in words.
type note struct{ action, detail string }

func (s *Session) note(action, format string, args ...any) {
	s.notes = append(s.notes, note{action, fmt.Sprintf(format, args...)})
}

// Member is one of the body's members.
type Member struct {
	ID    uint16 `json:"id"`
	Name  string `json:"name"`
	Group string `json:"group,omitempty"` // faction or party
	// Generation of the personal link; rotating it ends the old link.
	Generation uint32 `json:"generation"`
	// InRoom: marked present in the chamber (secretary or room panel).
	InRoom bool `json:"in_room"`
	// Remote: in the meeting with the personal link right now.
	Remote bool `json:"remote"`
}

// Present is whether the member counts for the quorum.
func (m Member) Present() bool { return m.InRoom || m.Remote }

// Item is one agenda item.
type Item struct {
	ID     uint16 `json:"id"`
	Number string `json:"number"`
	Name   string `json:"name"`
	Public bool   `json:"public"`
	// Spans are the times the item was open (it may be reopened).
	Spans    []Span    `json:"spans,omitempty"`
	Speakers []Speaker `json:"speakers,omitempty"`
}

// Span is one time an item was open; End is zero while it is.
type Span struct {
	Start time.Time `json:"start"`
	End   time.Time `json:"end,omitzero"`
}

// Speaker is one person given the floor on an item.
type Speaker struct {
	Name string    `json:"name"`
	At   time.Time `json:"at"`
}

// Presence is one change of a member's attendance.
type Presence struct {
	At      time.Time `json:"at"`
	Member  uint16    `json:"member"`
	Name    string    `json:"name"`
	Present bool      `json:"present"`
	// How: "room" or "remote" (how the member is present, or how the
	// member was present before leaving).
	How string `json:"how"`
}

// Error is a refusal in words: Code is stable (the problem type, the
// join page's translation key), Message is English.
type Error struct {
	Code    string
	Message string
}

func (e *Error) Error() string { return e.Message }

func refuse(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// New returns an empty session of a booking.
func New(booking string) *Session {
	return &Session{Booking: booking, Quorum: DefaultQuorum, NextMember: 1, NextItem: 1,
		Members: []Member{}, Agenda: []Item{}, Attendance: []Presence{}, Votes: []Vote{}}
}

func cleanText(field, s string, max int) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" || utf8.RuneCountInString(s) > max {
		return "", refuse("invalid-"+field, "The %s must have 1 to %d characters.", field, max)
	}
	if err := rooms.CheckText(s, rooms.OneLine); err != nil {
		return "", refuse("invalid-"+field, "The %s %s.", field, err)
	}
	return s, nil
}

// Member returns a member by ID.
func (s *Session) Member(id uint16) (*Member, error) {
	for i := range s.Members {
		if s.Members[i].ID == id {
			return &s.Members[i], nil
		}
	}
	return nil, refuse("no-such-member", "There is no member number %d.", id)
}

// AddMember adds a member of the body; it gets a personal link.
func (s *Session) AddMember(name, group string) (*Member, error) {
	name, err := cleanText("name", name, MaxNameLen)
	if err != nil {
		return nil, err
	}
	if group = strings.TrimSpace(group); group != "" {
		if group, err = cleanText("group", group, MaxNameLen); err != nil {
			return nil, err
		}
	}
	if len(s.Members) >= MaxMembers {
		return nil, refuse("too-many-members", "A session has at most %d members.", MaxMembers)
	}
	for _, m := range s.Members {
		if strings.EqualFold(m.Name, name) {
			return nil, refuse("member-exists", "%s is a member already.", name)
		}
	}
	s.Members = append(s.Members, Member{ID: s.NextMember, Name: name, Group: group, Generation: 1})
	s.NextMember++
	s.note("council_member_add", "%s", name)
	return &s.Members[len(s.Members)-1], nil
}

// RemoveMember takes a member off the list; a member who voted or was
// present stays in the minutes by name.
func (s *Session) RemoveMember(now time.Time, id uint16) error {
	m, err := s.Member(id)
	if err != nil {
		return err
	}
	if v := s.openVote(); v != nil {
		return refuse("vote-open", "Close the open vote first.")
	}
	s.setPresence(now, m, false, false)
	s.note("council_member_remove", "%s", m.Name)
	s.Members = slices.DeleteFunc(s.Members, func(x Member) bool { return x.ID == id })
	return nil
}

// RotateLink gives a member a new personal link; the old one stops.
func (s *Session) RotateLink(id uint16) error {
	m, err := s.Member(id)
	if err != nil {
		return err
	}
	m.Generation++
	s.note("council_member_link", "%s: new link", m.Name)
	return nil
}

// SetInRoom marks a member present in (or gone from) the chamber.
func (s *Session) SetInRoom(now time.Time, id uint16, in bool) error {
	m, err := s.Member(id)
	if err != nil {
		return err
	}
	s.setPresence(now, m, in, m.Remote)
	return nil
}

// SetRemote records a member's personal link joining or leaving the
// meeting.
func (s *Session) SetRemote(now time.Time, id uint16, joined bool) error {
	m, err := s.Member(id)
	if err != nil {
		return err
	}
	s.setPresence(now, m, m.InRoom, joined)
	return nil
}

// ResetRemote marks every member as not connected: a meeting that opens
// has nobody in it yet (after a restart the stored flags are stale).
func (s *Session) ResetRemote(now time.Time) {
	for i := range s.Members {
		if s.Members[i].Remote {
			s.setPresence(now, &s.Members[i], s.Members[i].InRoom, false)
		}
	}
}

// setPresence changes a member's flags and logs a change of presence.
func (s *Session) setPresence(now time.Time, m *Member, inRoom, remote bool) {
	was := m.Present()
	wasHow := how(*m)
	if m.InRoom == inRoom && m.Remote == remote {
		return
	}
	m.InRoom, m.Remote = inRoom, remote
	if m.Present() == was && how(*m) == wasHow {
		return
	}
	p := Presence{At: now.UTC(), Member: m.ID, Name: m.Name, Present: m.Present(), How: how(*m)}
	if !p.Present {
		p.How = wasHow
	}
	s.Attendance = append(s.Attendance, p)
	word := map[bool]string{true: "present", false: "absent"}[p.Present]
	s.note("council_presence", "%s %s (%s)", m.Name, word, p.How)
}

func how(m Member) string {
	if m.InRoom {
		return "room"
	}
	if m.Remote {
		return "remote"
	}
	return ""
}

// Quorum is the rule for how many members must be present: more than
// (or, with AtLeast, at least) Num/Den of the body's members. The default
// is more than half (the common rule of the municipal codes).
type Quorum struct {
	Num     int  `json:"num"`
	Den     int  `json:"den"`
	AtLeast bool `json:"at_least,omitempty"`
}

// DefaultQuorum: more than half of the members.
var DefaultQuorum = Quorum{Num: 1, Den: 2}

// Vote is one vote on an item.
type Vote struct {
	ID       uint16   `json:"id"`
	Item     uint16   `json:"item"`
	Question string   `json:"question"`
	Options  []string `json:"options"`
	// Secret: no names are recorded; only counts the secretary enters.
	// Not possible while members take part remotely.
	Secret bool      `json:"secret,omitempty"`
	Opened time.Time `json:"opened"`
	Closed time.Time `json:"closed,omitzero"`
	// Ballots are the named votes, one per member (a second replaces the
	// first).
	Ballots []Ballot `json:"ballots"`
	// Hands are counts per option for room members who voted by show of
	// hands (or, in a secret vote, by ballot paper), as the secretary
	// entered them.
	Hands map[string]int `json:"hands,omitempty"`
}

// Ballot is one member's vote.
type Ballot struct {
	Member uint16    `json:"member"`
	Name   string    `json:"name"`
	Option string    `json:"option"`
	At     time.Time `json:"at"`
	Remote bool      `json:"remote"`
}

// Open is whether the vote still takes ballots.
func (v *Vote) Open() bool { return v.Closed.IsZero() }

// Totals counts ballots and hands per option, in the options' order.
func (v *Vote) Totals() []OptionCount {
	out := make([]OptionCount, 0, len(v.Options))
	for _, o := range v.Options {
		n := v.Hands[o]
		for _, b := range v.Ballots {
			if b.Option == o {
				n++
			}
		}
		out = append(out, OptionCount{Option: o, Count: n})
	}
	return out
}

// OptionCount is one option's total.
type OptionCount struct {
	Option string `json:"option"`
	Count  int    `json:"count"`
}

func (s *Session) openVote() *Vote {
	for i := range s.Votes {
		if s.Votes[i].Open() {
			return &s.Votes[i]
		}
	}
	return nil
}

func itoa(n int) string { return strconv.Itoa(n) }
