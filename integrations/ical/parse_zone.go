package ical

import (
	"strconv"
	"strings"
	"time"

	"github.com/kogge-project/kogge/rooms"
)

// resolvedZone is a TZID as an offset function: from Go's tz data for an
// IANA name (preferred: an upload's VTIMEZONE is often truncated to a few
// years), else from the file's own VTIMEZONE.
type resolvedZone struct {
	offset offsetFunc
}

// windowsZones maps the Windows zone names Outlook and Exchange write as
// TZID to IANA names; only zones a German administration meets.
var windowsZones = map[string]string{
	"W. Europe Standard Time":        "Europe/Berlin",
	"Central Europe Standard Time":   "Europe/Budapest",
	"Central European Standard Time": "Europe/Warsaw",
	"Romance Standard Time":          "Europe/Paris",
	"GMT Standard Time":              "Europe/London",
	"GTB Standard Time":              "Europe/Bucharest",
	"FLE Standard Time":              "Europe/Kiev",
	"E. Europe Standard Time":        "Europe/Chisinau",
	"Russian Standard Time":          "Europe/Moscow",
	"Turkey Standard Time":           "Europe/Istanbul",
	"Eastern Standard Time":          "America/New_York",
	"Central Standard Time":          "America/Chicago",
	"Pacific Standard Time":          "America/Los_Angeles",
	"UTC":                            "UTC",
	"Coordinated Universal Time":     "UTC",
	"Greenwich Standard Time":        "Atlantic/Reykjavik",
}

func (p *parser) resolve(tzid string, line int) (resolvedZone, error) {
	tzid = strings.TrimSpace(tzid)
	if z, ok := p.zones[tzid]; ok {
		return z, nil
	}
	// Each new name may be looked up on disk (ianaZone) or prepared
	// from the file (compile).
	if len(p.zones) >= MaxImportZones {
		return resolvedZone{}, &LimitError{Limit: LimitZones, Max: MaxImportZones, Line: line}
	}
	var z resolvedZone
	if loc := ianaZone(tzid); loc != nil {
		z = resolvedZone{offset: rooms.ZoneOffsets(loc)}
	} else if vt, ok := p.vtz[tzid]; ok && len(vt.obs) > 0 {
		zt, err := p.compile(vt)
		if err != nil {
			return z, err
		}
		z = resolvedZone{offset: zt.offsetAt}
	} else {
		return z, errorAt(line, "unknown time zone %q (neither an IANA name nor defined by a VTIMEZONE in the file)", clip(tzid))
	}
	p.zones[tzid] = z
	return z, nil
}

// ianaZone finds Go's zone for a TZID: an IANA name as it is, with a
// vendor prefix ("/citadel.org/20190914_1/Europe/Berlin"), or a Windows name.
func ianaZone(tzid string) *time.Location {
	if name, ok := windowsZones[tzid]; ok {
		tzid = name
	}
	tzid = strings.Trim(tzid, `"`)
	if tzid == "" || tzid == "Local" || len(tzid) > 200 {
		return nil
	}
	for _, r := range tzid {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("/_+-.", r)) {
			return nil
		}
	}
	candidates := []string{tzid}
	if parts := strings.Split(strings.Trim(tzid, "/"), "/"); len(parts) > 1 {
		for n := 3; n >= 1; n-- {
			if len(parts) > n {
				candidates = append(candidates, strings.Join(parts[len(parts)-n:], "/"))
			}
		}
	}
	for _, name := range candidates {
		if strings.Contains(name, "..") || strings.HasPrefix(name, "/") {
			continue
		}
		if loc, err := time.LoadLocation(name); err == nil {
			return loc
		}
	}
	return nil
}

// vtimezone is an uploaded VTIMEZONE, enough of it to place times: each
// observance's onsets from DTSTART, a yearly RRULE by month and weekday
// (or day of month), and RDATEs. That is what real VTIMEZONEs use.
type vtimezone struct {
	line int
	id   string
	obs  []*tzObservance
}

type tzObservance struct {
	line     int
	start    time.Time // floating DTSTART
	from, to int
	rule     *yearlyRule
	rdates   []time.Time // floating
	err      error
}

type yearlyRule struct {
	month    time.Month
	nth      int // 1..5, or -1..-5 from the end; 0: monthDay
	weekday  time.Weekday
	monthDay int
	until    time.Time // instant; zero: none
	count    int
}

