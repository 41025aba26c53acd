package bookings_test

import (
	"errors"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/kogge-project/kogge/rooms"
	"github.com/kogge-project/kogge/rooms/bookings"
	"github.com/kogge-project/kogge/rooms/store"
)

// weekly is anna's jour fixe: Tuesdays 10:00–11:00 from 8 December 2026,
// count times (0: open-ended).
func (f *fixture) weekly(count int) bookings.NewSeries {
	start := time.Date(2026, 12, 8, 10, 0, 0, 0, f.room.Zone)
	rule := "FREQ=WEEKLY;BYDAY=TU"
	if count > 0 {
		rule += ";COUNT=" + strconv.Itoa(count)
	}
	return bookings.NewSeries{Room: f.room.ID, Rule: rule, Apply: func(b *rooms.Booking) {
		b.Title, b.Kind = "Jour fixe", rooms.KindMeeting
		b.Start, b.End = start.UTC(), start.Add(time.Hour).UTC()
	}}
}

// seriesFeeds records what the store's two feeds tell.
type seriesFeeds struct {
	mu       sync.Mutex
	bookings int
	series   []rooms.SeriesChange
}

func (f *fixture) listen() *seriesFeeds {
	l := &seriesFeeds{}
	f.t.Cleanup(f.st.Subscribe(func(rooms.Change) { l.mu.Lock(); l.bookings++; l.mu.Unlock() }))
	f.t.Cleanup(f.st.SubscribeSeries(func(c rooms.SeriesChange) { l.mu.Lock(); l.series = append(l.series, c); l.mu.Unlock() }))
	return l
}

func (l *seriesFeeds) heard() (int, []rooms.SeriesChange) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.bookings, append([]rooms.SeriesChange(nil), l.series...)
}

// A preview books nothing and says what booking would leave out (a
// closure, a taken date); booking then does just that, and the series
// feed tells of the operation once, with its meetings.
func TestCreateSeriesPreviewsSkipsAndTellsOnce(t *testing.T) {
	f := newFixture(t)
	xmas := rooms.Closure{From: rooms.DateOf(time.Date(2026, 12, 22, 0, 0, 0, 0, f.room.Zone), f.room.Zone),
		To: rooms.DateOf(time.Date(2026, 12, 23, 0, 0, 0, 0, f.room.Zone), f.room.Zone), Reason: "Weihnachten"}
	f.svc = bookings.New(bookings.Options{Store: f.st, Now: func() time.Time { return f.clock },
		Room:     func(id string) (rooms.Room, bool) { return f.room, id == f.room.ID },
		Closures: func() []rooms.Closure { return []rooms.Closure{xmas} }})
	f.booked = 14 // bernd has the room on Tuesday 15 December
	taken := f.book("bernd", false)
	heard := f.listen()

	n := f.weekly(4)
	n.SkipConflicts = true
	pre, err := f.svc.PreviewSeries(anna, n)
	if err != nil || len(pre.Occurrences) != 2 || len(pre.Skipped) != 2 || pre.Series.ID != "" {
		t.Fatalf("preview: %+v %v", pre, err)
	}
	if k := pre.Skipped[0]; k.Kind != bookings.SkipConflict || len(k.Conflicts) != 1 || k.Conflicts[0].ID != taken.ID {
		t.Errorf("the taken date: %+v", k)
	}
	if k := pre.Skipped[1]; k.Kind != bookings.SkipClosure || k.Closure == nil || k.Closure.Reason != "Weihnachten" {
		t.Errorf("the closure: %+v", k)
	}
	if b, s := heard.heard(); b != 0 || len(s) != 0 {
		t.Fatalf("a preview told %d booking and %d series changes", b, len(s))
	}

	n.SkipConflicts = false
	if _, err := f.svc.CreateSeries(anna, n); !errors.As(err, new(*rooms.SeriesConflictError)) {
		t.Fatalf("a collision without skip: %v", err)
	}
	n.SkipConflicts = true
	res, err := f.svc.CreateSeries(anna, n)
	if err != nil || len(res.Occurrences) != 2 || res.Series.ID == "" || res.Series.Template.Organizer != "anna" {
		t.Fatalf("create: %+v %v", res, err)
	}
	b, s := heard.heard()
	if b != 2 || len(s) != 1 || s[0].Action != store.ActionSeriesCreate || s[0].Actor != "anna" || len(s[0].Occurrences) != 2 {
		t.Fatalf("create told %d booking changes and series changes %+v", b, s)
	}
	if _, err := f.svc.CreateSeries(door, n); !errors.Is(err, bookings.ErrForbidden) {
		t.Fatalf("a panel books a series: %v", err)
	}
}

