package oparl

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
)

// The wire types below are deliberately lenient: OParl servers in the field
// send numbers where the spec says string ("number": 3), strings where it
// says boolean ("cancelled": "true"), null for absent values, and embed
// objects the spec references by URL (or the reverse). Unknown fields are
// ignored by encoding/json, which is what the spec asks of clients.

// flexString accepts a JSON string, number or boolean as text; null is "".
type flexString string

func (s *flexString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0 || string(b) == "null":
		*s = ""
	case b[0] == '"':
		var v string
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*s = flexString(v)
	case b[0] == '{' || b[0] == '[':
		return fmt.Errorf("expected text, got %s", kindOf(b))
	default: // number or boolean: keep the literal
		*s = flexString(b)
	}
	return nil
}

// flexBool accepts true/false, "true"/"false"/"1"/"0"/"" and 1/0; null is false.
type flexBool bool

func (v *flexBool) UnmarshalJSON(b []byte) error {
	var s flexString
	if err := s.UnmarshalJSON(b); err != nil {
		return err
	}
	switch strings.ToLower(strings.TrimSpace(string(s))) {
	case "true", "1", "yes", "ja":
		*v = true
	case "false", "0", "no", "nein", "":
		*v = false
	default:
		return fmt.Errorf("expected a boolean, got %q", string(s))
	}
	return nil
}

func kindOf(b []byte) string {
	if len(b) > 0 && b[0] == '{' {
		return "an object"
	}
	return "a list"
}

type wireSystem struct {
	ID           flexString `json:"id"`
	Name         flexString `json:"name"`
	OParlVersion flexString `json:"oparlVersion"`
	Body         flexString `json:"body"`
}

type wireBody struct {
	ID           flexString `json:"id"`
	Name         flexString `json:"name"`
	ShortName    flexString `json:"shortName"`
	AGS          flexString `json:"ags"`
	Organization flexString `json:"organization"`
	Meeting      flexString `json:"meeting"`
}

type wireOrganization struct {
	ID             flexString `json:"id"`
	Name           flexString `json:"name"`
	ShortName      flexString `json:"shortName"`
	Classification flexString `json:"classification"`
	Type           flexString `json:"organizationType"`
	Deleted        flexBool   `json:"deleted"`
}

func (w wireOrganization) model() Organization {
	return Organization{ID: string(w.ID), Name: string(w.Name), ShortName: string(w.ShortName),
		Classification: string(w.Classification), Type: string(w.Type), Deleted: bool(w.Deleted)}
}

type wireLocation struct {
	ID            flexString `json:"id"`
	Description   flexString `json:"description"`
	StreetAddress flexString `json:"streetAddress"`
	Room          flexString `json:"room"`
	PostalCode    flexString `json:"postalCode"`
	Locality      flexString `json:"locality"`
}

func (w wireLocation) model() Location {
	return Location{ID: string(w.ID), Description: string(w.Description), StreetAddress: string(w.StreetAddress),
		Room: string(w.Room), PostalCode: string(w.PostalCode), Locality: string(w.Locality)}
}

type wireAgendaItem struct {
	Number  flexString `json:"number"`
	Name    flexString `json:"name"`
	Public  flexBool   `json:"public"`
	Start   flexString `json:"start"`
	End     flexString `json:"end"`
	Deleted flexBool   `json:"deleted"`
}

type wireMeeting struct {
	ID           flexString      `json:"id"`
	Type         flexString      `json:"type"`
	Name         flexString      `json:"name"`
	Start        flexString      `json:"start"`
	End          flexString      `json:"end"`
	Location     json.RawMessage `json:"location"`
	Organization json.RawMessage `json:"organization"`
	Cancelled    flexBool        `json:"cancelled"`
	AgendaItem   json.RawMessage `json:"agendaItem"`
	Modified     flexString      `json:"modified"`
	Deleted      flexBool        `json:"deleted"`
	Web          flexString      `json:"web"`
}

