package rooms

import (
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/teambition/rrule-go"
)

// CodeInvalidRule is the problem code for a recurrence rule Kogge refuses.
const CodeInvalidRule = "invalid-rule"

// Bounds on series: a council plans years ahead, not centuries, and one
// request must not make the store write (or the daemon compute) without end.
const (
	MaxSeriesCount = 1000 // COUNT
	MaxInterval    = 99   // INTERVAL
	MaxRuleLen     = 512  // bytes of RRULE body
)

// untilForm says how UNTIL was written, because each form means a
// different instant: RFC 5545 wants UTC ("…Z") when DTSTART has a zone, but
// calendar tools also send floating times and bare dates.
type untilForm int

const (
	untilNone     untilForm = iota
	untilUTC                // 20271231T230000Z: an instant
	untilFloating           // 20271231T180000: wall clock in the room's zone
	untilDate               // 20271231: through the end of that local day
)

// rule is a parsed, validated RRULE body. opt has no DTSTART and no UNTIL:
// Expand supplies the first and applies the second itself, in the room's
// zone (see series_expand.go).
type rule struct {
	opt       rrule.ROption
	until     time.Time // floating (UTC fields = wall clock) unless untilUTC
	untilForm untilForm
	// parts holds the raw KEY=VALUE pairs, for DescribeRule.
	parts map[string]string
}

// ParseRule validates an RRULE body (no DTSTART, no "RRULE:" prefix) for a
// booking series. Errors are *ValidationError on field "rule".
func ParseRule(rule string) error {
	_, err := parseRule(rule)
	return err
}

// ruleError: key and args for the API's catalogue, format and fargs for
// the English message.
func ruleError(key string, args map[string]any, format string, fargs ...any) error {
	e := &ValidationError{}
	e.add("rule", CodeInvalidRule, key, args, format, fargs...)
	return e
}

// Parts a booking series does not use. The time of day comes from the
// template, so BYHOUR & co. would only multiply occurrences within a day;
// BYEASTER is an rrule-go extension that no calendar tool writes.
var refusedParts = map[string]struct{ key, why string }{
	"DTSTART":  {"rule.refused.start", "the first date and time come from the booking, not from the rule"},
	"BYHOUR":   {"rule.refused.time", "the time of day comes from the booking's start, not from the rule"},
	"BYMINUTE": {"rule.refused.time", "the time of day comes from the booking's start, not from the rule"},
	"BYSECOND": {"rule.refused.time", "the time of day comes from the booking's start, not from the rule"},
	"BYEASTER": {"rule.refused.easter", "dates relative to Easter are not supported"},
}

var knownParts = map[string]bool{
	"FREQ": true, "INTERVAL": true, "COUNT": true, "UNTIL": true, "WKST": true,
	"BYDAY": true, "BYMONTHDAY": true, "BYMONTH": true, "BYSETPOS": true,
	"BYYEARDAY": true, "BYWEEKNO": true,
}

func parseRule(body string) (*rule, error) {
	if len(body) > MaxRuleLen {
		return nil, ruleError("rule.too-long", vals{"max": MaxRuleLen}, "The rule is longer than %d characters.", MaxRuleLen)
	}
	body = strings.ToUpper(strings.TrimSpace(body))
	switch {
	case body == "":
		return nil, ruleError("rule.missing", nil, "A series needs a rule, e.g. FREQ=WEEKLY;BYDAY=TU.")
	case strings.ContainsAny(body, "\r\n"):
		// rrule-go would read a first line as DTSTART.
		return nil, ruleError("rule.multiline", nil, "The rule must be a single line.")
	case strings.HasPrefix(body, "RRULE:"):
		return nil, ruleError("rule.prefix", nil, "Give the rule without the RRULE: prefix, e.g. FREQ=WEEKLY;BYDAY=TU.")
	}
	parts := make(map[string]string)
	for _, attr := range strings.Split(body, ";") {
		key, value, ok := strings.Cut(attr, "=")
		if !ok || key == "" || value == "" || strings.Contains(value, "=") {
			return nil, ruleError("rule.syntax", vals{"part": attr}, "%q: each part of the rule is NAME=VALUE, separated by semicolons.", attr)
		}
		if r, refused := refusedParts[key]; refused {
			return nil, ruleError(r.key, vals{"part": key}, "%s: %s.", key, r.why)
		}
		if !knownParts[key] {
			return nil, ruleError("rule.unknown-part", vals{"part": key}, "%s: not a part of a recurrence rule.", key)
		}
		if _, dup := parts[key]; dup {
			return nil, ruleError("rule.twice", vals{"part": key}, "%s appears twice in the rule.", key)
		}
		parts[key] = value
	}
	opt, err := rrule.StrToROption(body)
	if err != nil {
		return nil, libraryError(err)
	}
	r := &rule{opt: *opt, parts: parts}
	if err := r.check(); err != nil {
		return nil, err
	}
	r.until, r.untilForm = opt.Until, untilFormOf(parts["UNTIL"])
	r.opt.Until = time.Time{}
	// NewRRule checks the BY* bounds (BYMONTHDAY=32 and the like).
	probe := r.opt
	probe.Dtstart = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	if _, err := rrule.NewRRule(probe); err != nil {
		return nil, libraryError(err)
	}
	return r, nil
}

