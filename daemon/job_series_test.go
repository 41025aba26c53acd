package main

import (
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/kogge-project/kogge/daemon/config"
	"github.com/kogge-project/kogge/rooms"
	"github.com/kogge-project/kogge/rooms/store"
)

func TestExtendSeriesJobMovesTheHorizon(t *testing.T) {
	e := newTestEnv(t)
	// The job runs on the real clock, so the series starts next Tuesday.
	berlin, _ := time.LoadLocation("Europe/Berlin")
	now := time.Now().In(berlin)
	first := time.Date(now.Year(), now.Month(), now.Day()+1, 10, 0, 0, 0, berlin)
	for first.Weekday() != time.Tuesday {
		first = first.AddDate(0, 0, 1)
	}
	e.now = now
	e.server.horizonMonths = 1
	var v seriesView
	r := e.login("anna").do("POST", "/api/v1/series", series(map[string]any{
		"start": first.Format(time.RFC3339), "end": first.Add(time.Hour).Format(time.RFC3339), "rule": "FREQ=WEEKLY;BYDAY=TU",
	}))
	r.json(t, &v)
	if r.status != 201 || len(v.Occurrences) < 3 || len(v.Occurrences) > 5 {
		t.Fatalf("open series over one month: %d %d occurrences %s", r.status, len(v.Occurrences), r.body)
	}
	cfg := config.Demo(t.TempDir())
	cfg.Series.HorizonMonths = 3
	d := &daemonProcess{cfg: cfg, store: e.store, catalog: e.catalog, log: slog.New(slog.DiscardHandler)}
	summary, err := d.extendSeriesJob(config.Job{Name: "horizon"})
	if err != nil {
		t.Fatal(err)
	}
	var after seriesView
	e.login("anna").do("GET", "/api/v1/series/"+v.ID, nil).json(t, &after)
	if n := len(after.Occurrences); n < 12 || n > 14 {
		t.Fatalf("after extending to three months: %d occurrences (%s)", n, summary)
	}
	if again, _ := d.extendSeriesJob(config.Job{Name: "horizon"}); again == "" {
		t.Fatal("no summary")
	}
	var twice seriesView
	e.login("anna").do("GET", "/api/v1/series/"+v.ID, nil).json(t, &twice)
	if len(twice.Occurrences) != len(after.Occurrences) {
		t.Fatalf("a second run added %d meetings", len(twice.Occurrences)-len(after.Occurrences))
	}
}

func TestPurgeJobFollowsRetention(t *testing.T) {
	e := newTestEnv(t)
	// Bookings from long ago, written straight to the store (the API
	// refuses the past).
	old := time.Now().AddDate(0, -8, 0).Truncate(time.Minute)
	for i, k := range []rooms.Kind{rooms.KindInterview, rooms.KindCouncil} {
		start := old.Add(time.Duration(i) * 24 * time.Hour)
		if _, err := e.store.Create(rooms.Booking{Room: "ratssaal", Title: "alt " + string(k), Kind: k, Organizer: "anna",
			Start: start, End: start.Add(time.Hour), Status: rooms.StatusEnded}, "anna"); err != nil {
			t.Fatal(err)
		}
	}
	cfg := config.Demo(t.TempDir()) // interviews: about six months; council: ten years
	d := &daemonProcess{cfg: cfg, store: e.store, catalog: e.catalog, log: slog.New(slog.DiscardHandler)}
	summary, err := d.purgeJob(config.Job{Name: "purge"})
	if err != nil || !strings.HasPrefix(summary, "1 bookings") {
		t.Fatalf("purge: %q %v", summary, err)
	}
	page, _ := e.store.List(store.Query{})
	if len(page.Bookings) != 1 || page.Bookings[0].Kind != rooms.KindCouncil {
		t.Fatalf("left: %+v", page.Bookings)
	}
}
