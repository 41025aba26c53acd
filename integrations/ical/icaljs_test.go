package ical

import (
	"strings"
	"testing"
	"time"

	"github.com/kogge-project/kogge/integrations/ical/icaljstest"
)

// runIcalJS parses ics with Mozilla's ical.js (see package icaljstest).
func runIcalJS(t *testing.T, ics string) icaljstest.Result {
	t.Helper()
	return icaljstest.Parse(t, ics)
}

func isoUTC(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// TestFeedsParseInIcalJS checks feeds and invitations with an independent
// parser: every VEVENT must come out at the instants Go's own parser reads
// (which the round-trip tests tie to the bookings), so ical.js applies our
// VTIMEZONE as Go applies the tz data.
func TestFeedsParseInIcalJS(t *testing.T) {
	f := newFixture(t)
	cases := map[string]string{"feed": writeFeed(t, f.feed(t))}

	winter := f.feed(t) // a series across the autumn change and a year's end
	winter.Series[0].Template.Start = at(t, 2026, 10, 20, 17, 0).UTC()
	winter.Series[0].Template.End = at(t, 2026, 10, 20, 18, 0).UTC()
	winter.Series[0].Rule = "FREQ=WEEKLY;INTERVAL=2;UNTIL=20270401"
	winter.Series[0].ExDates = []time.Time{at(t, 2026, 12, 29, 17, 0).UTC()}
	winter.Bookings = nil
	cases["winter series"] = writeFeed(t, winter)

	utc := f.feed(t)
	utc.Rooms, utc.Zone = nil, time.UTC
	cases["utc"] = writeFeed(t, utc)

	ny := f.feed(t)
	nyZone, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	ny.Rooms, ny.Zone = nil, nyZone
	cases["new york"] = writeFeed(t, ny)

	for name, inv := range map[string]Invitation{
		"request single":     f.invitation(t, MethodRequest, &f.single, nil),
		"cancel single":      f.invitation(t, MethodCancel, &f.cancelled, nil),
		"request series":     f.invitation(t, MethodRequest, nil, &f.series),
		"cancel series":      f.invitation(t, MethodCancel, nil, &f.series),
		"request occurrence": f.invitation(t, MethodRequest, &f.occ[1], &f.series),
		"cancel occurrence":  f.invitation(t, MethodCancel, &f.occ[2], &f.series),
	} {
		cases[name] = writeInvitation(t, inv)
	}

	for name, ics := range cases {
		t.Run(name, func(t *testing.T) {
			js := runIcalJS(t, ics)
			goEvents, err := ParseImport(strings.NewReader(ics), time.UTC)
			if err != nil {
				t.Fatalf("ParseImport: %v", err)
			}
			if len(js.Events) != len(goEvents) || len(js.Events) == 0 {
				t.Fatalf("ical.js sees %d events, Go %d", len(js.Events), len(goEvents))
			}
			for i, g := range goEvents {
				j := js.Events[i]
				if j.UID != g.UID || j.Start != isoUTC(g.Start) || j.End != isoUTC(g.End) {
					t.Errorf("event %d: ical.js %s %s–%s, Go %s %s–%s", i, j.UID, j.Start, j.End, g.UID, isoUTC(g.Start), isoUTC(g.End))
				}
				if want := isoUTC(g.RecurrenceID); g.RecurrenceID.IsZero() != (j.RecurrenceID == nil) || j.RecurrenceID != nil && *j.RecurrenceID != want {
					t.Errorf("event %d: RECURRENCE-ID ical.js %v, Go %s", i, j.RecurrenceID, want)
				}
				if len(j.ExDates) != len(g.ExDates) {
					t.Fatalf("event %d: EXDATEs ical.js %v, Go %v", i, j.ExDates, g.ExDates)
				}
				for k, x := range g.ExDates {
					if j.ExDates[k] != isoUTC(x) {
						t.Errorf("event %d: EXDATE %s, Go %s", i, j.ExDates[k], isoUTC(x))
					}
				}
				if (j.RRule != nil) != (g.Rule != "") {
					t.Errorf("event %d: RRULE ical.js %v, Go %q", i, j.RRule, g.Rule)
				}
				if cancelled := j.Status != nil && *j.Status == "CANCELLED"; cancelled != g.Cancelled && !strings.HasPrefix(name, "cancel") {
					t.Errorf("event %d: STATUS ical.js %v, Go cancelled %v", i, j.Status, g.Cancelled)
				}
			}
			if strings.HasPrefix(name, "request") || strings.HasPrefix(name, "cancel") {
				want := strings.ToUpper(strings.Fields(name)[0])
				if js.Method == nil || *js.Method != want {
					t.Errorf("METHOD %v, want %s", js.Method, want)
				}
			}
		})
	}
}

// TestIcalJSSeesConference: clients that read RFC 7986 get the join link.
func TestIcalJSSeesConference(t *testing.T) {
	f := newFixture(t)
	js := runIcalJS(t, writeFeed(t, f.feed(t)))
	for _, ev := range js.Events {
		if ev.UID == "b-single@kogge" {
			want := []string{"https://video.example.de/b/b-single?pwd=a,b;c", "tel:+49-30-1234-5678"}
			if strings.Join(ev.Conference, " ") != strings.Join(want, " ") {
				t.Errorf("CONFERENCE %v, want %v", ev.Conference, want)
			}
			return
		}
	}
	t.Error("b-single not found")
}
