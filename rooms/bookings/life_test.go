package bookings_test

import (
	"errors"
	"path/filepath"
	"testing"
	"time"
	_ "time/tzdata" // the zone these tests use, whatever the machine has

	"github.com/kogge-project/kogge/rooms"
	"github.com/kogge-project/kogge/rooms/bookings"
	"github.com/kogge-project/kogge/rooms/store"
)

type fixture struct {
	t      *testing.T
	st     *store.Store
	svc    *bookings.Service
	room   rooms.Room
	clock  time.Time
	booked int
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	zone, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, clock: time.Date(2026, 12, 1, 9, 0, 0, 0, zone)}
	f.st, err = store.Open(filepath.Join(t.TempDir(), "kogge.db"), store.Options{Now: func() time.Time { return f.clock }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.st.Close() })
	f.room = rooms.Room{ID: "sz2", Name: "Sitzungszimmer 2", Capacity: 20, Zone: zone,
		PrepLead: rooms.Lead(15 * time.Minute), CheckinGrace: 10 * time.Minute, Hours: rooms.AlwaysOpen()}
	f.svc = bookings.New(bookings.Options{Store: f.st, Now: func() time.Time { return f.clock },
		Room: func(id string) (rooms.Room, bool) { return f.room, id == f.room.ID }})
	return f
}

// book stores a meeting 10:00–11:00 local that needs a check-in (the next
// one on the next day).
func (f *fixture) book(by string, confidential bool) rooms.Booking {
	f.t.Helper()
	start := time.Date(2026, 12, 1+f.booked, 10, 0, 0, 0, f.room.Zone)
	f.booked++
	b, err := f.st.Create(rooms.Booking{Room: f.room.ID, Title: "Jour fixe", Kind: rooms.KindMeeting, Organizer: by, CreatedBy: by,
		Start: start.UTC(), End: start.Add(time.Hour).UTC(), Status: rooms.StatusConfirmed,
		CheckinRequired: true, Confidential: confidential}, by)
	if err != nil {
		f.t.Fatal(err)
	}
	return b
}

func (f *fixture) at(hh, mm int) { f.clock = time.Date(2026, 12, 1, hh, mm, 0, 0, f.room.Zone) }

func refusal(t *testing.T, err error, key string) {
	t.Helper()
	var r *bookings.Refusal
	if !errors.As(err, &r) || r.Key != key {
		t.Fatalf("got %v, want the refusal %s", err, key)
	}
}

var (
	anna  = bookings.Actor{Name: "anna"}
	bernd = bookings.Actor{Name: "bernd"}
	admin = bookings.Actor{Name: "admin", Admin: true}
	door  = bookings.Actor{Name: "panel:Tür (p1)", Room: "sz2"}
	other = bookings.Actor{Name: "panel:Saal (p2)", Room: "ratssaal"}
	clock = bookings.Actor{Name: "timeline", System: true}
)

// Check-in opens at the prep instant and closes at the no-show check; a
// second check-in is fine; a panel checks in at its own door only.
func TestCheckIn(t *testing.T) {
	f := newFixture(t)
	b := f.book("anna", false)
	f.at(9, 44)
	_, err := f.svc.CheckIn(door, b.ID)
	refusal(t, err, "wrong-state.checkin-early")
	if _, err := f.svc.CheckIn(other, b.ID); !errors.Is(err, bookings.ErrForbidden) {
		t.Fatalf("another room's panel: %v", err)
	}
	f.at(9, 45)
	got, err := f.svc.CheckIn(door, b.ID)
	if err != nil || got.Status != rooms.StatusCheckedIn || !got.CheckedIn.Equal(f.clock.UTC()) {
		t.Fatalf("check-in at the prep instant: %+v %v", got, err)
	}
	if again, err := f.svc.CheckIn(anna, b.ID); err != nil || again.Version != got.Version {
		t.Fatalf("a second check-in: %v (version %d → %d)", err, got.Version, again.Version)
	}

	late := f.book("anna", false)
	f.clock = late.Start.Add(10 * time.Minute)
	_, err = f.svc.CheckIn(anna, late.ID)
	refusal(t, err, "wrong-state.checkin-closed")
}