// check applies Kogge's limits on top of RFC 5545 syntax.
func (r *rule) check() error {
	o, p := &r.opt, r.parts
	switch o.Freq {
	case rrule.DAILY, rrule.WEEKLY, rrule.MONTHLY, rrule.YEARLY:
	default:
		return ruleError("rule.freq", vals{"value": p["FREQ"]}, "FREQ=%s: a series repeats daily, weekly, monthly or yearly.", p["FREQ"])
	}
	if v, ok := p["INTERVAL"]; ok && (o.Interval < 1 || o.Interval > MaxInterval) {
		return ruleError("rule.interval", vals{"value": v, "max": MaxInterval}, "INTERVAL=%s: the interval must be between 1 and %d.", v, MaxInterval)
	}
	_, hasCount := p["COUNT"]
	_, hasUntil := p["UNTIL"]
	if hasCount && hasUntil {
		return ruleError("rule.count-and-until", nil, "COUNT and UNTIL: a series ends either after a number of dates or on a date, not both.")
	}
	if hasCount && (o.Count < 1 || o.Count > MaxSeriesCount) {
		return ruleError("rule.count", vals{"value": p["COUNT"], "max": MaxSeriesCount}, "COUNT=%s: a series has between 1 and %d dates.", p["COUNT"], MaxSeriesCount)
	}
	if hasUntil && untilFormOf(p["UNTIL"]) == untilNone {
		return ruleError("rule.until-format", nil, "UNTIL=%s: write the end date as 20271231 or 20271231T235959Z.", p["UNTIL"])
	}
	if hasUntil && (o.Until.Year() < MinYear || o.Until.Year() > MaxYear) {
		return ruleError("rule.until-years", vals{"value": p["UNTIL"], "min": MinYear, "max": MaxYear}, "UNTIL=%s: series must end between the years %d and %d.", p["UNTIL"], MinYear, MaxYear)
	}
	for _, wd := range o.Byweekday {
		n := wd.N()
		switch {
		case n != 0 && o.Freq != rrule.MONTHLY && o.Freq != rrule.YEARLY:
			return ruleError("rule.byday-numbered", vals{"value": p["BYDAY"]}, "BYDAY=%s: a numbered weekday (like 1TH, the first Thursday) needs FREQ=MONTHLY or YEARLY.", p["BYDAY"])
		case o.Freq == rrule.MONTHLY && (n > 5 || n < -5):
			return ruleError("rule.byday-five", vals{"value": p["BYDAY"]}, "BYDAY=%s: a month has at most five of each weekday.", p["BYDAY"])
		}
	}
	return r.checkMonthDays()
}

// checkMonthDays refuses BYMONTHDAY values that no chosen month has (the
// 30th of February): such a rule has no dates, and rrule-go would search
// until the year 9999 before saying so.
func (r *rule) checkMonthDays() error {
	months := r.opt.Bymonth
	if len(months) == 0 {
		return nil // every month: any day 1..31 exists in some month
	}
	longest := 0
	for _, m := range months {
		longest = max(longest, daysInMonth(time.Month(m), 2024)) // a leap year
	}
	for _, d := range r.opt.Bymonthday {
		if d > longest || -d > longest {
			return ruleError("rule.bymonthday", vals{"value": r.parts["BYMONTHDAY"]}, "BYMONTHDAY=%s: no chosen month has that day.", r.parts["BYMONTHDAY"])
		}
	}
	return nil
}

func daysInMonth(m time.Month, year int) int {
	return time.Date(year, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

func untilFormOf(v string) untilForm {
	switch {
	case v == "":
		return untilNone
	case len(v) == len(rrule.DateFormat):
		return untilDate
	case len(v) == len(rrule.LocalDateTimeFormat):
		return untilFloating
	case len(v) == len(rrule.DateTimeFormat) && strings.HasSuffix(v, "Z"):
		return untilUTC
	}
	return untilNone
}

// libraryError turns rrule-go's parse errors into a sentence; its own
// wording ("strconv.Atoi: parsing …") means nothing to a secretary.
func libraryError(err error) error {
	var ne *strconv.NumError
	msg := err.Error()
	if errors.As(err, &ne) {
		return ruleError("rule.not-number", vals{"value": ne.Num}, "%q is not a number.", ne.Num)
	}
	if strings.HasPrefix(msg, "parsing time") {
		return ruleError("rule.until-format", nil, "UNTIL: write the end date as 20271231 or 20271231T235959Z.")
	}
	return ruleError("rule.not-understood", nil, "The rule is not understood: %s.", msg)
}
