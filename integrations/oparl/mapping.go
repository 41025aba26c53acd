package oparl

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/kogge-project/kogge/rooms"
)

// LocationRule maps OParl locations to a Kogge room. OParl has no room
// object, only text (description, room, streetAddress), and every vendor
// fills it differently, so rules match text.
type LocationRule struct {
	// Match is a case-insensitive substring of the location's description,
	// room or street address.
	Match string `toml:"match" json:"match"`
	// Room is the Kogge room id.
	Room string `toml:"room" json:"room"`
}

// Mapping is the configuration of an import.
type Mapping struct {
	// Body is the body's AGS or OParl id.
	Body string `toml:"body" json:"body"`
	// Organizations are the OParl ids of the organizations whose meetings
	// to import; empty imports all.
	Organizations []string `toml:"organizations" json:"organizations,omitempty"`
	// Locations are tried in order; the first match wins.
	Locations []LocationRule `toml:"locations" json:"locations"`
	// KindByClassification gives the booking kind per organization
	// classification (compared case-insensitively). Nil means
	// DefaultKinds; a classification not listed gets KindCommittee.
	KindByClassification map[string]rooms.Kind `toml:"kinds" json:"kinds,omitempty"`
	// DefaultLength is the length of a meeting that has a start but no end
	// (default 2 h): OParl makes end optional, a booking needs one.
	DefaultLength time.Duration `toml:"default_length" json:"default_length,omitempty"`
	// Organizer is the organizer of imported bookings (default "OParl").
	Organizer string `toml:"organizer" json:"organizer,omitempty"`
}

// DefaultKinds is the classification mapping when the configuration gives none.
var DefaultKinds = map[string]rooms.Kind{"Parlament": rooms.KindCouncil, "Ausschuss": rooms.KindCommittee}

// Defaults for Mapping.
const (
	DefaultMeetingLength = 2 * time.Hour
	DefaultOrganizer     = "OParl"
)

// Check reports what is wrong with the mapping, all at once, so that a
// configuration error surfaces at load time rather than as a silent
// "everything unmapped".
func (m Mapping) Check() error {
	var errs []error
	if strings.TrimSpace(m.Body) == "" {
		errs = append(errs, errors.New("oparl: body (AGS or id) is required"))
	}
	if len(m.Locations) == 0 {
		errs = append(errs, errors.New("oparl: no location rules: every meeting would be unmapped"))
	}
	for i, r := range m.Locations {
		if strings.TrimSpace(r.Match) == "" {
			errs = append(errs, fmt.Errorf("oparl: location rule %d: match is empty (it would match every location)", i+1))
		}
		if r.Room == "" {
			errs = append(errs, fmt.Errorf("oparl: location rule %d (%q): room is empty", i+1, r.Match))
		}
	}
	for c, k := range m.KindByClassification {
		if !k.Valid() {
			errs = append(errs, fmt.Errorf("oparl: classification %q: kind %q is not one of %v", c, k, rooms.Kinds))
		}
	}
	if m.DefaultLength < 0 {
		errs = append(errs, errors.New("oparl: default length is negative"))
	}
	return errors.Join(errs...)
}

// RoomFor returns the room of the first rule that matches l.
func (m Mapping) RoomFor(l *Location) (string, bool) {
	if l == nil {
		return "", false
	}
	fields := []string{strings.ToLower(l.Description), strings.ToLower(l.Room), strings.ToLower(l.StreetAddress)}
	for _, r := range m.Locations {
		match := strings.ToLower(strings.TrimSpace(r.Match))
		if match == "" {
			continue
		}
		for _, f := range fields {
			if strings.Contains(f, match) {
				return r.Room, true
			}
		}
	}
	return "", false
}

// follows returns the first of the meeting's organizations the mapping
// follows, "" for a meeting without any when all are followed.
func (m Mapping) follows(mt Meeting) (string, bool) {
	if len(m.Organizations) == 0 {
		if len(mt.Organizations) > 0 {
			return mt.Organizations[0], true
		}
		return "", true
	}
	for _, id := range mt.Organizations {
		for _, want := range m.Organizations {
			if id == want {
				return id, true
			}
		}
	}
	return "", false
}

// kind maps a classification to a booking kind.
func (m Mapping) kind(classification string) rooms.Kind {
	kinds := m.KindByClassification
	if kinds == nil {
		kinds = DefaultKinds
	}
	c := strings.TrimSpace(classification)
	for k, v := range kinds {
		if strings.EqualFold(k, c) {
			return v
		}
	}
	return rooms.KindCommittee
}

func (m Mapping) organizer() string {
	if m.Organizer != "" {
		return m.Organizer
	}
	return DefaultOrganizer
}

// times gives the booking's start and end for a meeting: whole minutes
// (Kogge books in minutes; the start rounds down, the end up, so the
// booking covers the meeting), a day for a date-only meeting without an
// end, DefaultLength for any other meeting without one.
func (m Mapping) times(mt Meeting, zone *time.Location) (start, end time.Time, err error) {
	if mt.Start.IsZero() {
		return time.Time{}, time.Time{}, errors.New("it has no start time")
	}
	start, end = mt.Start, mt.End
	if end.IsZero() {
		switch {
		case mt.StartDateOnly:
			end = nextMidnight(start, zone)
		case m.DefaultLength > 0:
			end = start.Add(m.DefaultLength)
		default:
			end = start.Add(DefaultMeetingLength)
		}
	}
	start = start.Truncate(time.Minute)
	if t := end.Truncate(time.Minute); !t.Equal(end) {
		end = t.Add(time.Minute)
	}
	if !end.After(start) {
		return time.Time{}, time.Time{}, fmt.Errorf("it ends (%s) before it starts (%s)",
			end.In(zone).Format("02.01.2006 15:04"), start.In(zone).Format("02.01.2006 15:04"))
	}
	return start.UTC(), end.UTC(), nil
}

// DemoMapping maps DemoData to the daemon's demo rooms; it follows the
// council and both committees but not the caucus.
func DemoMapping(base string) Mapping {
	org := func(key string) string { return base + "/oparl/v1/organization/" + key }
	return Mapping{
		Body:          DemoAGS,
		Organizations: []string{org(DemoRat), org(DemoBau), org(DemoHFA)},
		Locations: []LocationRule{
			{Match: "Ratssaal", Room: "ratssaal"},
			{Match: "Sitzungszimmer 2", Room: "sitzungszimmer-2"},
		},
	}
}