func (o *tzObservance) add(cl contentLine) {
	if o.err != nil {
		return
	}
	v := strings.TrimSpace(cl.value)
	switch cl.name {
	case "DTSTART":
		t, err := time.Parse(localFormat, strings.TrimSuffix(strings.ToUpper(v), "Z"))
		if err != nil {
			o.err = errorAt(cl.line, "DTSTART: %q is not a local time (YYYYMMDDTHHMMSS)", clip(v))
		}
		o.start = t
	case "TZOFFSETFROM", "TZOFFSETTO":
		off, ok := parseUTCOffset(v)
		if !ok {
			o.err = errorAt(cl.line, "%s: %q is not a UTC offset (e.g. +0100)", cl.name, clip(v))
			return
		}
		if cl.name == "TZOFFSETFROM" {
			o.from = off
		} else {
			o.to = off
		}
	case "RRULE":
		o.rule = parseYearlyRule(v) // other rules: DTSTART only
	case "RDATE":
		for _, d := range strings.Split(v, ",") {
			d = strings.TrimSuffix(strings.ToUpper(strings.TrimSpace(d)), "Z")
			if t, err := time.Parse(localFormat, d); err == nil { // counted by walk (MaxImportDates)
				o.rdates = append(o.rdates, t)
			}
		}
	}
}

func parseUTCOffset(v string) (int, bool) {
	if len(v) != 5 && len(v) != 7 || v[0] != '+' && v[0] != '-' {
		return 0, false
	}
	n, err := strconv.Atoi(v[1:])
	if err != nil || n < 0 {
		return 0, false
	}
	var h, m, s int
	if len(v) == 7 {
		h, m, s = n/10000, n/100%100, n%100
	} else {
		h, m = n/100, n%100
	}
	if h > 23 || m > 59 || s > 59 {
		return 0, false
	}
	off := h*3600 + m*60 + s
	if v[0] == '-' {
		off = -off
	}
	return off, true
}

func parseYearlyRule(v string) *yearlyRule {
	r := &yearlyRule{}
	yearly := false
	for _, part := range strings.Split(strings.ToUpper(v), ";") {
		k, val, _ := strings.Cut(part, "=")
		switch k {
		case "FREQ":
			yearly = val == "YEARLY"
		case "BYMONTH":
			m, err := strconv.Atoi(val)
			if err != nil || m < 1 || m > 12 {
				return nil
			}
			r.month = time.Month(m)
		case "BYDAY":
			if len(val) < 3 {
				return nil
			}
			wd := strings.Index("SUMOTUWETHFRSA", val[len(val)-2:])
			if wd < 0 || wd%2 != 0 {
				return nil
			}
			n, err := strconv.Atoi(val[:len(val)-2])
			if err != nil || n == 0 || n < -5 || n > 5 {
				return nil
			}
			r.nth, r.weekday = n, time.Weekday(wd/2)
		case "BYMONTHDAY":
			d, err := strconv.Atoi(val)
			if err != nil || d < 1 || d > 31 {
				return nil
			}
			r.monthDay = d
		case "UNTIL":
			t, err := time.Parse(utcFormat, val)
			if err != nil {
				t, err = time.Parse(localFormat, val)
			}
			if err != nil {
				if t, err = time.Parse(dateFormat, val); err != nil {
					return nil
				}
			}
			r.until = t
		case "COUNT":
			c, err := strconv.Atoi(val)
			if err != nil || c < 1 {
				return nil
			}
			r.count = c
		}
	}
	if !yearly || r.month == 0 || r.nth == 0 && r.monthDay == 0 {
		return nil
	}
	return r
}

// day is the rule's date in year y, false if the month has no such day.
func (r *yearlyRule) day(y int) (time.Time, bool) {
	if r.nth == 0 {
		d := time.Date(y, r.month, r.monthDay, 0, 0, 0, 0, time.UTC)
		return d, d.Month() == r.month
	}
	if r.nth > 0 {
		first := time.Date(y, r.month, 1, 0, 0, 0, 0, time.UTC)
		d := first.AddDate(0, 0, (int(r.weekday)-int(first.Weekday())+7)%7+7*(r.nth-1))
		return d, d.Month() == r.month
	}
	last := time.Date(y, r.month+1, 0, 0, 0, 0, 0, time.UTC)
	d := last.AddDate(0, 0, -((int(last.Weekday())-int(r.weekday)+7)%7)-7*(-r.nth-1))
	return d, d.Month() == r.month
}
