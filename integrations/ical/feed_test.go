package ical

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // the zones these tests use, whatever the machine has

	"github.com/kogge-project/kogge/rooms"
)

func TestFeedCalendarProperties(t *testing.T) {
	f := newFixture(t)
	lines := unfoldText(writeFeed(t, f.feed(t)))
	for _, want := range []string{"BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:" + DefaultProdID, "CALSCALE:GREGORIAN",
		"X-WR-CALNAME:Großer Sitzungssaal", "X-WR-TIMEZONE:Europe/Berlin"} {
		if !slices.Contains(lines, want) {
			t.Errorf("missing %q", want)
		}
	}
	if slices.ContainsFunc(lines, func(l string) bool { return strings.HasPrefix(l, "METHOD:") }) {
		t.Error("a feed carries no METHOD")
	}
}

func TestVTimezoneBerlin(t *testing.T) {
	var w writer
	writeVTimezone(&w, berlin(t), 2025, 2027)
	got := strings.Join(unfoldText(string(w.buf)), "\n")
	want := strings.Join([]string{
		"BEGIN:VTIMEZONE",
		"TZID:Europe/Berlin",
		"BEGIN:DAYLIGHT",
		"DTSTART:20250330T020000",
		"TZOFFSETFROM:+0100",
		"TZOFFSETTO:+0200",
		"RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
		"TZNAME:CEST",
		"END:DAYLIGHT",
		"BEGIN:STANDARD",
		"DTSTART:20251026T030000",
		"TZOFFSETFROM:+0200",
		"TZOFFSETTO:+0100",
		"RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
		"TZNAME:CET",
		"END:STANDARD",
		"END:VTIMEZONE",
	}, "\n")
	if got != want {
		t.Errorf("VTIMEZONE:\n%s\nwant:\n%s", got, want)
	}
}

// TestVTimezoneMatchesGo writes VTIMEZONEs for zones with different habits
// and reads them back with the import's VTIMEZONE evaluator (under a TZID
// that is no IANA name, so the file's rules are used): every hour must get
// Go's offset.
func TestVTimezoneMatchesGo(t *testing.T) {
	tests := []struct {
		zone     string
		from, to int
	}{
		{"Europe/Berlin", 2025, 2028},
		{"Europe/Berlin", 1995, 1997},    // September → October end of DST in 1996
		{"America/New_York", 2006, 2008}, // rules changed in 2007
		{"Australia/Sydney", 2025, 2027}, // southern hemisphere
		{"Asia/Tokyo", 2025, 2027},       // no DST
		{"Europe/Moscow", 2010, 2015},    // permanent offsets, changed twice
		{"Asia/Kolkata", 2025, 2026},     // half-hour offset
	}
	for _, tt := range tests {
		t.Run(tt.zone+"/"+time.Date(tt.from, 1, 1, 0, 0, 0, 0, time.UTC).Format("2006"), func(t *testing.T) {
			zone, err := time.LoadLocation(tt.zone)
			if err != nil {
				t.Fatalf("no tz data for %s: %v", tt.zone, err)
			}
			var w writer
			w.line("BEGIN:VCALENDAR")
			writeVTimezone(&w, zone, tt.from, tt.to)
			w.line("END:VCALENDAR")
			text := strings.Replace(string(w.buf), "TZID:"+tt.zone, "TZID:Custom Zone", 1)
			p := &parser{ctx: context.Background(), zone: time.UTC, vtz: map[string]*vtimezone{}, zones: map[string]resolvedZone{}}
			lines, err := unfold(p.ctx, []byte(text))
			if err != nil {
				t.Fatal(err)
			}
			if err := p.walk(lines); err != nil {
				t.Fatal(err)
			}
			z, err := p.resolve("Custom Zone", 1)
			if err != nil {
				t.Fatal(err)
			}
			end := time.Date(tt.to+1, 1, 1, 0, 0, 0, 0, time.UTC)
			for at := time.Date(tt.from, 1, 1, 0, 0, 0, 0, time.UTC); at.Before(end); at = at.Add(time.Hour) {
				_, want := at.In(zone).Zone()
				if got := z.offset(at); got != want {
					t.Fatalf("%s: offset %d, Go says %d\n%s", at, got, want, text)
				}
			}
		})
	}
}

