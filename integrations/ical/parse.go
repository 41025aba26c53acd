package ical

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kogge-project/kogge/rooms"
)

// ImportedEvent is one VEVENT of an upload, with its times resolved to
// instants. A whole-day event (DATE values) runs from local midnight to
// local midnight in the import's zone.
type ImportedEvent struct {
	UID      string
	Summary  string
	Location string
	Start    time.Time
	End      time.Time
	AllDay   bool
	// Rule is the RRULE body as uploaded ("" for a single event); the
	// daemon validates it like any series rule.
	Rule    string
	ExDates []time.Time
	// RecurrenceID is set on an override of one occurrence of the series
	// with the same UID.
	RecurrenceID time.Time
	Cancelled    bool
	// Line is where the VEVENT begins, for messages about it.
	Line int
}

// ParseError is a problem with an upload, at a line of the file as
// uploaded (before unfolding).
type ParseError struct {
	Line int
	Msg  string
}

func (e *ParseError) Error() string {
	if e.Line == 0 {
		return "ical: " + e.Msg
	}
	return fmt.Sprintf("ical: line %d: %s", e.Line, e.Msg)
}

func errorAt(line int, format string, args ...any) *ParseError {
	return &ParseError{Line: line, Msg: fmt.Sprintf(format, args...)}
}

// contentLine is one unfolded property.
type contentLine struct {
	line   int
	name   string
	params map[string]string // upper-case names; first value, unquoted
	value  string
}

// ParseImport reads an uploaded .ics. It is tolerant of what calendar
// tools write (LF endings, a BOM, lower-case names, TZIDs with vendor
// prefixes or Windows names, missing DTEND) and strict where guessing
// would put a meeting at the wrong time: an unknown zone is an error.
// Floating times and DATE values are read in zone.
func ParseImport(r io.Reader, zone *time.Location) ([]ImportedEvent, error) {
	return ParseImportContext(context.Background(), r, zone)
}

// ParseImportContext is ParseImport that gives up, with ctx's error, once
// ctx is done: an upload whose sender has gone away is not worth the
// work. A file beyond the limits in limits.go is refused with a
// *LimitError before the work it would take is done.
func ParseImportContext(ctx context.Context, r io.Reader, zone *time.Location) ([]ImportedEvent, error) {
	if zone == nil {
		zone = time.UTC
	}
	data, err := io.ReadAll(io.LimitReader(r, MaxImportSize+1))
	if err != nil {
		return nil, fmt.Errorf("ical: reading the upload: %w", err)
	}
	if len(data) > MaxImportSize {
		return nil, &LimitError{Limit: LimitSize, Max: MaxImportSize}
	}
	lines, err := unfold(ctx, data)
	if err != nil {
		return nil, err
	}
	p := &parser{ctx: ctx, zone: zone, vtz: make(map[string]*vtimezone), zones: make(map[string]resolvedZone)}
	if err := p.walk(lines); err != nil {
		return nil, err
	}
	out := make([]ImportedEvent, 0, len(p.events))
	for i, raw := range p.events {
		if err := alive(ctx, i); err != nil {
			return nil, err
		}
		ev, err := p.event(raw)
		if err != nil {
			return nil, err
		}
		if p.cancelAll {
			ev.Cancelled = true
		}
		out = append(out, ev)
	}
	return out, nil
}