// A series' meetings obey the rule single bookings do: bernd,
// who may not touch anna's confidential meetings, may neither cancel nor
// change them through the series. The whole operation is refused, naming
// how many, and nothing changes.
func TestSeriesOperationsRefuseMeetingsTheActorMayNotTouch(t *testing.T) {
	f := newFixture(t)
	res, err := f.svc.CreateSeries(anna, f.weekly(4))
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range res.Occurrences[1:3] { // as the API does: edited on their own
		if _, err := f.st.Update(b.ID, 0, "anna", func(b *rooms.Booking) error { b.Confidential, b.Exception = true, true; return nil }); err != nil {
			t.Fatal(err)
		}
	}
	heard := f.listen()
	_, _, err = f.svc.CancelSeries(bernd, res.Series.ID, time.Time{})
	var r *bookings.Refusal
	if !errors.As(err, &r) || r.Code != bookings.CodeForbidden || r.Key != "forbidden.series-many" || r.Args[1] != 2 {
		t.Fatalf("bernd cancels the series: %v", err)
	}
	_, _, err = f.svc.CancelSeries(bernd, res.Series.ID, res.Occurrences[2].Start)
	refusal(t, err, "forbidden.series-one")
	if b, s := heard.heard(); b != 0 || len(s) != 0 {
		t.Fatalf("a refused cancellation told %d booking and %d series changes", b, len(s))
	}
	occ, _ := f.st.SeriesBookings(res.Series.ID, time.Time{})
	for _, b := range occ {
		if b.Status != rooms.StatusConfirmed {
			t.Fatalf("a refused cancellation left %s %s", b.ID, b.Status)
		}
	}

	// A meeting that is confidential without being edited on its own
	// (so that a series edit would reach it) refuses the edit too.
	if _, err := f.st.Update(occ[3].ID, 0, "anna", func(b *rooms.Booking) error { b.Confidential = true; return nil }); err != nil {
		t.Fatal(err)
	}
	_, _, err = f.svc.EditSeries(bernd, res.Series.ID, bookings.SeriesEdit{Apply: func(b *rooms.Booking) { b.Title = "Runde" }})
	refusal(t, err, "forbidden.series-one")

	// Anna may, and the feed tells of it once.
	sr, cancelled, err := f.svc.CancelSeries(anna, res.Series.ID, time.Time{})
	if err != nil || len(cancelled) != 4 || sr.Version != res.Series.Version+1 {
		t.Fatalf("anna cancels: %d cancelled, %v", len(cancelled), err)
	}
	if b, s := heard.heard(); b != 5 || len(s) != 1 || s[0].Action != store.ActionSeriesCancel || len(s[0].Occurrences) != 4 {
		t.Fatalf("the cancellation told %d booking changes and series changes %+v", b, s)
	}
}

// An edit of the times of day moves every meeting still to be held, and
// the exceptions' dates with them.
func TestEditSeriesMovesTheTimeOfDay(t *testing.T) {
	f := newFixture(t)
	n := f.weekly(3)
	n.ExDates = []time.Time{time.Date(2026, 12, 15, 10, 0, 0, 0, f.room.Zone)}
	res, err := f.svc.CreateSeries(anna, n)
	if err != nil || len(res.Occurrences) != 2 {
		t.Fatalf("create: %d meetings, %v", len(res.Occurrences), err)
	}
	sr, edited, err := f.svc.EditSeries(anna, res.Series.ID, bookings.SeriesEdit{Version: res.Series.Version,
		StartAt: &bookings.Clock{Hour: 14}, EndAt: &bookings.Clock{Hour: 15, Minute: 30}})
	if err != nil || len(edited) != 2 {
		t.Fatalf("edit: %d edited, %v", len(edited), err)
	}
	for _, b := range edited {
		if s, e := b.Start.In(f.room.Zone), b.End.In(f.room.Zone); s.Hour() != 14 || e.Hour() != 15 || e.Minute() != 30 {
			t.Errorf("meeting now %s–%s", s, e)
		}
	}
	if x := sr.ExDates[0].In(f.room.Zone); x.Hour() != 14 || x.Day() != 15 {
		t.Errorf("the exception is now %s", x)
	}
	if _, _, err := f.svc.EditSeries(anna, res.Series.ID, bookings.SeriesEdit{Version: res.Series.Version}); !errors.Is(err, rooms.ErrVersionMismatch) {
		t.Fatalf("an edit of an old version: %v", err)
	}
}

// Only the daemon extends series to the horizon and purges; extending
// twice adds nothing the second time.
func TestExtendAndPurgeAreTheDaemons(t *testing.T) {
	f := newFixture(t)
	res, err := f.svc.CreateSeries(anna, f.weekly(0))
	if err != nil {
		t.Fatal(err)
	}
	job := bookings.Actor{Name: "job horizon", System: true}
	if _, err := f.svc.ExtendSeries(anna); !errors.Is(err, bookings.ErrForbidden) {
		t.Fatalf("anna extends: %v", err)
	}
	if _, err := f.svc.Purge(admin, func(rooms.Kind) time.Duration { return 0 }, 0); !errors.Is(err, bookings.ErrForbidden) {
		t.Fatalf("an admin purges: %v", err)
	}
	heard := f.listen()
	f.clock = f.clock.AddDate(0, 1, 0)
	rep, err := f.svc.ExtendSeries(job)
	if err != nil || rep.Series != 1 || rep.Added < 4 || rep.Added > 5 || len(rep.Stored) != rep.Added || len(rep.Failed) != 0 {
		t.Fatalf("a month later: %+v %v", rep, err)
	}
	if _, s := heard.heard(); len(s) != 1 || s[0].Action != store.ActionSeriesExtend || s[0].Actor != "job horizon" {
		t.Fatalf("the extension told %+v", s)
	}
	if again, err := f.svc.ExtendSeries(job); err != nil || again.Added != 0 {
		t.Fatalf("again: %+v %v", again, err)
	}
	all, _ := f.st.SeriesBookings(res.Series.ID, time.Time{})
	if len(all) != len(res.Occurrences)+rep.Added {
		t.Fatalf("%d meetings stored, want %d", len(all), len(res.Occurrences)+rep.Added)
	}

	// Twenty years on, with a day's retention, every meeting is history.
	f.clock = f.clock.AddDate(20, 0, 0)
	pr, err := f.svc.Purge(job, func(rooms.Kind) time.Duration { return 24 * time.Hour }, 24*time.Hour)
	if err != nil || pr.Bookings != len(all) {
		t.Fatalf("purge: %+v %v", pr, err)
	}
}
