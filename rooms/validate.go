package rooms

import (
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"
)

// Problem codes: stable identifiers the API turns into problem types.
const (
	CodeInvalidField  = "invalid-field"
	CodeUnknownRoom   = "unknown-room"
	CodeEndNotAfter   = "end-not-after-start"
	CodeTooLong       = "too-long"
	CodeOutsideHours  = "outside-bookable-hours"
	CodeInPast        = "in-the-past"
	CodeMisalignedMin = "not-whole-minutes"
	CodeTooFarAhead   = "too-far-ahead"
)

// FieldProblem is one thing wrong with a booking, in words a secretary
// understands.
type FieldProblem struct {
	Field   string `json:"field"`
	Code    string `json:"code"`
	Message string `json:"detail"` // English
	// Key and Args let the API say Message in the reader's language: Key
	// names a text of its catalogue (daemon/problems), Args its values
	// (times already in the room's zone; "field" is a field's name).
	Key  string         `json:"-"`
	Args map[string]any `json:"-"`
}

// ValidationError lists everything wrong with a booking at once.
type ValidationError struct {
	Problems []FieldProblem
}

func (e *ValidationError) Error() string {
	msgs := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		msgs[i] = p.Field + ": " + p.Message
	}
	return strings.Join(msgs, "; ")
}

// add records a problem: key and args for the catalogue, format and
// fargs for the English Message.
func (e *ValidationError) add(field, code, key string, args map[string]any, format string, fargs ...any) {
	e.Problems = append(e.Problems, FieldProblem{Field: field, Code: code, Message: fmt.Sprintf(format, fargs...), Key: key, Args: args})
}

// vals is shorthand for a problem's values.
type vals = map[string]any

// Err returns e if it holds problems, nil otherwise.
func (e *ValidationError) Err() error {
	if len(e.Problems) == 0 {
		return nil
	}
	return e
}

// UnknownRoom is the error for a booking that names a room Kogge does not know.
func UnknownRoom(id string) error {
	e := &ValidationError{}
	if id == "" {
		e.add("room", CodeUnknownRoom, "unknown-room.none", nil, "Choose a room: there is no room given.")
		return e
	}
	e.add("room", CodeUnknownRoom, "unknown-room", vals{"room": id}, "There is no room %q.", id)
	return e
}

// Validate checks a booking against its room's rules. now is the current
// time: new bookings and moves may not start in the past. checkPast is false
// for edits that leave the times alone (a running meeting's notes may change).
func Validate(b *Booking, room Room, now time.Time, checkPast bool) error {
	e := &ValidationError{}
	checkText(e, "title", b.Title, MaxTitleLen, true, OneLine)
	checkText(e, "organizer", b.Organizer, MaxOrganizerLen, true, OneLine)
	checkText(e, "committee", b.Committee, MaxCommitteeLen, false, OneLine)
	checkText(e, "notes", b.Notes, MaxNotesLen, false, MultiLine)
	if b.Contact != "" {
		if a, err := mail.ParseAddress(b.Contact); err != nil || len(b.Contact) > 254 || a.Address != b.Contact {
			e.add("contact", CodeInvalidField, "field.contact", vals{"value": b.Contact}, "The contact must be a plain mail address like anna.schmidt@stadt.example, not %q.", b.Contact)
		}
	}
	if !b.Kind.Valid() {
		e.add("kind", CodeInvalidField, "field.kind", vals{"value": string(b.Kind)}, "Kind must be one of council, committee, interview or meeting, not %q.", b.Kind)
	}
	if !b.Status.Valid() {
		e.add("status", CodeInvalidField, "field.status", vals{"value": string(b.Status)}, "Status must be tentative, confirmed or cancelled, not %q.", b.Status)
	}
	for _, buf := range []struct {
		field string
		d     time.Duration
	}{{"setup_minutes", b.Setup}, {"teardown_minutes", b.Teardown}} {
		if buf.d < 0 || buf.d > MaxBuffer {
			e.add(buf.field, CodeInvalidField, "field.buffer", vals{"field": strings.TrimSuffix(buf.field, "_minutes"), "max": MaxBuffer}, "%s must be between 0 and %s.", capitalise(strings.TrimSuffix(buf.field, "_minutes")), fmtDuration(MaxBuffer))
		}
	}
	if b.Hybrid.ExpectedRemote < 0 || b.Hybrid.ExpectedRemote > MaxRemote {
		e.add("hybrid.expected_remote", CodeInvalidField, "field.remote", vals{"max": MaxRemote}, "Expected remote participants must be between 0 and %d.", MaxRemote)
	}
	switch {
	case b.Start.IsZero() && b.End.IsZero():
		e.add("start", CodeInvalidField, "field.times-required", nil, "Start and end are required.")
		return e.Err()
	case b.Start.IsZero():
		e.add("start", CodeInvalidField, "field.start-required", nil, "The start is required.")
		return e.Err()
	case b.End.IsZero():
		e.add("end", CodeInvalidField, "field.end-required", nil, "The end is required.")
		return e.Err()
	}
	if b.Start.Truncate(time.Minute) != b.Start || b.End.Truncate(time.Minute) != b.End {
		e.add("start", CodeMisalignedMin, "not-whole-minutes", nil, "Start and end must be whole minutes.")
	}
	if b.Start.Year() < MinYear || b.End.Year() > MaxYear {
		e.add("start", CodeInvalidField, "field.years", vals{"min": MinYear, "max": MaxYear}, "Bookings must lie between the years %d and %d.", MinYear, MaxYear)
		return e.Err()
	}
	if !b.End.After(b.Start) {
		e.add("end", CodeEndNotAfter, "end-not-after-start", nil, "The meeting must end after it starts.")
		return e.Err()
	}
	if checkPast && b.Start.Before(now.Truncate(time.Minute)) {
		e.add("start", CodeInPast, "in-the-past", vals{"at": b.Start.In(zoneOf(room))}, "The meeting would start in the past (%s).", b.Start.In(zoneOf(room)).Format("02.01.2006 15:04"))
	}
	if checkPast && b.Start.After(now.Add(MaxHorizon)) {
		e.add("start", CodeTooFarAhead, "too-far-ahead", vals{"years": int(MaxHorizon.Hours() / 24 / 365)}, "Rooms can be booked at most %d years ahead.", int(MaxHorizon.Hours()/24/365))
	}
	if room.MaxLength > 0 && b.End.Sub(b.Start) > room.MaxLength {
		e.add("end", CodeTooLong, "too-long", vals{"room": room.Name, "max": room.MaxLength, "length": b.End.Sub(b.Start)}, "%s can be booked for at most %s at a time; this booking lasts %s.",
			room.Name, fmtDuration(room.MaxLength), fmtDuration(b.End.Sub(b.Start)))
	}
	if !WithinHours(b.Start, b.End, room) {
		e.add("start", CodeOutsideHours, "outside-bookable-hours", hoursArgs(room), "%s can only be booked %s.", room.Name, room.Hours.Describe())
	}
	return e.Err()
}

