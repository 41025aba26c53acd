package ical

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/kogge-project/kogge/rooms"
)

func berlin(t testing.TB) *time.Location {
	t.Helper()
	z, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatalf("tz data: %v", err)
	}
	return z
}

// at is a wall-clock time in Berlin.
func at(t testing.TB, y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, berlin(t))
}

var testNow = time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC)

func testRooms(t testing.TB) func(string) (rooms.Room, bool) {
	z := berlin(t)
	all := map[string]rooms.Room{
		"saal":   {ID: "saal", Name: "Großer Sitzungssaal", Building: "Rathaus, Marktplatz 1", Zone: z},
		"raum-2": {ID: "raum-2", Name: "Besprechungsraum 2", Zone: z},
	}
	return func(id string) (rooms.Room, bool) {
		r, ok := all[id]
		return r, ok
	}
}

func joinURL(b *rooms.Booking) string {
	if !b.Hybrid.Enabled {
		return ""
	}
	id := b.ID
	if b.SeriesID != "" { // one room link for a whole series
		id = b.SeriesID
	}
	return "https://video.example.de/b/" + id + "?pwd=a,b;c"
}

func dialIn(b *rooms.Booking) string {
	if !b.Hybrid.Enabled {
		return ""
	}
	return "+49 30 1234-5678"
}

func booking(t testing.TB, id string, start time.Time, length time.Duration) rooms.Booking {
	return rooms.Booking{ID: id, Room: "saal", Title: "Sitzung " + id, Kind: rooms.KindMeeting, Organizer: "mueller",
		Start: start.UTC(), End: start.Add(length).UTC(), Status: rooms.StatusConfirmed, Version: 1,
		Created: testNow.Add(-time.Hour), Updated: testNow.Add(-time.Minute)}
}

// fixture is a realistic feed: singles (one confidential, one cancelled),
// and a weekly series across the spring DST change with an ExDate, a moved
// exception, an edited exception, a cancelled and a released occurrence.
type fixture struct {
	single, confidential, cancelled rooms.Booking
	series                          rooms.Series
	occ                             []rooms.Booking // stored occurrences, by slot
}

func newFixture(t testing.TB) *fixture {
	z := berlin(t)
	f := &fixture{}
	f.single = booking(t, "b-single", at(t, 2026, 3, 10, 17, 0), 2*time.Hour)
	f.single.Title = "Haushaltsausschuss; Sondersitzung, öffentlich\nTeil 2 \\ Ende"
	f.single.Notes = "Bitte Unterlagen mitbringen."
	f.single.Hybrid.Enabled = true
	f.single.Version = 4
	f.confidential = booking(t, "b-secret", at(t, 2026, 3, 11, 9, 0), time.Hour)
	f.confidential.Title = "Bewerbungsgespräch Frau X"
	f.confidential.Confidential = true
	f.confidential.Kind = rooms.KindInterview
	f.confidential.Status = rooms.StatusTentative
	f.cancelled = booking(t, "b-gone", at(t, 2026, 3, 12, 14, 0), time.Hour)
	f.cancelled.Status = rooms.StatusCancelled
	f.cancelled.Version = 2

	tpl := booking(t, "", at(t, 2026, 3, 17, 17, 0), 90*time.Minute)
	tpl.Title = "Bauausschuss"
	tpl.Hybrid.Enabled = true
	f.series = rooms.Series{ID: "s-bau", Template: tpl, Rule: "FREQ=WEEKLY;BYDAY=TU;COUNT=8",
		ExDates: []time.Time{at(t, 2026, 3, 24, 17, 0).UTC()}, Version: 3}
	starts, err := f.series.Expand(z, tpl.Start, tpl.Start.AddDate(1, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range starts {
		b := f.series.Occurrence(z, s)
		b.ID, b.Version = fmt.Sprintf("o-%d", i), 1
		f.occ = append(f.occ, b)
	}
	// starts: 17.3., 31.3., 7.4., 14.4., 21.4., 28.4., 5.5. (24.3. excluded)
	moved := &f.occ[1] // 31.3. 17:00 → 1.4. 18:00
	moved.Start, moved.End = at(t, 2026, 4, 1, 18, 0).UTC(), at(t, 2026, 4, 1, 19, 30).UTC()
	moved.Exception, moved.Version = true, 2
	f.occ[2].Status, f.occ[2].Version = rooms.StatusCancelled, 2 // 7.4.
	edited := &f.occ[3]                                          // 14.4.: new title only
	edited.Title, edited.Exception, edited.Version = "Bauausschuss (Ortstermin)", true, 3
	f.occ[4].Status = rooms.StatusReleased // 21.4.
	f.occ[5].Status = rooms.StatusEnded    // 28.4., ended early
	f.occ[5].End = at(t, 2026, 4, 28, 18, 0).UTC()
	return f
}

func (f *fixture) feed(t testing.TB) Feed {
	bookings := append([]rooms.Booking{f.single, f.confidential, f.cancelled}, f.occ...)
	return Feed{Name: "Großer Sitzungssaal", Zone: berlin(t), Bookings: bookings, Series: []rooms.Series{f.series},
		Rooms: testRooms(t), JoinURL: joinURL, DialIn: dialIn, Now: testNow,
		Visible: func(b *rooms.Booking) bool { return !b.Confidential }}
}

func writeFeed(t testing.TB, f Feed) string {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteFeed(&buf, f); err != nil {
		t.Fatalf("WriteFeed: %v", err)
	}
	return buf.String()
}

// unfoldText joins folded lines, for assertions on whole properties.
func unfoldText(s string) []string {
	return strings.Split(strings.TrimSuffix(strings.ReplaceAll(s, "\r\n ", ""), "\r\n"), "\r\n")
}

// vevents splits an unfolded calendar into its VEVENTs' lines.
func vevents(lines []string) [][]string {
	var out [][]string
	var cur []string
	for _, l := range lines {
		switch {
		case l == "BEGIN:VEVENT":
			cur = []string{}
		case l == "END:VEVENT":
			out = append(out, cur)
			cur = nil
		case cur != nil:
			cur = append(cur, l)
		}
	}
	return out
}

func prop(ev []string, name string) []string {
	var out []string
	for _, l := range ev {
		n := l[:strings.IndexAny(l, ":;")]
		if n == name {
			out = append(out, l)
		}
	}
	return out
}

func findEvent(t testing.TB, evs [][]string, uid, rid string) []string {
	t.Helper()
	for _, ev := range evs {
		if len(prop(ev, "UID")) == 1 && prop(ev, "UID")[0] == "UID:"+uid {
			r := prop(ev, "RECURRENCE-ID")
			if rid == "" && len(r) == 0 || len(r) == 1 && r[0] == rid {
				return ev
			}
		}
	}
	t.Fatalf("no VEVENT %s %s", uid, rid)
	return nil
}

func (f *fixture) invitation(t testing.TB, m Method, b *rooms.Booking, s *rooms.Series) Invitation {
	return Invitation{Method: m, Organizer: Address{Name: "Müller, Anna", Email: "anna.mueller@stadt.example.de"},
		Attendees: []Address{{Name: "Bauausschuss", Email: "bau@stadt.example.de"}, {Email: "gast@example.org"}},
		Booking:   b, Series: s, Occurrences: f.occ, Zone: berlin(t), Rooms: testRooms(t), JoinURL: joinURL, DialIn: dialIn, Now: testNow}
}

func writeInvitation(t testing.TB, inv Invitation) string {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteInvitation(&buf, inv); err != nil {
		t.Fatalf("WriteInvitation: %v", err)
	}
	return buf.String()
}
