package ical

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kogge-project/kogge/rooms"
)

// TestRoundTrip: what WriteFeed writes, ParseImport reads back at the
// same instants, for every event, override and EXDATE.
func TestRoundTrip(t *testing.T) {
	f := newFixture(t)
	evs, err := ParseImport(strings.NewReader(writeFeed(t, f.feed(t))), time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	type key struct{ uid, rid string }
	got := make(map[key]ImportedEvent)
	for _, ev := range evs {
		got[key{ev.UID, isoUTC(ev.RecurrenceID)}] = ev
	}
	zero := isoUTC(time.Time{})
	check := func(k key, b rooms.Booking, cancelled bool) {
		t.Helper()
		ev, ok := got[k]
		if !ok {
			t.Fatalf("no event %v", k)
		}
		if !ev.Start.Equal(b.Start) || !ev.End.Equal(b.End) || ev.Cancelled != cancelled {
			t.Errorf("%v: %s–%s cancelled %v, want %s–%s %v", k, ev.Start, ev.End, ev.Cancelled, b.Start, b.End, cancelled)
		}
	}
	check(key{"b-single@kogge", zero}, f.single, false)
	check(key{"b-secret@kogge", zero}, f.confidential, false)
	check(key{"b-gone@kogge", zero}, f.cancelled, true)
	check(key{"s-bau@kogge", zero}, f.series.Template, false)
	check(key{"s-bau@kogge", isoUTC(at(t, 2026, 3, 31, 17, 0))}, f.occ[1], false)
	check(key{"s-bau@kogge", isoUTC(at(t, 2026, 4, 14, 17, 0))}, f.occ[3], false)
	check(key{"s-bau@kogge", isoUTC(at(t, 2026, 4, 28, 17, 0))}, f.occ[5], false)
	master := got[key{"s-bau@kogge", zero}]
	if master.Rule != f.series.Rule {
		t.Errorf("rule %q", master.Rule)
	}
	want := []time.Time{at(t, 2026, 3, 24, 17, 0), at(t, 2026, 4, 7, 17, 0), at(t, 2026, 4, 21, 17, 0)}
	if !slices.EqualFunc(master.ExDates, want, time.Time.Equal) {
		t.Errorf("ExDates %v, want %v", master.ExDates, want)
	}
	if got[key{"b-single@kogge", zero}].Summary != f.single.Title {
		t.Errorf("summary %q", got[key{"b-single@kogge", zero}].Summary)
	}
	// The series expands, with the stored ExDates and the written ones, to
	// exactly the meetings that take place.
	s := rooms.Series{Template: rooms.Booking{Start: master.Start, End: master.End}, Rule: master.Rule, ExDates: master.ExDates}
	starts, err := s.Expand(berlin(t), master.Start, master.Start.AddDate(1, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	var held []time.Time
	for _, b := range f.occ {
		if !b.Exception && b.Status.Blocks() {
			held = append(held, b.Start)
		}
	}
	held = append(held, at(t, 2026, 3, 31, 17, 0).UTC(), at(t, 2026, 4, 14, 17, 0).UTC()) // slots of the exceptions
	slices.SortFunc(held, time.Time.Compare)
	if !slices.EqualFunc(starts, held, time.Time.Equal) {
		t.Errorf("the rule gives %v, the stored meetings are %v", starts, held)
	}
}

const outlookBerlin = `BEGIN:VCALENDAR
PRODID:-//Microsoft Corporation//Outlook 16.0 MIMEDIR//EN
VERSION:2.0
METHOD:PUBLISH
BEGIN:VTIMEZONE
TZID:W. Europe Standard Time
BEGIN:STANDARD
DTSTART:16011028T030000
RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:16010325T020000
RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
END:DAYLIGHT
END:VTIMEZONE
BEGIN:VEVENT
UID:040000008200E00074C5B7101A82E008
SUMMARY:Sitzung des Rates\, öffentlich
LOCATION:Ratssaal
DTSTART;TZID="W. Europe Standard Time":20260610T160000
DTEND;TZID="W. Europe Standard Time":20260610T190000
BEGIN:VALARM
TRIGGER:-PT15M
ACTION:DISPLAY
DESCRIPTION:Reminder
END:VALARM
END:VEVENT
END:VCALENDAR
`

func TestParseImport(t *testing.T) {
	z := berlin(t)
	head := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\n"
	tail := "END:VCALENDAR\r\n"
	event := func(lines ...string) string {
		return head + "BEGIN:VEVENT\r\nUID:u1\r\n" + strings.Join(lines, "\r\n") + "\r\nEND:VEVENT\r\n" + tail
	}
	tests := []struct {
		name       string
		in         string
		start, end time.Time
		check      func(t *testing.T, ev ImportedEvent)
	}{
		{"utc", event("DTSTART:20260310T160000Z", "DTEND:20260310T180000Z"),
			at(t, 2026, 3, 10, 17, 0), at(t, 2026, 3, 10, 19, 0), nil},
		{"iana tzid", event("DTSTART;TZID=Europe/Berlin:20260710T170000", "DTEND;TZID=Europe/Berlin:20260710T180000"),
			at(t, 2026, 7, 10, 17, 0), at(t, 2026, 7, 10, 18, 0), nil},
		{"vendor-prefixed tzid", event("DTSTART;TZID=/citadel.org/20190914_1/Europe/Berlin:20260710T170000", "DURATION:PT1H30M"),
			at(t, 2026, 7, 10, 17, 0), at(t, 2026, 7, 10, 18, 30), nil},
		{"floating is read in the zone", event("DTSTART:20261025T023000", "DTEND:20261025T040000"),
			// 02:30 happens twice on 25.10.2026: the first (CEST) is meant
			time.Date(2026, 10, 25, 0, 30, 0, 0, time.UTC), at(t, 2026, 10, 25, 4, 0), nil},
		{"whole day", event("DTSTART;VALUE=DATE:20260329"),
			at(t, 2026, 3, 29, 0, 0), at(t, 2026, 3, 30, 0, 0), func(t *testing.T, ev ImportedEvent) {
				if !ev.AllDay || ev.End.Sub(ev.Start) != 23*time.Hour {
					t.Errorf("all day %v, length %s (the DST day has 23 h)", ev.AllDay, ev.End.Sub(ev.Start))
				}
			}},
		{"rule, exdates, lower case, LF, folding", strings.ReplaceAll(event(
			"dtstart;tzid=Europe/Berlin:20260317T170000", "DTEND;TZID=Europe/Berlin:20260317T183000",
			"RRULE:FREQ=WEEKLY;BYDAY=TU;COUNT=10", "EXDATE;TZID=Europe/Berlin:20260324T170000,20260331T17",
			" 0000", "EXDATE:20260407T150000Z", "SUMMARY:Bau\\,aus\\;schuss\\nZeile\\N2", "STATUS:CANCELLED"), "\r\n", "\n"),
			at(t, 2026, 3, 17, 17, 0), at(t, 2026, 3, 17, 18, 30), func(t *testing.T, ev ImportedEvent) {
				want := []time.Time{at(t, 2026, 3, 24, 17, 0), at(t, 2026, 3, 31, 17, 0), at(t, 2026, 4, 7, 17, 0)}
				if !slices.EqualFunc(ev.ExDates, want, time.Time.Equal) {
					t.Errorf("ExDates %v", ev.ExDates)
				}
				if ev.Rule != "FREQ=WEEKLY;BYDAY=TU;COUNT=10" || !ev.Cancelled || ev.Summary != "Bau,aus;schuss\nZeile\n2" {
					t.Errorf("%+v", ev)
				}
			}},
		{"outlook with windows zone and VALARM", strings.ReplaceAll(outlookBerlin, "\n", "\r\n"),
			at(t, 2026, 6, 10, 16, 0), at(t, 2026, 6, 10, 19, 0), func(t *testing.T, ev ImportedEvent) {
				if ev.Summary != "Sitzung des Rates, öffentlich" || ev.Location != "Ratssaal" {
					t.Errorf("%+v", ev)
				}
			}},
		{"zone only in the file's VTIMEZONE", strings.ReplaceAll(strings.ReplaceAll(outlookBerlin, "W. Europe Standard Time", "Mitteleuropa"), "\n", "\r\n"),
			at(t, 2026, 6, 10, 16, 0), at(t, 2026, 6, 10, 19, 0), nil},
		{"bom and blank lines", "\xef\xbb\xbf" + strings.ReplaceAll(event("DTSTART:20260310T160000Z"), "UID:u1", "UID:u1\r\n"),
			at(t, 2026, 3, 10, 17, 0), at(t, 2026, 3, 10, 17, 0), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			evs, err := ParseImport(strings.NewReader(tt.in), z)
			if err != nil {
				t.Fatal(err)
			}
			if len(evs) != 1 {
				t.Fatalf("%d events", len(evs))
			}
			ev := evs[0]
			if !ev.Start.Equal(tt.start) || !ev.End.Equal(tt.end) {
				t.Errorf("%s–%s, want %s–%s", ev.Start, ev.End, tt.start, tt.end)
			}
			if tt.check != nil {
				tt.check(t, ev)
			}
		})
	}
}

func TestParseImportErrors(t *testing.T) {
	tests := []struct {
		name string
		in   string
		line int
		msg  string
	}{
		{"not a calendar", "hello\r\n", 1, "not a property"},
		{"no vcalendar", "BEGIN:VEVENT\r\nEND:VEVENT\r\n", 1, "outside a VCALENDAR"},
		{"unclosed", "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART:20260101T100000Z\r\n", 2, "never closed"},
		{"mismatched end", "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nEND:VTODO\r\nEND:VCALENDAR\r\n", 3, "BEGIN:VEVENT at line 2"},
		{"no dtstart", "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:x\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n", 2, "without DTSTART"},
		{"bad time", "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART:2026-01-01\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n", 3, "not a time"},
		{"unknown zone", "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART;TZID=Mars/Olympus:20260101T100000\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n", 3, "unknown time zone"},
		{"end before start", "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART:20260101T100000Z\r\nDTEND:20260101T090000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n", 4, "before DTSTART"},
		{"folded line numbers", "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nSUMMARY:a\r\n b\r\n c\r\nDTSTART:x\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n", 6, "not a time"},
		{"bad duration", "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART:20260101T100000Z\r\nDURATION:1H\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n", 4, "not a duration"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseImport(strings.NewReader(tt.in), berlin(t))
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %v, want a *ParseError", err)
			}
			if pe.Line != tt.line || !strings.Contains(pe.Msg, tt.msg) {
				t.Errorf("line %d %q, want line %d and %q", pe.Line, pe.Msg, tt.line, tt.msg)
			}
		})
	}
}

func FuzzParseImport(f *testing.F) {
	fx := newFixture(f)
	f.Add(writeFeed(f, fx.feed(f)))
	f.Add(outlookBerlin)
	f.Add("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20260101\r\nDURATION:-P1W2DT3H\r\nEXDATE:20260101,20260102\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
	f.Add("BEGIN:VCALENDAR\r\nBEGIN:VTIMEZONE\r\nTZID:X\r\nBEGIN:DAYLIGHT\r\nDTSTART:19700101T000000\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:-235959\r\nRRULE:FREQ=YEARLY;BYMONTH=2;BYDAY=-5SU;COUNT=3\r\nRDATE:20000101T000000\r\nEND:DAYLIGHT\r\nEND:VTIMEZONE\r\nBEGIN:VEVENT\r\nDTSTART;TZID=X:99991231T235959\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
	zone := berlin(f)
	f.Fuzz(func(t *testing.T, in string) {
		evs, err := ParseImport(strings.NewReader(in), zone)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %v is not a *ParseError", err)
			}
			return
		}
		for _, ev := range evs {
			if ev.End.Before(ev.Start) {
				t.Fatalf("end before start: %+v", ev)
			}
		}
	})
}