// WithinHours reports whether [start, end) lies inside one bookable local day.
func WithinHours(start, end time.Time, room Room) bool {
	if room.Hours.Unlimited() {
		return true
	}
	from, until, open := room.Hours.Window(start, zoneOf(room))
	return open && !start.Before(from) && !end.After(until)
}

// checkText applies the one text policy (CheckText) and the field's
// length.
func checkText(e *ValidationError, field, value string, max int, required bool, rule TextRule) {
	err := CheckText(value, rule)
	switch {
	case required && strings.TrimSpace(value) == "":
		e.add(field, CodeInvalidField, "field.required", vals{"field": field}, "%s is required.", capitalise(field))
	case errors.Is(err, ErrTextControl):
		e.add(field, CodeInvalidField, "field.control-text", vals{"field": field}, "%s has control characters (such as a line break or a null character).", capitalise(field))
	case errors.Is(err, ErrTextBidi):
		e.add(field, CodeInvalidField, "field.bidi-text", vals{"field": field}, "%s has characters that reverse the direction of writing, which can make it display as something else.", capitalise(field))
	case err != nil:
		e.add(field, CodeInvalidField, "field.invalid-text", vals{"field": field}, "%s is not valid text.", capitalise(field))
	case utf8.RuneCountInString(value) > max:
		e.add(field, CodeInvalidField, "field.too-long-text", vals{"field": field, "max": max}, "%s is longer than %d characters.", capitalise(field), max)
	}
}

func capitalise(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func zoneOf(r Room) *time.Location {
	if r.Zone == nil {
		return time.UTC
	}
	return r.Zone
}

// HoursArgs are the values that say a room's bookable hours (an
// outside-bookable-hours problem, the room's description): its name, its
// days and its local opening and closing times.
func (room Room) HoursArgs() map[string]any { return hoursArgs(room) }

func hoursArgs(room Room) map[string]any {
	var days []time.Weekday
	for d := range 7 {
		if room.Hours.Days[d] {
			days = append(days, time.Weekday(d))
		}
	}
	return vals{"room": room.Name, "days": days, "from": clock(room.Hours.From), "until": clock(room.Hours.Until)}
}

var weekdayNames = [7]string{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"}

// Describe says the hours in words, e.g. "on Mon, Tue between 07:00 and 22:00".
func (h Hours) Describe() string {
	if h.Unlimited() {
		return "at any time"
	}
	var days []string
	for i := 1; i <= 7; i++ { // Monday first, as in Germany
		if h.Days[i%7] {
			days = append(days, weekdayNames[i%7])
		}
	}
	return fmt.Sprintf("on %s between %s and %s", strings.Join(days, ", "), clock(h.From), clock(h.Until))
}

func clock(d time.Duration) string {
	return fmt.Sprintf("%02d:%02d", int(d/time.Hour), int(d%time.Hour/time.Minute))
}

func fmtDuration(d time.Duration) string {
	h, m := int(d/time.Hour), int(d%time.Hour/time.Minute)
	switch {
	case m == 0:
		return fmt.Sprintf("%d h", h)
	case h == 0:
		return fmt.Sprintf("%d min", m)
	}
	return fmt.Sprintf("%d h %d min", h, m)
}
