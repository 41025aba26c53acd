package jobs

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kogge-project/kogge/daemon/config"
	"github.com/kogge-project/kogge/rooms"
	"github.com/kogge-project/kogge/rooms/store"
)

// testStore opens an empty store and the demo configuration's rooms.
func testStore(t *testing.T) (*store.Store, *rooms.Catalog, *config.Config) {
	t.Helper()
	dir := t.TempDir()
	st, err := store.Open(filepath.Join(dir, "kogge.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	cfg := config.Demo(dir)
	rs, err := cfg.RoomList()
	if err != nil {
		t.Fatal(err)
	}
	return st, rooms.NewCatalog(rs), cfg
}

func TestExtendSeriesJobMovesTheHorizon(t *testing.T) {
	st, catalog, _ := testStore(t)
	// The job runs on the real clock, so the series starts next Tuesday.
	berlin, _ := time.LoadLocation("Europe/Berlin")
	now := time.Now().In(berlin)
	first := time.Date(now.Year(), now.Month(), now.Day()+1, 10, 0, 0, 0, berlin)
	for first.Weekday() != time.Tuesday {
		first = first.AddDate(0, 0, 1)
	}
	room, _ := catalog.Get("ratssaal")
	sr := rooms.Series{
		Template: rooms.Booking{Room: "ratssaal", Title: "Bauausschuss", Kind: rooms.KindCommittee, Organizer: "anna",
			Start: first.UTC(), End: first.Add(time.Hour).UTC(), Status: rooms.StatusConfirmed},
		Rule: "FREQ=WEEKLY;BYDAY=TU", MaterialisedUntil: now.AddDate(0, 1, 0).UTC(),
	}
	occ, _, err := rooms.PlanOccurrences(&sr, room, nil, sr.Template.Start, sr.MaterialisedUntil, now)
	if err != nil {
		t.Fatal(err)
	}
	created, stored, _, err := st.CreateSeries(sr, occ, false, "anna")
	if err != nil || len(stored) < 3 || len(stored) > 5 {
		t.Fatalf("open series over one month: %d occurrences, %v", len(stored), err)
	}

	var heard []rooms.Booking
	defer st.Subscribe(func(c rooms.Change) { heard = append(heard, c.Booking()) })()
	extend := Actions(Deps{Store: st, Catalog: catalog, HorizonMonths: 3})["extend-series"]
	summary, err := extend(t.Context(), config.Job{Name: "horizon"})
	if err != nil {
		t.Fatal(err)
	}
	after, err := st.SeriesBookings(created.ID, time.Time{})
	if n := len(after); err != nil || n < 12 || n > 14 {
		t.Fatalf("after extending to three months: %d occurrences, %v (%s)", n, err, summary)
	}
	// Listeners hear of exactly the meetings the job added, once each.
	if len(heard) != len(after)-len(stored) {
		t.Fatalf("the feed told of %d meetings, the job added %d", len(heard), len(after)-len(stored))
	}
	for _, b := range heard {
		if b.SeriesID != created.ID || b.ID == "" {
			t.Fatalf("the feed told of %+v", b)
		}
	}
	if again, _ := extend(t.Context(), config.Job{Name: "horizon"}); again == "" {
		t.Fatal("no summary")
	}
	twice, _ := st.SeriesBookings(created.ID, time.Time{})
	if len(twice) != len(after) || len(heard) != len(after)-len(stored) {
		t.Fatalf("a second run added %d meetings and told of %d", len(twice)-len(after), len(heard)-(len(after)-len(stored)))
	}
}

func TestPurgeJobFollowsRetention(t *testing.T) {
	st, catalog, cfg := testStore(t)
	// Bookings from long ago, written straight to the store (the API
	// refuses the past).
	old := time.Now().AddDate(0, -8, 0).Truncate(time.Minute)
	for i, k := range []rooms.Kind{rooms.KindInterview, rooms.KindCouncil} {
		start := old.Add(time.Duration(i) * 24 * time.Hour)
		if _, err := st.Create(rooms.Booking{Room: "ratssaal", Title: "alt " + string(k), Kind: k, Organizer: "anna",
			Start: start, End: start.Add(time.Hour), Status: rooms.StatusEnded}, "anna"); err != nil {
			t.Fatal(err)
		}
	}
	// The demo's retention: interviews about six months; council ten years.
	purge := Actions(Deps{Store: st, Catalog: catalog, Retention: cfg.Retention})["purge"]
	summary, err := purge(t.Context(), config.Job{Name: "purge"})
	if err != nil || !strings.HasPrefix(summary, "1 bookings") {
		t.Fatalf("purge: %q %v", summary, err)
	}
	page, _ := st.List(store.Query{})
	if len(page.Bookings) != 1 || page.Bookings[0].Kind != rooms.KindCouncil {
		t.Fatalf("left: %+v", page.Bookings)
	}
}

// A run whose context has ended (on a cluster: the node stopped leading)
// writes nothing more: the purge and the series extension stop and say so.
func TestJobsStopWhenTheirTermEnds(t *testing.T) {
	st, catalog, cfg := testStore(t)
	old := time.Now().AddDate(0, -8, 0).Truncate(time.Minute)
	if _, err := st.Create(rooms.Booking{Room: "ratssaal", Title: "alt", Kind: rooms.KindInterview, Organizer: "anna",
		Start: old, End: old.Add(time.Hour), Status: rooms.StatusEnded}, "anna"); err != nil {
		t.Fatal(err)
	}
	ended, cancel := context.WithCancelCause(t.Context())
	cancel(errors.New("this node no longer leads"))
	acts := Actions(Deps{Store: st, Catalog: catalog, Retention: cfg.Retention, HorizonMonths: 3})
	if _, err := acts["purge"](ended, config.Job{Name: "purge"}); err == nil || !strings.Contains(err.Error(), "no longer leads") {
		t.Errorf("purge after the term: %v, want stopped", err)
	}
	if page, _ := st.List(store.Query{}); len(page.Bookings) != 1 {
		t.Errorf("purged after the term ended: %d bookings left, want 1", len(page.Bookings))
	}
}