// unfold splits data into content lines, joining folded continuations
// (RFC 5545 3.1) and remembering where each began.
func unfold(ctx context.Context, data []byte) ([]contentLine, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	var out []contentLine
	var cur strings.Builder
	start := 0
	flush := func() error {
		if cur.Len() == 0 {
			return nil
		}
		cl, err := parseContentLine(start, cur.String())
		cur.Reset()
		if err != nil {
			return err
		}
		out = append(out, cl)
		return nil
	}
	n := 0
	for len(data) > 0 {
		if err := alive(ctx, n); err != nil {
			return nil, err
		}
		n++
		raw := data
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			raw, data = data[:i], data[i+1:]
		} else {
			data = nil
		}
		raw = bytes.TrimSuffix(raw, []byte("\r"))
		if len(raw) > 0 && (raw[0] == ' ' || raw[0] == '\t') {
			if cur.Len() == 0 {
				return nil, errorAt(n, "a continuation line (starting with a space) follows no property")
			}
			if cur.Len()+len(raw)-1 > MaxImportLine {
				return nil, &LimitError{Limit: LimitLine, Max: MaxImportLine, Line: start}
			}
			cur.Write(raw[1:])
			continue
		}
		if err := flush(); err != nil {
			return nil, err
		}
		if len(bytes.TrimSpace(raw)) == 0 {
			continue // blank lines are not allowed, but harmless
		}
		start = n
		if len(raw) > MaxImportLine {
			return nil, &LimitError{Limit: LimitLine, Max: MaxImportLine, Line: start}
		}
		cur.Write(raw)
	}
	if err := flush(); err != nil {
		return nil, err
	}
	return out, nil
}

// parseContentLine splits "NAME;P=V;Q="a:b":value".
func parseContentLine(n int, s string) (contentLine, error) {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	cl := contentLine{line: n}
	i := strings.IndexAny(s, ";:")
	if i <= 0 {
		return cl, errorAt(n, "%q is not a property (NAME:value)", clip(s))
	}
	cl.name = strings.ToUpper(strings.TrimSpace(s[:i]))
	for s[i] == ';' {
		s = s[i+1:]
		eq := strings.IndexByte(s, '=')
		if eq <= 0 {
			return cl, errorAt(n, "%s: a parameter without a value", cl.name)
		}
		pname := strings.ToUpper(strings.TrimSpace(s[:eq]))
		s = s[eq+1:]
		var val string
		if strings.HasPrefix(s, `"`) {
			end := strings.IndexByte(s[1:], '"')
			if end < 0 {
				return cl, errorAt(n, "%s: an unterminated quoted parameter", cl.name)
			}
			val, s = s[1:1+end], s[2+end:]
		} else {
			j := strings.IndexAny(s, ";:,")
			if j < 0 {
				return cl, errorAt(n, "%s: no value after the parameters", cl.name)
			}
			val, s = s[:j], s[j:]
		}
		// Further values of a multi-valued parameter are not needed here.
		for strings.HasPrefix(s, ",") {
			j := strings.IndexAny(s[1:], ";:")
			if j < 0 {
				return cl, errorAt(n, "%s: no value after the parameters", cl.name)
			}
			s = s[1+j:]
		}
		if cl.params == nil {
			cl.params = make(map[string]string)
		}
		if _, dup := cl.params[pname]; !dup {
			cl.params[pname] = val
		}
		if s == "" {
			return cl, errorAt(n, "%s: no value after the parameters", cl.name)
		}
		i = 0
	}
	cl.value = s[i+1:]
	return cl, nil
}

// clip keeps a quoted piece of the input short in an error message.
func clip(s string) string { return rooms.Clip(s, 40) }

// rawEvent is a VEVENT's own properties (not those of its VALARMs).
type rawEvent struct {
	line  int
	props []contentLine
}

func (e *rawEvent) first(name string) (contentLine, bool) {
	for _, p := range e.props {
		if p.name == name {
			return p, true
		}
	}
	return contentLine{}, false
}

type parser struct {
	ctx       context.Context
	zone      *time.Location
	events    []*rawEvent
	vtz       map[string]*vtimezone
	zones     map[string]resolvedZone
	cancelAll bool
	// dates counts date values against MaxImportDates; vtzs counts
	// VTIMEZONEs against MaxImportZones.
	dates, vtzs int
	// err is a limit reached inside a zone's offset function, which
	// cannot return it; times reports it.
	err error
}

