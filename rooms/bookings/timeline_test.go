package bookings_test

import (
	"testing"
	"time"

	"github.com/kogge-project/kogge/rooms"
	"github.com/kogge-project/kogge/rooms/bookings"
	"github.com/kogge-project/kogge/rooms/timeline"
)

var _ timeline.Store = bookings.TimelineStore{}

// The timeline may fire an instant the store has already moved on from:
// the adapter must then change nothing; a release reaches the change feed
// (the contact's mail hears it there) and its reason is audited.
func TestTimelineStoreIgnoresOutdatedInstants(t *testing.T) {
	f := newFixture(t)
	b := f.book("anna", false)
	var released []string
	defer f.st.Subscribe(func(c rooms.Change) {
		if c.Action == bookings.ActionRelease {
			released = append(released, c.After.ID)
		}
	})()
	a := bookings.NewTimelineStore(f.svc, f.st)
	f.at(10, 5) // the grace runs to 10:10, the end is 11:00
	if got, err := a.Release(b.ID, "test"); err != nil || got.Status != rooms.StatusConfirmed {
		t.Fatalf("release before the grace ended: %v %v", got.Status, err)
	}
	if got, err := a.Finish(b.ID); err != nil || got.Status != rooms.StatusConfirmed {
		t.Fatalf("finish before the end: %v %v", got.Status, err)
	}
	f.at(10, 15)
	if got, err := a.Release(b.ID, "no check-in by 10:10"); err != nil || got.Status != rooms.StatusReleased {
		t.Fatalf("release after the grace: %v %v", got.Status, err)
	}
	if len(released) != 1 || released[0] != b.ID {
		t.Fatalf("release not on the change feed once: %v", released)
	}
	hist, _ := f.st.Audit(b.ID)
	if last := hist[len(hist)-1]; last.Action != "release.reason" || last.Detail != "no check-in by 10:10" {
		t.Fatalf("reason not audited: %+v", last)
	}
}

func TestSweepEndsBookingsMissedLongAgo(t *testing.T) {
	f := newFixture(t)
	now := f.clock.UTC()
	mk := func(daysAgo int, status rooms.Status) rooms.Booking {
		start := now.AddDate(0, 0, -daysAgo)
		b, err := f.st.Create(rooms.Booking{Room: f.room.ID, Title: "alt", Kind: rooms.KindMeeting, Organizer: "anna",
			Start: start, End: start.Add(time.Hour), Status: status}, "anna")
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	old, cancelled, recent := mk(3, rooms.StatusConfirmed), mk(4, rooms.StatusCancelled), mk(0, rooms.StatusConfirmed)
	a := bookings.NewTimelineStore(f.svc, f.st)
	n, err := a.Sweep(now, 24*time.Hour)
	if err != nil || n != 1 {
		t.Fatalf("swept %d, %v", n, err)
	}
	for id, want := range map[string]rooms.Status{old.ID: rooms.StatusEnded, cancelled.ID: rooms.StatusCancelled, recent.ID: rooms.StatusConfirmed} {
		if got, _ := f.st.Get(id); got.Status != want {
			t.Errorf("%s: %s, want %s", id, got.Status, want)
		}
	}
}
