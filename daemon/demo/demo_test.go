package demo

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/kogge-project/kogge/daemon/config"
	"github.com/kogge-project/kogge/rooms"
	"github.com/kogge-project/kogge/rooms/council"
	"github.com/kogge-project/kogge/rooms/store"
)

// warnings counts what the demo logs at warning level or above.
type warnings struct{ n int }

func (w *warnings) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelWarn }
func (w *warnings) Handle(context.Context, slog.Record) error    { w.n++; return nil }
func (w *warnings) WithAttrs([]slog.Attr) slog.Handler           { return w }
func (w *warnings) WithGroup(string) slog.Handler                { return w }

// The first demo start makes the admin, whose password it returns once,
// and books a town hall's week; later starts leave both alone.
func TestEnsureAdminOnlyOnFirstStart(t *testing.T) {
	var warned warnings
	d := newData(t, slog.New(&warned))
	now := time.Date(2026, 12, 2, 12, 2, 0, 0, time.UTC) // a Wednesday
	password, err := d.EnsureAdmin(now)
	if err != nil {
		t.Fatal(err)
	}
	if password == "" {
		t.Fatal("the first start returned no password")
	}
	if _, _, _, err := d.Accounts.Login(admin, password, "", "127.0.0.1"); err != nil {
		t.Fatalf("the admin cannot log in with the password shown: %v", err)
	}
	if warned.n != 0 {
		t.Errorf("%d warnings: the demo data was not created", warned.n)
	}
	count := func(room string) int {
		page, err := d.Store.List(store.Query{Room: room, From: now, To: now.AddDate(0, 1, 0)})
		if err != nil {
			t.Fatal(err)
		}
		return len(page.Bookings)
	}
	committee, small := count("ratssaal"), count("sitzungszimmer-2")
	if committee == 0 || small != 3 {
		t.Fatalf("the first month has %d committee meetings and %d small-room meetings, want some and 3", committee, small)
	}

	again, err := d.EnsureAdmin(now.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if again != "" {
		t.Errorf("a later start returned a password (%q)", again)
	}
	if c, s := count("ratssaal"), count("sitzungszimmer-2"); c != committee || s != small {
		t.Errorf("a later start booked again: %d and %d meetings, were %d and %d", c, s, committee, small)
	}
}

// The banner says where the demo runs, its rooms, the admin login (the
// password only on the first start) and the open meeting's links.
func TestBannerFirstAndLaterStart(t *testing.T) {
	d := newData(t, nil)
	var first bytes.Buffer
	d.WriteBanner(&first, "127.0.0.1:8080", "s3cret-once", []string{"http://h", "http://g"})
	for _, want := range []string{
		"Kogge demo is running: http://127.0.0.1:8080/",
		"Data: ./" + d.Config.Store.DataDir + "   Rooms: Interviewraum (8 seats) Ratssaal (80 seats) Sitzungszimmer 2 (20 seats)\n",
		"Admin login: admin / s3cret-once\n  This password is shown only this once.",
		"Join by link (\"Demo: Videokonferenz\", open now; two browser windows):\n    host:  http://h\n    guest: http://g\n",
		`'{"name":"admin","password":"…"}' http://127.0.0.1:8080/api/v1/session`,
	} {
		if !strings.Contains(first.String(), want) {
			t.Errorf("the first banner lacks %q:\n%s", want, first.String())
		}
	}
	// With the emulated discussion system, where to press its seats.
	d.Config.Rooms[0].Devices = []config.Device{{ID: "anlage", Kind: "cocon", Address: "127.0.0.1:4321"}}
	var withUnits bytes.Buffer
	d.WriteBanner(&withUnits, "127.0.0.1:8080", "", nil)
	if !strings.Contains(withUnits.String(), "Ratssaal, discussion system's seat buttons: http://127.0.0.1:4321/units\n") {
		t.Errorf("the banner does not say where the seats are pressed:\n%s", withUnits.String())
	}
	d.Config.Rooms[0].Devices = nil
	var later bytes.Buffer
	d.WriteBanner(&later, "127.0.0.1:8080", "", nil)
	if s := later.String(); !strings.Contains(s, "Admin login: admin (password shown on first start; reset: go run ./daemon user passwd admin)") ||
		strings.Contains(s, "Join by link") {
		t.Errorf("a later start without a meeting shows:\n%s", s)
	}
}

// The demo's last council session shows members, an agenda with a closed
// item that was dealt with, and a finished vote of room and remote members.
func TestDemoCouncilSession(t *testing.T) {
	d := newData(t, nil)
	now := time.Date(2026, 12, 2, 12, 2, 0, 0, time.UTC)
	if _, err := d.EnsureAdmin(now); err != nil {
		t.Fatal(err)
	}
	page, err := d.Store.List(store.Query{Room: "ratssaal", Kind: rooms.KindCouncil, From: now.AddDate(0, 0, -7*historyWeeks), To: now})
	if err != nil {
		t.Fatal(err)
	}
	svc := council.NewService(council.Options{Store: d.Store})
	sessions := 0
	for _, b := range page.Bookings {
		ses, err := svc.Get(b.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(ses.Members) == 0 {
			continue
		}
		sessions++
		m := ses.Minutes(b.Title, b.Start, b.End)
		closedHeld := false
		for _, it := range m.AgendaItem {
			closedHeld = closedHeld || (!it.Public && len(it.Spans) == 1)
		}
		if len(m.Person) != 9 || len(m.AgendaItem) != 4 || !closedHeld {
			t.Errorf("demo session: %d members, %d items, closed item dealt with: %t", len(m.Person), len(m.AgendaItem), closedHeld)
		}
		v := m.AgendaItem[1].Votes
		if len(v) != 1 || v[0].Closed.IsZero() || len(v[0].Ballots) != 8 || v[0].Totals[0] != (council.OptionCount{Option: "Ja", Count: 5}) {
			t.Errorf("demo vote: %+v", v)
		}
		if q := ses.QuorumNow(); q.Present != 0 {
			t.Errorf("%d members still present after the session", q.Present)
		}
	}
	if sessions != 1 {
		t.Errorf("%d council sessions with members, want the last one", sessions)
	}
}
