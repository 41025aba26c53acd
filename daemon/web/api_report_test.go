package web

import (
	"encoding/csv"
	"strings"
	"testing"
	"time"

	"github.com/kogge-project/kogge/rooms"
	"github.com/kogge-project/kogge/rooms/usage"
)

// pastBooking stores a booking that lies in the past (the API refuses
// those), as the history the report reads.
func (e *testEnv) pastBooking(room, title string, kind rooms.Kind, start time.Time, d time.Duration, mod func(*rooms.Booking)) rooms.Booking {
	e.t.Helper()
	b := rooms.Booking{Room: room, Title: title, Kind: kind, Organizer: "Amt 10", Start: start.UTC(), End: start.Add(d).UTC(),
		Status: rooms.StatusEnded}
	if mod != nil {
		mod(&b)
	}
	got, err := e.store.Create(b, "admin")
	if err != nil {
		e.t.Fatal(err)
	}
	return got
}

func TestUtilisationReportJSONAndCSV(t *testing.T) {
	e := newTestEnv(t)
	berlin, _ := time.LoadLocation("Europe/Berlin")
	// Monday 16 November 2026, the week before testNow.
	mon := time.Date(2026, 11, 16, 10, 0, 0, 0, berlin)
	e.pastBooking("ratssaal", "Ratssitzung", rooms.KindCouncil, mon, 2*time.Hour, nil)
	e.pastBooking("ratssaal", "Vorstellungsgespräch Frau Geheim", rooms.KindInterview, mon.Add(3*time.Hour), time.Hour, func(b *rooms.Booking) {
		b.Confidential = true
		b.Hybrid.Enabled = true
	})
	e.pastBooking("sitzungszimmer-2", "Jour fixe", rooms.KindMeeting, mon.AddDate(0, 0, 1), time.Hour, func(b *rooms.Booking) {
		b.Status, b.CheckinRequired = rooms.StatusReleased, true
	})
	admin := e.login("admin")

	res := admin.do("GET", "/api/v1/reports/utilisation?from=2026-11-16&to=2026-11-22", nil)
	if res.status != 200 {
		t.Fatalf("status %d: %s", res.status, res.body)
	}
	if strings.Contains(string(res.body), "Geheim") {
		t.Error("the confidential title is in the report")
	}
	var rep reportView
	res.json(t, &rep)
	if !rep.AllRooms || rep.From != "2026-11-16" || len(rep.Rooms) != len(e.catalog.All()) {
		t.Fatalf("report %+v", rep)
	}
	var saal usage.RoomTotal
	for _, r := range rep.Rooms {
		if r.Room == "ratssaal" {
			saal = r
		}
	}
	if saal.BookedHours != 3 || saal.ByKind[rooms.KindInterview] != 1 || saal.Bookings != 2 {
		t.Errorf("ratssaal %+v", saal.Figures)
	}
	if rep.Remote.Hybrid != 1 || len(rep.Remote.Meetings) != 1 || rep.Remote.Meetings[0].Title != "" || !rep.Remote.Meetings[0].Confidential {
		t.Errorf("remote %+v", rep.Remote)
	}

	// One room, in the CSV: a header, one row per week.
	res = admin.do("GET", "/api/v1/reports/utilisation?from=2026-11-16&to=2026-11-29&room=sitzungszimmer-2&format=csv", nil, "Accept-Language", "en")
	if res.status != 200 || !strings.HasPrefix(res.header.Get("Content-Type"), "text/csv") {
		t.Fatalf("csv: %d %s", res.status, res.header.Get("Content-Type"))
	}
	rows, err := csv.NewReader(strings.NewReader(string(res.body))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 || rows[0][1] != "room" || rows[1][2] != "2026-11-16" || rows[1][15] != "1" || rows[2][2] != "2026-11-23" {
		t.Errorf("csv rows %q", rows)
	}

	// Secretaries read it too; a wrong date, an unknown room and a
	// period the wrong way round are said in words.
	if res := e.login("anna").do("GET", "/api/v1/reports/utilisation", nil); res.status != 200 {
		t.Errorf("secretary: %d", res.status)
	}
	admin.do("GET", "/api/v1/reports/utilisation?from=16.11.2026", nil).problem(t, 400, "bad-query")
	admin.do("GET", "/api/v1/reports/utilisation?room=keller", nil).problem(t, 404, "unknown-room")
	admin.do("GET", "/api/v1/reports/utilisation?from=2026-11-20&to=2026-11-19", nil).problem(t, 400, "bad-query")
	admin.do("GET", "/api/v1/reports/utilisation?format=pdf", nil).problem(t, 400, "bad-query")
}
