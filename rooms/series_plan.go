package rooms

import (
	"fmt"
	"strings"
	"time"
)

// PlannedSkip is an occurrence that will not be booked, and why: a closure
// or a room rule the occurrence's day breaks (a Sunday in a weekday room).
type PlannedSkip struct {
	Start  time.Time `json:"start"`
	Reason string    `json:"reason"`
	// Closure is the closure the day falls on; nil for a rule the day
	// breaks. Pages say the closure's reason in their own words.
	Closure *Closure `json:"-"`
}

// ValidateSeries checks a new series: its template as a booking (times,
// hours, length, not in the past) and its rule, and that the template's
// start is the rule's first occurrence (else the first meeting would
// silently be dropped).
func ValidateSeries(s *Series, room Room, now time.Time) error {
	if err := Validate(&s.Template, room, now, true); err != nil {
		return err
	}
	if err := ParseRule(s.Rule); err != nil {
		return err
	}
	first, err := s.Expand(room.Zone, s.Template.Start, s.Template.Start.Add(time.Second))
	if err != nil {
		return err
	}
	if len(first) == 0 {
		e := &ValidationError{}
		e.add("rule", CodeInvalidRule, "rule.first-date", vals{"at": s.Template.Start.In(zoneOf(room))}, "The first meeting (%s) does not follow the rule; start the series on a day the rule names.",
			s.Template.Start.In(zoneOf(room)).Format("Mon 02.01.2006 15:04"))
		return e
	}
	return nil
}

// PlanOccurrences expands s over [from, to) and turns each start into a
// booking, leaving out days on a closure and days the room's rules do not
// allow. now keeps occurrences in the past out.
func PlanOccurrences(s *Series, room Room, closures []Closure, from, to, now time.Time) ([]Booking, []PlannedSkip, error) {
	starts, err := s.Expand(room.Zone, from, to)
	if err != nil {
		return nil, nil, err
	}
	var out []Booking
	var skipped []PlannedSkip
	for _, start := range starts {
		if start.Before(now) {
			continue
		}
		if c, ok := ClosureFor(closures, room, start); ok {
			skipped = append(skipped, PlannedSkip{Start: start, Reason: closureReason(c), Closure: &c})
			continue
		}
		b := s.Occurrence(room.Zone, start)
		if err := Validate(&b, room, now, true); err != nil {
			skipped = append(skipped, PlannedSkip{Start: start, Reason: err.Error()})
			continue
		}
		out = append(out, b)
	}
	return out, skipped, nil
}

func closureReason(c Closure) string {
	if c.Reason == "" {
		return fmt.Sprintf("closure %s–%s", c.From, c.To)
	}
	return "closure: " + c.Reason
}

// RuleUntil returns rule ending at until: any COUNT or UNTIL part is
// replaced by UNTIL=until (UTC). Cancelling a series from a date on cuts
// its rule there, so that nothing adds meetings after it again.
func RuleUntil(rule string, until time.Time) string {
	var parts []string
	for _, p := range strings.Split(rule, ";") {
		k, _, _ := strings.Cut(strings.ToUpper(strings.TrimSpace(p)), "=")
		if k == "COUNT" || k == "UNTIL" || p == "" {
			continue
		}
		parts = append(parts, p)
	}
	parts = append(parts, "UNTIL="+until.UTC().Format("20060102T150405Z"))
	return strings.Join(parts, ";")
}

// LastStart returns the last meeting's start when the rule ends before
// horizon (COUNT or UNTIL reached); ok is false for a series that goes on.
func (s *Series) LastStart(zone *time.Location, horizon time.Time) (time.Time, bool) {
	if s.Open() {
		return time.Time{}, false
	}
	// Anything within MaxYear is "later"; a bounded rule has at most
	// MaxSeriesCount meetings or an UNTIL, so this expansion is small.
	if rest, err := s.Expand(zone, horizon, time.Date(MaxYear, 1, 1, 0, 0, 0, 0, time.UTC)); err != nil || len(rest) > 0 {
		return time.Time{}, false
	}
	all, err := s.Expand(zone, s.Template.Start, horizon)
	if err != nil || len(all) == 0 {
		return time.Time{}, false
	}
	return all[len(all)-1], true
}