// dateProps are the properties whose values count as dates.
var dateProps = map[string]bool{"DTSTART": true, "DTEND": true, "DUE": true, "RECURRENCE-ID": true, "EXDATE": true, "RDATE": true}

// charge counts n more date values, from line.
func (p *parser) charge(n, line int) error {
	if p.dates += n; p.dates > MaxImportDates {
		return &LimitError{Limit: LimitDates, Max: MaxImportDates, Line: line}
	}
	return nil
}

// walk checks the component structure and collects events and zones.
func (p *parser) walk(lines []contentLine) error {
	type frame struct {
		name  string
		line  int
		props int
	}
	var stack []frame
	var ev *rawEvent
	var tz *vtimezone
	var obs *tzObservance
	sawCalendar := false
	for i, cl := range lines {
		if err := alive(p.ctx, i); err != nil {
			return err
		}
		switch cl.name {
		case "BEGIN":
			name := strings.ToUpper(strings.TrimSpace(cl.value))
			if len(stack) == 0 && name != "VCALENDAR" {
				return errorAt(cl.line, "BEGIN:%s outside a VCALENDAR", clip(name))
			}
			if len(stack) == maxDepth {
				return errorAt(cl.line, "components nested too deeply")
			}
			stack = append(stack, frame{name: name, line: cl.line})
			switch {
			case name == "VCALENDAR":
				sawCalendar = true
			case name == "VEVENT" && len(stack) == 2:
				if len(p.events) == MaxImportEvents {
					return &LimitError{Limit: LimitEvents, Max: MaxImportEvents, Line: cl.line}
				}
				ev = &rawEvent{line: cl.line}
				p.events = append(p.events, ev)
			case name == "VTIMEZONE" && len(stack) == 2:
				if p.vtzs++; p.vtzs > MaxImportZones {
					return &LimitError{Limit: LimitZones, Max: MaxImportZones, Line: cl.line}
				}
				tz = &vtimezone{line: cl.line}
			case (name == "STANDARD" || name == "DAYLIGHT") && tz != nil && len(stack) == 3:
				if len(tz.obs) == MaxImportObservances {
					return &LimitError{Limit: LimitObservances, Max: MaxImportObservances, Line: tz.line}
				}
				obs = &tzObservance{line: cl.line}
			}
			continue
		case "END":
			name := strings.ToUpper(strings.TrimSpace(cl.value))
			if len(stack) == 0 {
				return errorAt(cl.line, "END:%s without BEGIN", clip(name))
			}
			top := stack[len(stack)-1]
			if top.name != name {
				return errorAt(cl.line, "END:%s, but BEGIN:%s at line %d is still open", clip(name), clip(top.name), top.line)
			}
			stack = stack[:len(stack)-1]
			switch {
			case name == "VEVENT" && len(stack) == 1:
				ev = nil
			case name == "VTIMEZONE" && len(stack) == 1:
				if tz.id == "" {
					return errorAt(tz.line, "a VTIMEZONE without TZID")
				}
				p.vtz[tz.id] = tz
				tz = nil
			case obs != nil && len(stack) == 2:
				if obs.err != nil {
					return obs.err
				}
				tz.obs = append(tz.obs, obs)
				obs = nil
			}
			continue
		}
		if len(stack) == 0 {
			if !sawCalendar {
				return errorAt(cl.line, "this is not an iCalendar file (it must begin with BEGIN:VCALENDAR)")
			}
			continue // trailing junk after END:VCALENDAR
		}
		if top := &stack[len(stack)-1]; top.props >= MaxImportProperties {
			return &LimitError{Limit: LimitProperties, Max: MaxImportProperties, Line: top.line}
		}
		if dateProps[cl.name] {
			if err := p.charge(strings.Count(cl.value, ",")+1, cl.line); err != nil {
				return err
			}
		}
		stack[len(stack)-1].props++
		switch top := stack[len(stack)-1].name; {
		case top == "VCALENDAR":
			if cl.name == "METHOD" && strings.EqualFold(strings.TrimSpace(cl.value), "CANCEL") {
				p.cancelAll = true
			}
		case top == "VEVENT" && ev != nil:
			ev.props = append(ev.props, cl)
		case top == "VTIMEZONE" && tz != nil && cl.name == "TZID":
			tz.id = strings.TrimSpace(cl.value)
		case obs != nil:
			obs.add(cl)
		}
	}
	if len(stack) > 0 {
		top := stack[len(stack)-1]
		return errorAt(top.line, "BEGIN:%s is never closed (END:%s missing)", clip(top.name), clip(top.name))
	}
	if !sawCalendar {
		return &ParseError{Line: 1, Msg: "this is not an iCalendar file (no BEGIN:VCALENDAR)"}
	}
	return nil
}