// wireList is one page of an OParl list.
type wireList struct {
	Data  []json.RawMessage `json:"data"`
	Links struct {
		Next flexString `json:"next"`
	} `json:"links"`
}

// decodeList reads a list page. A bare JSON array (a quirk of some
// servers) is a single page without links.
func decodeList(b []byte) (wireList, error) {
	var l wireList
	t := bytes.TrimSpace(b)
	if len(t) > 0 && t[0] == '[' {
		err := json.Unmarshal(t, &l.Data)
		return l, err
	}
	err := json.Unmarshal(t, &l)
	return l, err
}

// DecodeMeeting reads one OParl Meeting. Times without an offset are read
// in zone (nil: Europe/Berlin). It fails only on what makes the meeting
// unusable: no id, or a start or end that is not a time; everything else a
// vendor gets wrong is tolerated or dropped.
func DecodeMeeting(data []byte, zone *time.Location) (Meeting, error) {
	if zone == nil {
		zone = berlin()
	}
	var w wireMeeting
	if err := json.Unmarshal(data, &w); err != nil {
		return Meeting{}, fmt.Errorf("meeting: %w", err)
	}
	m := Meeting{ID: strings.TrimSpace(string(w.ID)), Name: strings.TrimSpace(string(w.Name)),
		Cancelled: bool(w.Cancelled), Deleted: bool(w.Deleted), Web: string(w.Web)}
	if m.ID == "" {
		return Meeting{}, errors.New("meeting without id")
	}
	if t := string(w.Type); t != "" && !strings.HasSuffix(t, "/Meeting") && !strings.EqualFold(t, "Meeting") {
		return Meeting{}, fmt.Errorf("meeting %s: type %q is not a Meeting", m.ID, t)
	}
	// A tombstone's other fields are not trustworthy (some servers blank
	// them, some keep stale values); only the time of deletion matters.
	m.Modified, _, _ = parseTime(string(w.Modified), zone)
	if m.Deleted {
		return m, nil
	}
	var err error
	if m.Start, m.StartDateOnly, err = parseTime(string(w.Start), zone); err != nil {
		return Meeting{}, fmt.Errorf("meeting %s: start: %w", m.ID, err)
	}
	if m.End, m.EndDateOnly, err = parseTime(string(w.End), zone); err != nil {
		return Meeting{}, fmt.Errorf("meeting %s: end: %w", m.ID, err)
	}
	if m.EndDateOnly { // "end": "2026-12-01" means until that day is over
		m.End = nextMidnight(m.End, zone)
	}
	m.Location, m.LocationRef = decodeLocation(w.Location)
	m.Organizations, m.Embedded = decodeOrganizations(w.Organization)
	m.Agenda = decodeAgenda(w.AgendaItem, zone)
	return m, nil
}

// decodeLocation takes an embedded Location, a URL, or (a quirk) a list
// holding either; anything else counts as no location.
func decodeLocation(raw json.RawMessage) (*Location, string) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return nil, ""
	}
	switch raw[0] {
	case '"':
		var s string
		if json.Unmarshal(raw, &s) == nil && strings.TrimSpace(s) != "" {
			return nil, strings.TrimSpace(s)
		}
	case '{':
		var w wireLocation
		if json.Unmarshal(raw, &w) == nil {
			l := w.model()
			return &l, ""
		}
	case '[':
		var list []json.RawMessage
		// Only one level deep: a list of lists is garbage, not a location.
		if json.Unmarshal(raw, &list) == nil && len(list) > 0 && !bytes.HasPrefix(bytes.TrimSpace(list[0]), []byte("[")) {
			return decodeLocation(list[0])
		}
	}
	return nil, ""
}

