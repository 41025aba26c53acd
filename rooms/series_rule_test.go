package rooms

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestParseRuleAccepts(t *testing.T) {
	for _, rule := range []string{
		"FREQ=DAILY",
		"FREQ=WEEKLY;INTERVAL=2;BYDAY=TU",
		"FREQ=WEEKLY;BYDAY=MO,WE;COUNT=10",
		"FREQ=MONTHLY;BYDAY=1TH",
		"FREQ=MONTHLY;BYDAY=-1FR;UNTIL=20271231T225959Z",
		"FREQ=MONTHLY;BYMONTHDAY=15;UNTIL=20271231",
		"FREQ=YEARLY;BYMONTH=10;BYDAY=1MO",
		"FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1",
		"freq=weekly;byday=tu", // RFC 5545 names are case-insensitive
		"FREQ=WEEKLY;INTERVAL=99;WKST=SU",
		"FREQ=DAILY;COUNT=1000",
		"FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29",
	} {
		if err := ParseRule(rule); err != nil {
			t.Errorf("ParseRule(%q) = %v", rule, err)
		}
	}
}

func TestParseRuleRefuses(t *testing.T) {
	tests := []struct{ rule, says string }{
		{"FREQ=HOURLY", "FREQ=HOURLY: a series repeats daily, weekly, monthly or yearly"},
		{"FREQ=MINUTELY", "daily, weekly, monthly or yearly"},
		{"FREQ=WEEKLY;BYHOUR=9", "time of day comes from the booking"},
		{"FREQ=WEEKLY;BYMINUTE=30", "time of day"},
		{"FREQ=WEEKLY;BYSECOND=1", "time of day"},
		{"FREQ=WEEKLY;COUNT=5;UNTIL=20271231T000000Z", "not both"},
		{"FREQ=WEEKLY;COUNT=5000", "between 1 and 1000"},
		{"FREQ=WEEKLY;COUNT=1001", "between 1 and 1000"},
		{"FREQ=WEEKLY;COUNT=0", "between 1 and 1000"},
		{"FREQ=WEEKLY;INTERVAL=0", "between 1 and 99"},
		{"FREQ=WEEKLY;INTERVAL=100", "between 1 and 99"},
		{"FREQ=WEEKLY;INTERVAL=-2", "between 1 and 99"},
		{"FREQ=WEEKLY;INTERVAL=two", `"TWO" is not a number`},
		{"hello world", "NAME=VALUE"},
		{"", "needs a rule"},
		{"BYDAY=TU", "FREQ is required"},
		{"FREQ=FORTNIGHTLY", "FORTNIGHTLY"},
		{"FREQ=WEEKLY;BYDAY=XX", "XX"},
		{"FREQ=WEEKLY;FOO=1", "FOO: not a part"},
		{"FREQ=WEEKLY;;BYDAY=TU", "NAME=VALUE"},
		{"FREQ=WEEKLY;BYDAY=", "NAME=VALUE"},
		{"FREQ=WEEKLY;FREQ=DAILY", "twice"},
		{"DTSTART=20260101T170000Z;FREQ=WEEKLY", "first date and time come from the booking"},
		{"FREQ=WEEKLY;DTSTART=20260101T170000Z", "first date and time come from the booking"},
		{"DTSTART:20260101T170000Z\nRRULE:FREQ=WEEKLY", "single line"},
		{"RRULE:FREQ=WEEKLY", "without the RRULE: prefix"},
		{"FREQ=WEEKLY;BYDAY=1TU", "needs FREQ=MONTHLY or YEARLY"},
		{"FREQ=MONTHLY;BYDAY=6TU", "at most five"},
		{"FREQ=MONTHLY;BYMONTHDAY=32", "bymonthday must be between"},
		{"FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30", "no chosen month has that day"},
		{"FREQ=YEARLY;BYMONTH=13", "bymonth must be between"},
		{"FREQ=WEEKLY;UNTIL=2027", "write the end date"},
		{"FREQ=WEEKLY;UNTIL=20271399T000000Z", "write the end date"},
		{"FREQ=WEEKLY;UNTIL=19991231", "between the years"},
		{"FREQ=WEEKLY;BYEASTER=0", "Easter"},
		{"FREQ=WEEKLY;BYDAY=" + strings.Repeat("MO,", 200) + "MO", "longer than"},
	}
	for _, tt := range tests {
		err := ParseRule(tt.rule)
		var ve *ValidationError
		if !errors.As(err, &ve) {
			t.Errorf("ParseRule(%q) = %v, want a *ValidationError", tt.rule, err)
			continue
		}
		p := ve.Problems[0]
		if len(ve.Problems) != 1 || p.Field != "rule" || p.Code != CodeInvalidRule || !strings.Contains(p.Message, tt.says) {
			t.Errorf("ParseRule(%q) = %+v, want rule/%s saying %q", tt.rule, ve.Problems, CodeInvalidRule, tt.says)
		}
	}
}

// FuzzParseRule: no input panics, and every accepted rule expands over a
// year (with a DST change in it) and is put into words.
func FuzzParseRule(f *testing.F) {
	for _, seed := range []string{
		"FREQ=WEEKLY;INTERVAL=2;BYDAY=TU", "FREQ=MONTHLY;BYDAY=1TH", "FREQ=MONTHLY;BYDAY=-1FR;COUNT=12",
		"FREQ=YEARLY;BYMONTH=10;BYDAY=1MO", "FREQ=DAILY;UNTIL=20271231", "FREQ=MONTHLY;BYMONTHDAY=-1",
		"FREQ=MONTHLY;BYDAY=MO,TU;BYSETPOS=-1", "FREQ=YEARLY;BYWEEKNO=53;BYDAY=MO", "FREQ=DAILY;BYYEARDAY=-366",
		"FREQ=HOURLY", "FREQ=WEEKLY;BYHOUR=1", "RRULE:FREQ=DAILY", "FREQ=WEEKLY;WKST=SU;INTERVAL=3;BYDAY=SU,MO",
	} {
		f.Add(seed)
	}
	zone, err := time.LoadLocation(DefaultZone)
	if err != nil {
		f.Fatal(err)
	}
	start := time.Date(2026, 3, 1, 2, 30, 0, 0, zone)
	f.Fuzz(func(t *testing.T, rule string) {
		if ParseRule(rule) != nil {
			return
		}
		s := Series{Rule: rule, Template: Booking{Start: start, End: start.Add(90 * time.Minute)}}
		got, err := s.Expand(zone, start, start.AddDate(1, 0, 0))
		if err != nil {
			t.Fatalf("accepted rule %q does not expand: %v", rule, err)
		}
		for i := 1; i < len(got); i++ {
			if !got[i-1].Before(got[i]) {
				t.Fatalf("rule %q: occurrences out of order: %v, %v", rule, got[i-1], got[i])
			}
		}
		if _, _, err := DescribeRule(rule, s.Template.Start, s.Template.End, zone); err != nil {
			t.Fatalf("accepted rule %q cannot be described: %v", rule, err)
		}
	})
}