// event resolves a VEVENT's times.
func (p *parser) event(raw *rawEvent) (ImportedEvent, error) {
	ev := ImportedEvent{Line: raw.line}
	if cl, ok := raw.first("UID"); ok {
		ev.UID = strings.TrimSpace(cl.value)
	}
	if cl, ok := raw.first("SUMMARY"); ok {
		ev.Summary = unescapeText(cl.value)
	}
	if cl, ok := raw.first("LOCATION"); ok {
		ev.Location = unescapeText(cl.value)
	}
	if cl, ok := raw.first("STATUS"); ok && strings.EqualFold(strings.TrimSpace(cl.value), "CANCELLED") {
		ev.Cancelled = true
	}
	if cl, ok := raw.first("RRULE"); ok {
		ev.Rule = strings.TrimSpace(cl.value)
	}
	dtstart, ok := raw.first("DTSTART")
	if !ok {
		return ev, errorAt(raw.line, "an event without DTSTART")
	}
	start, err := p.times(dtstart)
	if err != nil {
		return ev, err
	}
	ev.Start, ev.AllDay = start[0].t, start[0].date
	startZone := start[0].zone
	switch dtend, hasEnd := raw.first("DTEND"); {
	case hasEnd:
		end, err := p.times(dtend)
		if err != nil {
			return ev, err
		}
		ev.End = end[0].t
		if ev.End.Before(ev.Start) {
			return ev, errorAt(dtend.line, "DTEND lies before DTSTART")
		}
	default:
		if dur, ok := raw.first("DURATION"); ok {
			d, err := parseDuration(dur)
			if err != nil {
				return ev, err
			}
			ev.End = d.after(ev.Start, startZone)
			if ev.End.Before(ev.Start) {
				return ev, errorAt(dur.line, "a negative DURATION")
			}
		} else if ev.AllDay {
			ev.End = dayAfter(ev.Start, startZone)
		} else {
			ev.End = ev.Start
		}
	}
	if cl, ok := raw.first("RECURRENCE-ID"); ok {
		rid, err := p.times(cl)
		if err != nil {
			return ev, err
		}
		ev.RecurrenceID = rid[0].t
	}
	for _, cl := range raw.props {
		if cl.name != "EXDATE" {
			continue
		}
		ts, err := p.times(cl)
		if err != nil {
			return ev, err
		}
		for _, t := range ts {
			ev.ExDates = append(ev.ExDates, t.t)
		}
	}
	return ev, nil
}

type zonedTime struct {
	t    time.Time
	date bool
	zone offsetFunc // for wall-clock arithmetic; nil for UTC
}