// decodeOrganizations takes the spec's list of URLs, embedded objects, a
// mix, or a single URL.
func decodeOrganizations(raw json.RawMessage) (ids []string, embedded []Organization) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return nil, nil
	}
	var list []json.RawMessage
	if raw[0] == '[' {
		if json.Unmarshal(raw, &list) != nil {
			return nil, nil
		}
	} else {
		list = []json.RawMessage{raw}
	}
	for _, item := range list {
		item = bytes.TrimSpace(item)
		if len(item) == 0 {
			continue
		}
		switch item[0] {
		case '"':
			var s string
			if json.Unmarshal(item, &s) == nil && strings.TrimSpace(s) != "" {
				ids = append(ids, strings.TrimSpace(s))
			}
		case '{':
			var w wireOrganization
			if json.Unmarshal(item, &w) == nil && w.ID != "" {
				ids = append(ids, string(w.ID))
				embedded = append(embedded, w.model())
			}
		}
	}
	return ids, embedded
}

// decodeAgenda keeps the embedded agenda items. A URL instead of a list
// (some 1.0 servers) yields none: agenda items are an extra, not worth a
// request per meeting.
func decodeAgenda(raw json.RawMessage, zone *time.Location) []AgendaItem {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] != '[' {
		return nil
	}
	var list []json.RawMessage
	if json.Unmarshal(raw, &list) != nil {
		return nil
	}
	var items []AgendaItem
	for _, r := range list {
		var w wireAgendaItem
		if json.Unmarshal(r, &w) != nil || w.Deleted {
			continue // one broken item must not cost the meeting
		}
		it := AgendaItem{Number: strings.TrimSpace(string(w.Number)), Name: strings.TrimSpace(string(w.Name)), Public: bool(w.Public)}
		it.Start, _, _ = parseTime(string(w.Start), zone)
		it.End, _, _ = parseTime(string(w.End), zone)
		items = append(items, it)
	}
	return items
}

// Layouts with an offset; fractional seconds are accepted by Parse even
// where the layout has none.
var offsetLayouts = []string{
	"2006-01-02T15:04:05Z07:00",
	"2006-01-02T15:04:05Z0700",
	"2006-01-02T15:04:05Z07",
	"2006-01-02T15:04Z07:00",
	"2006-01-02T15:04Z0700",
}

// Layouts without an offset: local wall-clock time in the body's zone.
var localLayouts = []string{
	"2006-01-02T15:04:05",
	"2006-01-02T15:04",
}

const dateLayout = "2006-01-02"

// parseTime reads an OParl date or date-time. "" is the zero time. A value
// without an offset is wall-clock time in zone; a date alone is local
// midnight and reported as dateOnly.
func parseTime(s string, zone *time.Location) (t time.Time, dateOnly bool, err error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, false, nil
	}
	if len(s) > 10 && s[10] == ' ' { // "2026-12-01 18:00:00": a common SQL-ism
		s = s[:10] + "T" + s[11:]
	}
	if len(s) == len(dateLayout) {
		t, err := time.ParseInLocation(dateLayout, s, zone)
		if err != nil {
			return time.Time{}, false, fmt.Errorf("%q is not a date", s)
		}
		return t, true, nil
	}
	for _, l := range offsetLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t, false, nil
		}
	}
	for _, l := range localLayouts {
		if t, err := time.ParseInLocation(l, s, zone); err == nil {
			return t, false, nil
		}
	}
	return time.Time{}, false, fmt.Errorf("%q is not a date-time", s)
}

// nextMidnight is local midnight after the day containing t. AddDate on the
// local date keeps it right across DST changes (days of 23 or 25 hours).
func nextMidnight(t time.Time, zone *time.Location) time.Time {
	y, m, d := t.In(zone).Date()
	return time.Date(y, m, d+1, 0, 0, 0, 0, zone)
}

// berlin is the zone of German council information systems, for
// DecodeMeeting callers that pass none. Without tzdata it falls back to UTC
// rather than failing every decode; NewClient reports the missing zone.
var berlin = sync.OnceValue(func() *time.Location {
	if l, err := time.LoadLocation("Europe/Berlin"); err == nil {
		return l
	}
	return time.UTC
})