// A room configured with prep_lead = "0s" opens check-in at the start,
// not at the default 15 minutes before it.
func TestCheckInZeroPrepLead(t *testing.T) {
	f := newFixture(t)
	f.room.PrepLead = rooms.Lead(0)
	b := f.book("anna", false)
	f.clock = b.Start.Add(-time.Minute)
	_, err := f.svc.CheckIn(door, b.ID)
	refusal(t, err, "wrong-state.checkin-early")
	f.clock = b.Start
	if got, err := f.svc.CheckIn(door, b.ID); err != nil || got.Status != rooms.StatusCheckedIn {
		t.Fatalf("check-in at the start with a zero lead: %+v %v", got, err)
	}
}

// Confidential bookings: only their creator, admins and the room's panel
// act on them.
func TestWhoMayAct(t *testing.T) {
	f := newFixture(t)
	b := f.book("anna", true)
	f.at(10, 0)
	if _, err := f.svc.Extend(bernd, b.ID, 15); !errors.Is(err, bookings.ErrForbidden) {
		t.Fatalf("bernd extends anna's confidential booking: %v", err)
	}
	for _, a := range []bookings.Actor{anna, admin, door} {
		if _, err := f.svc.Extend(a, b.ID, 5); err != nil {
			t.Fatalf("%s extends: %v", a.Name, err)
		}
	}
}

// Extend keeps the rules and the room free; End frees the room from the
// next minute; both refuse what is over.
func TestExtendAndEnd(t *testing.T) {
	f := newFixture(t)
	b := f.book("anna", false)
	next, err := f.st.Create(rooms.Booking{Room: f.room.ID, Title: "Danach", Kind: rooms.KindMeeting, Organizer: "bernd",
		Start: b.End.Add(30 * time.Minute), End: b.End.Add(90 * time.Minute), Status: rooms.StatusConfirmed}, "bernd")
	if err != nil {
		t.Fatal(err)
	}
	f.at(10, 30)
	_, err = f.svc.Extend(anna, b.ID, 0)
	refusal(t, err, "field.extend")
	got, err := f.svc.Extend(anna, b.ID, 30)
	if err != nil || !got.End.Equal(b.End.Add(30*time.Minute)) {
		t.Fatalf("extend into the free half hour: %v %v", got.End, err)
	}
	var ce *rooms.ConflictError
	if _, err := f.svc.Extend(anna, b.ID, 15); !errors.As(err, &ce) || ce.Conflicts[0].ID != next.ID {
		t.Fatalf("extend into the next booking: %v", err)
	}
	f.clock = f.clock.Add(20*time.Minute + 30*time.Second)
	ended, err := f.svc.End(door, b.ID)
	if err != nil || ended.Status != rooms.StatusEnded || !ended.End.Equal(f.clock.Truncate(time.Minute).Add(time.Minute).UTC()) {
		t.Fatalf("end: %+v %v", ended, err)
	}
	_, err = f.svc.Extend(anna, b.ID, 15)
	refusal(t, err, "wrong-state.extend-status")
	_, err = f.svc.End(anna, next.ID)
	refusal(t, err, "wrong-state.not-started")
}

// The timeline's own changes: a release only once the grace has passed
// and nobody checked in; the finish only once the end has come.
func TestReleaseAndFinish(t *testing.T) {
	f := newFixture(t)
	b := f.book("anna", false)
	f.at(10, 9)
	if _, released, err := f.svc.Release(clock, b.ID); err != nil || released {
		t.Fatalf("released within the grace: %v %v", released, err)
	}
	f.at(10, 10)
	got, released, err := f.svc.Release(clock, b.ID)
	if err != nil || !released || got.Status != rooms.StatusReleased {
		t.Fatalf("release after the grace: %v %v %v", got.Status, released, err)
	}

	c := f.book("anna", false)
	f.clock = c.Start
	if _, err := f.svc.CheckIn(anna, c.ID); err != nil {
		t.Fatal(err)
	}
	f.clock = c.Start.Add(20 * time.Minute)
	if _, released, _ := f.svc.Release(clock, c.ID); released {
		t.Fatal("a checked-in booking was released")
	}
	if got, _ := f.svc.Finish(clock, c.ID); got.Status != rooms.StatusCheckedIn {
		t.Fatalf("finished before its end: %v", got.Status)
	}
	f.clock = c.End
	if got, _ := f.svc.Finish(clock, c.ID); got.Status != rooms.StatusEnded {
		t.Fatalf("not finished at its end: %v", got.Status)
	}
}