func TestSeriesWithExceptionsAndCancellations(t *testing.T) {
	f := newFixture(t)
	evs := vevents(unfoldText(writeFeed(t, f.feed(t))))
	master := findEvent(t, evs, "s-bau@kogge", "")
	for _, want := range []string{
		"DTSTART;TZID=Europe/Berlin:20260317T170000",
		"DTEND;TZID=Europe/Berlin:20260317T183000",
		"RRULE:FREQ=WEEKLY;BYDAY=TU;COUNT=8",
		// the stored ExDate, the cancelled 7.4. and the released 21.4.
		"EXDATE;TZID=Europe/Berlin:20260324T170000,20260407T170000,20260421T170000",
		"SEQUENCE:2",
		"STATUS:CONFIRMED",
	} {
		if !slices.Contains(master, want) {
			t.Errorf("series VEVENT lacks %q:\n%s", want, strings.Join(master, "\n"))
		}
	}
	moved := findEvent(t, evs, "s-bau@kogge", "RECURRENCE-ID;TZID=Europe/Berlin:20260331T170000")
	for _, want := range []string{"DTSTART;TZID=Europe/Berlin:20260401T180000", "DTEND;TZID=Europe/Berlin:20260401T193000", "SEQUENCE:1"} {
		if !slices.Contains(moved, want) {
			t.Errorf("moved exception lacks %q", want)
		}
	}
	edited := findEvent(t, evs, "s-bau@kogge", "RECURRENCE-ID;TZID=Europe/Berlin:20260414T170000")
	if !slices.Contains(edited, "SUMMARY:Bauausschuss (Ortstermin)") {
		t.Errorf("edited exception lacks its title")
	}
	ended := findEvent(t, evs, "s-bau@kogge", "RECURRENCE-ID;TZID=Europe/Berlin:20260428T170000")
	if !slices.Contains(ended, "DTEND;TZID=Europe/Berlin:20260428T180000") {
		t.Errorf("an occurrence that ended early keeps its actual end")
	}
	var overrides int
	for _, ev := range evs {
		if len(prop(ev, "RECURRENCE-ID")) > 0 {
			overrides++
		}
	}
	if overrides != 3 {
		t.Errorf("%d overrides, want 3 (moved, edited, ended early): unchanged and cancelled occurrences need none", overrides)
	}
	for _, ev := range evs {
		if u := prop(ev, "UID"); len(u) == 1 && strings.HasPrefix(u[0], "UID:o-") {
			t.Errorf("an occurrence written on its own: %s", u[0])
		}
	}
}

func TestSeriesSkippedSlotsAndOrphans(t *testing.T) {
	f := newFixture(t)
	// The 5.5. was never stored (a closure): within the stored span it is
	// excluded; the 28.4. from an older time of day stands on its own.
	var occ []rooms.Booking
	for _, b := range f.occ {
		if !b.Start.Equal(at(t, 2026, 4, 14, 17, 0).UTC()) {
			occ = append(occ, b)
		}
	}
	occ[len(occ)-2].Start = at(t, 2026, 4, 28, 16, 0).UTC()
	occ[len(occ)-2].Exception = false
	feed := f.feed(t)
	feed.Bookings = occ
	evs := vevents(unfoldText(writeFeed(t, feed)))
	master := findEvent(t, evs, "s-bau@kogge", "")
	want := "EXDATE;TZID=Europe/Berlin:20260324T170000,20260407T170000,20260414T170000,20260421T170000,20260428T170000"
	if !slices.Contains(master, want) {
		t.Errorf("want %s in\n%s", want, strings.Join(master, "\n"))
	}
	alone := findEvent(t, evs, "o-5@kogge", "")
	if !slices.Contains(alone, "DTSTART;TZID=Europe/Berlin:20260428T160000") {
		t.Errorf("orphan occurrence: %v", alone)
	}
}

func TestConfidentialHidden(t *testing.T) {
	f := newFixture(t)
	f.confidential.Hybrid.Enabled = true
	f.confidential.Notes = "Personalakte"
	feed := f.feed(t)
	feed.Bookings[1] = f.confidential
	for _, visible := range []func(*rooms.Booking) bool{nil, feed.Visible} {
		feed.Visible = visible
		out := writeFeed(t, feed)
		for _, secret := range []string{"Bewerbung", "Personalakte", "b-secret?"} {
			if strings.Contains(out, secret) {
				t.Errorf("hidden booking leaks %q", secret)
			}
		}
		ev := findEvent(t, vevents(unfoldText(out)), "b-secret@kogge", "")
		for _, want := range []string{"SUMMARY:Belegt", "CLASS:CONFIDENTIAL", "TRANSP:OPAQUE", "DTSTART;TZID=Europe/Berlin:20260311T090000"} {
			if !slices.Contains(ev, want) {
				t.Errorf("busy block lacks %q", want)
			}
		}
		for _, name := range []string{"LOCATION", "DESCRIPTION", "CONFERENCE"} {
			if len(prop(ev, name)) > 0 {
				t.Errorf("busy block has %s", name)
			}
		}
	}
	// A reader allowed to see it gets the details, still marked confidential.
	feed.Visible = func(*rooms.Booking) bool { return true }
	ev := findEvent(t, vevents(unfoldText(writeFeed(t, feed))), "b-secret@kogge", "")
	if !slices.Contains(ev, "SUMMARY:Bewerbungsgespräch Frau X") || !slices.Contains(ev, "CLASS:CONFIDENTIAL") {
		t.Errorf("visible confidential booking: %v", ev)
	}
}

