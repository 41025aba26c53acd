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
	// classification (compared case-insensitively); a classification not
	// listed is read for its words (kind.go).
	KindByClassification map[string]rooms.Kind `toml:"kinds" json:"kinds,omitempty"`
	// KindByOrganization overrides the kind per OParl organization id,
	// for the organization no rule gets right.
	KindByOrganization map[string]rooms.Kind `toml:"organization_kinds" json:"organization_kinds,omitempty"`
	// DefaultLength is the length of a meeting that has a start but no
	// usable end (default 2 h): OParl makes end optional, and several
	// vendors send a placeholder instead (times.go); a booking needs one.
	DefaultLength time.Duration `toml:"default_length" json:"default_length,omitempty"`
	// LengthByRoom overrides DefaultLength per Kogge room (a council
	// chamber's sessions run longer than a committee room's).
	LengthByRoom map[string]time.Duration `toml:"room_lengths" json:"room_lengths,omitempty"`
	// Organizer is the organizer of imported bookings (default "OParl").
	Organizer string `toml:"organizer" json:"organizer,omitempty"`
}

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
	for id, k := range m.KindByOrganization {
		if !k.Valid() {
			errs = append(errs, fmt.Errorf("oparl: organization %q: kind %q is not one of %v", id, k, rooms.Kinds))
		}
	}
	if m.DefaultLength < 0 {
		errs = append(errs, errors.New("oparl: default length is negative"))
	}
	for room, d := range m.LengthByRoom {
		if d <= 0 {
			errs = append(errs, fmt.Errorf("oparl: default length of room %q is not positive", room))
		}
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

func (m Mapping) organizer() string {
	if m.Organizer != "" {
		return m.Organizer
	}
	return DefaultOrganizer
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