// times reads a DATE or DATE-TIME property, possibly with several values.
func (p *parser) times(cl contentLine) ([]zonedTime, error) {
	var out []zonedTime
	for _, v := range strings.Split(cl.value, ",") {
		v = strings.TrimSpace(v)
		t, err := p.time(cl, v)
		if err == nil {
			err = p.err
		}
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

func (p *parser) time(cl contentLine, v string) (zonedTime, error) {
	isDate := strings.EqualFold(cl.params["VALUE"], "DATE") || len(v) == len(dateFormat)
	if isDate {
		d, err := time.Parse(dateFormat, v)
		if err != nil {
			return zonedTime{}, errorAt(cl.line, "%s: %q is not a date (YYYYMMDD)", cl.name, clip(v))
		}
		off := rooms.ZoneOffsets(p.zone)
		return zonedTime{t: placeWall(d, off), date: true, zone: off}, nil
	}
	if strings.HasSuffix(v, "Z") || strings.HasSuffix(v, "z") {
		t, err := time.Parse(utcFormat, strings.ToUpper(v))
		if err != nil {
			return zonedTime{}, errorAt(cl.line, "%s: %q is not a time (YYYYMMDDTHHMMSSZ)", cl.name, clip(v))
		}
		return zonedTime{t: t}, nil
	}
	wall, err := time.Parse(localFormat, strings.ToUpper(v))
	if err != nil {
		return zonedTime{}, errorAt(cl.line, "%s: %q is not a time (YYYYMMDDTHHMMSS)", cl.name, clip(v))
	}
	off := rooms.ZoneOffsets(p.zone) // floating: the import's zone
	if tzid, ok := cl.params["TZID"]; ok {
		z, err := p.resolve(tzid, cl.line)
		if err != nil {
			return zonedTime{}, err
		}
		off = z.offset
	}
	return zonedTime{t: placeWall(wall, off), zone: off}, nil
}

func dayAfter(t time.Time, zone offsetFunc) time.Time {
	if zone == nil {
		return t.AddDate(0, 0, 1)
	}
	wall := t.Add(time.Duration(zone(t)) * time.Second)
	return placeWall(floating(wall).AddDate(0, 0, 1), zone)
}

// duration is an RFC 5545 DURATION: days and weeks are nominal (a day is
// the same wall-clock time the next day, across DST), the rest exact.
type duration struct {
	days  int
	exact time.Duration
	neg   bool
}

func (d duration) after(t time.Time, zone offsetFunc) time.Time {
	sign := 1
	if d.neg {
		sign = -1
	}
	if d.days != 0 {
		if zone == nil {
			t = t.AddDate(0, 0, sign*d.days)
		} else {
			wall := floating(t.Add(time.Duration(zone(t)) * time.Second))
			t = placeWall(wall.AddDate(0, 0, sign*d.days), zone)
		}
	}
	return t.Add(time.Duration(sign) * d.exact)
}

func parseDuration(cl contentLine) (duration, error) {
	v := strings.ToUpper(strings.TrimSpace(cl.value))
	bad := errorAt(cl.line, "DURATION: %q is not a duration (e.g. PT1H30M)", clip(v))
	var d duration
	switch {
	case strings.HasPrefix(v, "-"):
		d.neg, v = true, v[1:]
	case strings.HasPrefix(v, "+"):
		v = v[1:]
	}
	if !strings.HasPrefix(v, "P") || len(v) < 3 {
		return d, bad
	}
	v = v[1:]
	inTime := false
	num := -1
	for _, r := range v {
		switch {
		case r >= '0' && r <= '9':
			if num < 0 {
				num = 0
			}
			num = num*10 + int(r-'0')
			if num > 100000 {
				return d, bad
			}
			continue
		case r == 'T' && num < 0 && !inTime:
			inTime = true
			continue
		}
		if num < 0 {
			return d, bad
		}
		switch {
		case r == 'W' && !inTime:
			d.days += 7 * num
		case r == 'D' && !inTime:
			d.days += num
		case r == 'H' && inTime:
			d.exact += time.Duration(num) * time.Hour
		case r == 'M' && inTime:
			d.exact += time.Duration(num) * time.Minute
		case r == 'S' && inTime:
			d.exact += time.Duration(num) * time.Second
		default:
			return d, bad
		}
		num = -1
	}
	if num >= 0 {
		return d, bad
	}
	return d, nil
}