func TestSingleBookingProperties(t *testing.T) {
	f := newFixture(t)
	evs := vevents(unfoldText(writeFeed(t, f.feed(t))))
	ev := findEvent(t, evs, "b-single@kogge", "")
	for _, want := range []string{
		"DTSTAMP:20260301T093000Z",
		"SEQUENCE:3",
		"DTSTART;TZID=Europe/Berlin:20260310T170000",
		"DTEND;TZID=Europe/Berlin:20260310T190000",
		`SUMMARY:Haushaltsausschuss\; Sondersitzung\, öffentlich\nTeil 2 \\ Ende`,
		`LOCATION:Großer Sitzungssaal\, Rathaus\, Marktplatz 1`,
		`DESCRIPTION:Bitte Unterlagen mitbringen.\nOnline teilnehmen: https://video.example.de/b/b-single?pwd=a\,b\;c\nTelefonische Einwahl: +49 30 1234-5678`,
		"CONFERENCE;VALUE=URI;FEATURE=VIDEO;LABEL=Online teilnehmen:https://video.example.de/b/b-single?pwd=a,b;c",
		`CONFERENCE;VALUE=URI;FEATURE=PHONE;LABEL="Telefonische Einwahl: +49 30 1234-5678":tel:+49-30-1234-5678`,
		"STATUS:CONFIRMED",
		"TRANSP:OPAQUE",
	} {
		if !slices.Contains(ev, want) {
			t.Errorf("missing %q in\n%s", want, strings.Join(ev, "\n"))
		}
	}
	gone := findEvent(t, evs, "b-gone@kogge", "")
	if !slices.Contains(gone, "STATUS:CANCELLED") || !slices.Contains(gone, "TRANSP:TRANSPARENT") || !slices.Contains(gone, "SEQUENCE:1") {
		t.Errorf("cancelled booking: %v", gone)
	}
}

func TestStatusMapping(t *testing.T) {
	tests := map[rooms.Status]string{
		rooms.StatusTentative: "TENTATIVE", rooms.StatusConfirmed: "CONFIRMED", rooms.StatusCheckedIn: "CONFIRMED",
		rooms.StatusEnded: "CONFIRMED", rooms.StatusCancelled: "CANCELLED", rooms.StatusReleased: "CANCELLED",
	}
	for _, s := range rooms.Statuses {
		if got := icalStatus(s); got != tests[s] {
			t.Errorf("%s → %s, want %s", s, got, tests[s])
		}
	}
}

func TestConferenceNotWrittenForUnsafeURLs(t *testing.T) {
	f := newFixture(t)
	feed := f.feed(t)
	feed.Series = nil
	feed.Bookings = []rooms.Booking{f.single}
	for _, url := range []string{"javascript:alert(1)", "https://x.de/a b", "https://x.de/\r\nATTENDEE:mailto:evil@x.de"} {
		feed.JoinURL = func(*rooms.Booking) string { return url }
		out := writeFeed(t, feed)
		if strings.Contains(out, "CONFERENCE;VALUE=URI;FEATURE=VIDEO") {
			t.Errorf("%q written as CONFERENCE", url)
		}
		if strings.Contains(out, "\r\nATTENDEE") {
			t.Errorf("%q injected a property", url)
		}
	}
}

func TestUntilInUTC(t *testing.T) {
	z := berlin(t)
	tests := []struct{ rule, want string }{
		{"FREQ=WEEKLY;UNTIL=20260630", "FREQ=WEEKLY;UNTIL=20260630T215959Z"},
		{"FREQ=WEEKLY;UNTIL=20261231T170000", "FREQ=WEEKLY;UNTIL=20261231T160000Z"},
		{"freq=weekly;until=20261231T160000Z", "FREQ=WEEKLY;UNTIL=20261231T160000Z"},
		{"FREQ=MONTHLY;BYDAY=2TU;COUNT=10", "FREQ=MONTHLY;BYDAY=2TU;COUNT=10"},
	}
	for _, tt := range tests {
		got, ok := exportRule(tt.rule, z)
		if !ok || got != tt.want {
			t.Errorf("exportRule(%q) = %q, %v; want %q", tt.rule, got, ok, tt.want)
		}
	}
	if _, ok := exportRule("FREQ=WEEKLY\r\nATTENDEE:x", z); ok {
		t.Error("a rule with a line break is written")
	}
}

func TestFeedIsDeterministic(t *testing.T) {
	f := newFixture(t)
	a := writeFeed(t, f.feed(t))
	feed := f.feed(t)
	slices.Reverse(feed.Bookings)
	if b := writeFeed(t, feed); a != b {
		t.Error("the order of Bookings changes the output")
	}
}
