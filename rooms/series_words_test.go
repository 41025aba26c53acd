package rooms

import (
	"errors"
	"testing"
	"time"
)

func TestDescribeRule(t *testing.T) {
	z := berlin(t)
	tue := local(t, 2026, 1, 13, 16, 0) // Tuesday
	thu := local(t, 2026, 1, 1, 17, 0)  // Thursday
	mon := local(t, 2026, 1, 5, 17, 0)  // Monday
	tests := []struct {
		rule       string
		start, end time.Time
		de, en     string
	}{
		{"FREQ=WEEKLY;INTERVAL=2;BYDAY=TU", tue, tue.Add(3 * time.Hour),
			"alle 2 Wochen dienstags, 16:00–19:00", "every 2 weeks on Tuesday, 16:00–19:00"},
		{"FREQ=MONTHLY;BYDAY=1TH", thu, thu.Add(2 * time.Hour),
			"jeden ersten Donnerstag im Monat, 17:00–19:00", "on the first Thursday of every month, 17:00–19:00"},
		{"FREQ=WEEKLY;BYDAY=MO,WE", mon, mon.Add(2 * time.Hour),
			"wöchentlich montags und mittwochs, 17:00–19:00", "weekly on Monday and Wednesday, 17:00–19:00"},
		{"FREQ=WEEKLY;BYDAY=FR,MO,WE,MO", mon, mon.Add(2 * time.Hour),
			"wöchentlich montags, mittwochs und freitags, 17:00–19:00", "weekly on Monday, Wednesday and Friday, 17:00–19:00"},
		{"FREQ=DAILY", mon, mon.Add(2 * time.Hour),
			"täglich, 17:00–19:00", "daily, 17:00–19:00"},
		{"FREQ=DAILY;INTERVAL=3", mon, mon.Add(2 * time.Hour),
			"alle 3 Tage, 17:00–19:00", "every 3 days, 17:00–19:00"},
		{"FREQ=MONTHLY;BYMONTHDAY=15", mon, mon.Add(2 * time.Hour),
			"am 15. jedes Monats, 17:00–19:00", "on the 15th of every month, 17:00–19:00"},
		{"FREQ=MONTHLY;BYMONTHDAY=1,22", mon, mon.Add(2 * time.Hour),
			"am 1. und 22. jedes Monats, 17:00–19:00", "on the 1st and 22nd of every month, 17:00–19:00"},
		{"FREQ=MONTHLY;BYMONTHDAY=-1", mon, mon.Add(2 * time.Hour),
			"am letzten Tag jedes Monats, 17:00–19:00", "on the last day of every month, 17:00–19:00"},
		{"FREQ=MONTHLY;INTERVAL=3", mon, mon.Add(2 * time.Hour),
			"alle 3 Monate am 5., 17:00–19:00", "every 3 months on the 5th, 17:00–19:00"},
		{"FREQ=MONTHLY;BYDAY=-1FR", local(t, 2026, 1, 30, 17, 0), local(t, 2026, 1, 30, 19, 0),
			"jeden letzten Freitag im Monat, 17:00–19:00", "on the last Friday of every month, 17:00–19:00"},
		{"FREQ=MONTHLY;BYDAY=1TU,3TU", tue, tue.Add(3 * time.Hour),
			"jeden ersten und dritten Dienstag im Monat, 16:00–19:00", "on the first and third Tuesday of every month, 16:00–19:00"},
		{"FREQ=MONTHLY;INTERVAL=2;BYDAY=2MO,4WE", mon, mon.Add(2 * time.Hour),
			"alle 2 Monate am zweiten Montag und vierten Mittwoch, 17:00–19:00", "every 2 months on the second Monday and fourth Wednesday, 17:00–19:00"},
		{"FREQ=YEARLY", local(t, 2026, 10, 3, 10, 0), local(t, 2026, 10, 3, 12, 0),
			"jährlich am 3. Oktober, 10:00–12:00", "every year on 3 October, 10:00–12:00"},
		{"FREQ=YEARLY;INTERVAL=2;BYMONTH=3;BYMONTHDAY=8", mon, mon.Add(2 * time.Hour),
			"alle 2 Jahre am 8. März, 17:00–19:00", "every 2 years on 8 March, 17:00–19:00"},
		{"FREQ=YEARLY;BYMONTH=10;BYDAY=1MO", local(t, 2026, 10, 5, 17, 0), local(t, 2026, 10, 5, 19, 0),
			"jährlich am ersten Montag im Oktober, 17:00–19:00", "every year on the first Monday of October, 17:00–19:00"},
		{"FREQ=WEEKLY", tue, tue.Add(3 * time.Hour), // the template's weekday
			"wöchentlich dienstags, 16:00–19:00", "weekly on Tuesday, 16:00–19:00"},

		// Endings.
		{"FREQ=WEEKLY;BYDAY=TU;COUNT=10", tue, tue.Add(3 * time.Hour),
			"wöchentlich dienstags, 16:00–19:00, 10 Termine", "weekly on Tuesday, 16:00–19:00, 10 times"},
		{"FREQ=WEEKLY;COUNT=1", tue, tue.Add(3 * time.Hour),
			"wöchentlich dienstags, 16:00–19:00, 1 Termin", "weekly on Tuesday, 16:00–19:00, once"},
		{"FREQ=WEEKLY;UNTIL=20271231", tue, tue.Add(3 * time.Hour),
			"wöchentlich dienstags, 16:00–19:00, bis 31.12.2027", "weekly on Tuesday, 16:00–19:00, until 31 December 2027"},
		// 23:30Z on 31 December is already 1 January in Berlin.
		{"FREQ=WEEKLY;UNTIL=20271231T233000Z", tue, tue.Add(3 * time.Hour),
			"wöchentlich dienstags, 16:00–19:00, bis 01.01.2028", "weekly on Tuesday, 16:00–19:00, until 1 January 2028"},

		// Times of day: the template's local times, also in summer.
		{"FREQ=WEEKLY", local(t, 2026, 7, 7, 16, 0), local(t, 2026, 7, 7, 19, 0),
			"wöchentlich dienstags, 16:00–19:00", "weekly on Tuesday, 16:00–19:00"},
		{"FREQ=WEEKLY", local(t, 2026, 7, 7, 22, 0), local(t, 2026, 7, 8, 1, 0),
			"wöchentlich dienstags, 22:00–01:00", "weekly on Tuesday, 22:00–01:00"},
		{"FREQ=WEEKLY", local(t, 2026, 7, 7, 9, 0), local(t, 2026, 7, 9, 17, 0),
			"wöchentlich dienstags, 09:00–17:00 (+2 Tage)", "weekly on Tuesday, 09:00–17:00 (+2 days)"},

		// Generic wording where plain words would be wrong or are missing.
		{"FREQ=MONTHLY;BYDAY=MO,TU;BYSETPOS=-1", mon, mon.Add(2 * time.Hour),
			"Serie nach der Regel FREQ=MONTHLY;BYDAY=MO,TU;BYSETPOS=-1, 17:00–19:00",
			"series following the rule FREQ=MONTHLY;BYDAY=MO,TU;BYSETPOS=-1, 17:00–19:00"},
		{"FREQ=MONTHLY;BYMONTHDAY=31", mon, mon.Add(2 * time.Hour), // not every month has one
			"Serie nach der Regel FREQ=MONTHLY;BYMONTHDAY=31, 17:00–19:00",
			"series following the rule FREQ=MONTHLY;BYMONTHDAY=31, 17:00–19:00"},
		{"FREQ=MONTHLY;BYDAY=5TH", thu, thu.Add(2 * time.Hour), // nor a fifth Thursday
			"Serie nach der Regel FREQ=MONTHLY;BYDAY=5TH, 17:00–19:00",
			"series following the rule FREQ=MONTHLY;BYDAY=5TH, 17:00–19:00"},
		{"FREQ=YEARLY;COUNT=4", local(t, 2028, 2, 29, 10, 0), local(t, 2028, 2, 29, 12, 0), // leap day
			"Serie nach der Regel FREQ=YEARLY;COUNT=4, 10:00–12:00, 4 Termine",
			"series following the rule FREQ=YEARLY;COUNT=4, 10:00–12:00, 4 times"},
		{"FREQ=WEEKLY;BYMONTH=1,2", tue, tue.Add(3 * time.Hour),
			"Serie nach der Regel FREQ=WEEKLY;BYMONTH=1,2, 16:00–19:00",
			"series following the rule FREQ=WEEKLY;BYMONTH=1,2, 16:00–19:00"},
	}
	for _, tt := range tests {
		de, en, err := DescribeRule(tt.rule, tt.start, tt.end, z)
		if err != nil {
			t.Errorf("DescribeRule(%s): %v", tt.rule, err)
			continue
		}
		if de != tt.de {
			t.Errorf("DescribeRule(%s) de:\n got %q\nwant %q", tt.rule, de, tt.de)
		}
		if en != tt.en {
			t.Errorf("DescribeRule(%s) en:\n got %q\nwant %q", tt.rule, en, tt.en)
		}
	}
}

func TestDescribeRuleInvalid(t *testing.T) {
	z := berlin(t)
	_, _, err := DescribeRule("FREQ=HOURLY", local(t, 2026, 1, 1, 9, 0), local(t, 2026, 1, 1, 10, 0), z)
	var ve *ValidationError
	if !errors.As(err, &ve) || ve.Problems[0].Code != CodeInvalidRule {
		t.Errorf("err = %v, want an invalid-rule problem", err)
	}
}
