package bookings_test

import (
	"errors"
	"testing"
	"time"

	"github.com/kogge-project/kogge/rooms"
	"github.com/kogge-project/kogge/rooms/bookings"
	"github.com/kogge-project/kogge/rooms/store"
)

// refused checks that err is the refusal code/key.
func refused(t *testing.T, err error, code, key string) {
	t.Helper()
	var r *bookings.Refusal
	if !errors.As(err, &r) || r.Code != code || r.Key != key {
		t.Fatalf("got %v, want the refusal %s (%s)", err, code, key)
	}
}

// invalid checks that err is a validation error with the code.
func invalid(t *testing.T, err error, code string) {
	t.Helper()
	var ve *rooms.ValidationError
	if !errors.As(err, &ve) || ve.Problems[0].Code != code {
		t.Fatalf("got %v, want the validation problem %s", err, code)
	}
}

// meeting fills a booking 14:00–15:00 local on the fixture's day.
func (f *fixture) meeting(title string) func(*rooms.Booking) {
	return func(b *rooms.Booking) {
		b.Title = title
		b.Start = time.Date(2026, 12, 1, 14, 0, 0, 0, f.room.Zone)
		b.End = b.Start.Add(time.Hour)
	}
}

func TestBook(t *testing.T) {
	f := newFixture(t)
	f.room.Setup, f.room.Teardown, f.room.CheckinRequired = 10*time.Minute, 5*time.Minute, true
	b, err := f.svc.Book(anna, bookings.Request{Room: "sz2", Fill: f.meeting("Jour fixe")})
	if err != nil {
		t.Fatal(err)
	}
	if b.Organizer != "anna" || b.CreatedBy != "anna" || b.Status != rooms.StatusConfirmed || b.Kind != rooms.KindMeeting ||
		b.Setup != 10*time.Minute || b.Teardown != 5*time.Minute || !b.CheckinRequired || b.Version != 1 {
		t.Fatalf("the room's defaults not applied: %+v", b)
	}
	if _, err := f.svc.Book(bernd, bookings.Request{Room: "sz2", Fill: f.meeting("Doppelt")}); err == nil {
		t.Fatal("a second meeting at the same time was booked")
	} else if ce := (*rooms.ConflictError)(nil); !errors.As(err, &ce) || ce.Conflicts[0].ID != b.ID {
		t.Fatalf("conflict: %v", err)
	}

	// Council sessions take place whoever checks in; a caller's choice
	// wins over the room's default.
	later := func(kind rooms.Kind, day int) func(*rooms.Booking) {
		return func(b *rooms.Booking) {
			f.meeting("Sitzung")(b)
			b.Kind, b.Start, b.End = kind, b.Start.AddDate(0, 0, day), b.End.AddDate(0, 0, day)
		}
	}
	if c, err := f.svc.Book(admin, bookings.Request{Room: "sz2", Fill: later(rooms.KindCouncil, 1)}); err != nil || c.CheckinRequired {
		t.Fatalf("council session: %v, check-in required %v", err, c.CheckinRequired)
	}
	no := false
	if c, err := f.svc.Book(anna, bookings.Request{Room: "sz2", Fill: later(rooms.KindMeeting, 2), CheckinRequired: &no}); err != nil || c.CheckinRequired {
		t.Fatalf("check-in declined: %v, check-in required %v", err, c.CheckinRequired)
	}

	for name, c := range map[string]struct {
		a    bookings.Actor
		r    bookings.Request
		want func(error)
	}{
		"unknown room": {anna, bookings.Request{Room: "keller", Fill: later(rooms.KindMeeting, 3)},
			func(err error) { invalid(t, err, rooms.CodeUnknownRoom) }},
		"in the past": {anna, bookings.Request{Room: "sz2", Fill: later(rooms.KindMeeting, -1)},
			func(err error) { invalid(t, err, rooms.CodeInPast) }},
		"checked in at once": {anna, bookings.Request{Room: "sz2", Fill: func(b *rooms.Booking) {
			later(rooms.KindMeeting, 3)(b)
			b.Status = rooms.StatusCheckedIn
		}}, func(err error) { refused(t, err, "invalid-field", "field.status-settable") }},
		"another room's panel": {other, bookings.Request{Room: "sz2", Fill: later(rooms.KindMeeting, 3)},
			func(err error) {
				if !errors.Is(err, bookings.ErrForbidden) {
					t.Fatalf("got %v, want forbidden", err)
				}
			}},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := f.svc.Book(c.a, c.r)
			c.want(err)
		})
	}
}

func TestUpdate(t *testing.T) {
	f := newFixture(t)
	b := f.book("anna", false) // 10:00–11:00 today, now 9:00
	secret := f.book("anna", true)
	retitle := func(b *rooms.Booking) { b.Title = "Neu" }

	got, err := f.svc.Update(anna, b.ID, b.Version, retitle)
	if err != nil || got.Title != "Neu" || got.Version != 2 {
		t.Fatalf("creator's edit: %+v %v", got, err)
	}
	if _, err := f.svc.Update(anna, b.ID, 1, retitle); !errors.Is(err, rooms.ErrVersionMismatch) {
		t.Fatalf("stale edit: %v", err)
	}
	if same, err := f.svc.Update(anna, b.ID, 0, retitle); err != nil || same.Version != 2 {
		t.Fatalf("an edit that changes nothing wrote: %+v %v", same, err)
	}

	// Confidential bookings: their creator and admins only; a panel only
	// in its room, and never a confidential booking.
	for _, c := range []struct {
		name string
		a    bookings.Actor
		id   string
		ok   bool
	}{
		{"another user, confidential", bernd, secret.ID, false},
		{"admin, confidential", admin, secret.ID, true},
		{"another user", bernd, b.ID, true},
		{"its room's panel, confidential", door, secret.ID, false},
		{"another room's panel", other, b.ID, false},
	} {
		_, err := f.svc.Update(c.a, c.id, 0, func(b *rooms.Booking) { b.Notes = c.name })
		if c.ok != (err == nil) || !c.ok && !errors.Is(err, bookings.ErrForbidden) {
			t.Errorf("%s: %v", c.name, err)
		}
	}

	// The status: set only to what a person may set, and only from
	// tentative or confirmed.
	_, err = f.svc.Update(anna, b.ID, 0, func(b *rooms.Booking) { b.Status = rooms.StatusCheckedIn })
	refused(t, err, "invalid-field", "field.status-settable")
	f.at(9, 50)
	if _, err := f.svc.CheckIn(anna, b.ID); err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.Update(anna, b.ID, 0, func(b *rooms.Booking) { b.Status = rooms.StatusTentative })
	refused(t, err, "wrong-state", "wrong-state.status")

	// Running: the end may change, the start not into the past, the room
	// only to one that exists.
	f.at(10, 30)
	if got, err := f.svc.Update(anna, b.ID, 0, func(b *rooms.Booking) { b.End = b.End.Add(30 * time.Minute) }); err != nil || got.Status != rooms.StatusCheckedIn {
		t.Fatalf("a running meeting's end: %+v %v", got, err)
	}
	_, err = f.svc.Update(anna, b.ID, 0, func(b *rooms.Booking) { b.Start = b.Start.Add(15 * time.Minute) })
	invalid(t, err, rooms.CodeInPast)
	_, err = f.svc.Update(anna, b.ID, 0, func(b *rooms.Booking) { b.Room = "keller" })
	invalid(t, err, rooms.CodeUnknownRoom)
}

// An occurrence edited on its own becomes an exception, which series
// edits then leave alone.
func TestUpdateOccurrenceMakesAnException(t *testing.T) {
	f := newFixture(t)
	start := time.Date(2026, 12, 2, 10, 0, 0, 0, f.room.Zone)
	occ, err := f.st.Create(rooms.Booking{Room: "sz2", Title: "Jour fixe", Kind: rooms.KindMeeting, Organizer: "anna",
		Start: start, End: start.Add(time.Hour), Status: rooms.StatusConfirmed, SeriesID: "01JAAAAAAAAAAAAAAAAAAAAAAA"}, "anna")
	if err != nil {
		t.Fatal(err)
	}
	got, err := f.svc.Update(anna, occ.ID, occ.Version, func(b *rooms.Booking) { b.Notes = "diesmal im Keller" })
	if err != nil || !got.Exception {
		t.Fatalf("edited occurrence: exception %v, %v", got.Exception, err)
	}
}

// raceStore makes the booking confidential right after the service read
// it, as another request could.
type raceStore struct{ *store.Store }

func (s raceStore) Get(id string) (rooms.Booking, error) {
	b, err := s.Store.Get(id)
	if err == nil {
		_, err = s.Store.Update(id, 0, "admin", func(b *rooms.Booking) error { b.Confidential = true; return nil })
	}
	return b, err
}

func TestCancel(t *testing.T) {
	f := newFixture(t)
	b, secret := f.book("anna", false), f.book("anna", true)
	if _, err := f.svc.Cancel(bernd, secret.ID, 0); !errors.Is(err, bookings.ErrForbidden) {
		t.Fatalf("another user cancelled a confidential booking: %v", err)
	}
	if _, err := f.svc.Cancel(other, b.ID, 0); !errors.Is(err, bookings.ErrForbidden) {
		t.Fatalf("another room's panel cancelled: %v", err)
	}
	if _, err := f.svc.Cancel(anna, b.ID, 7); !errors.Is(err, rooms.ErrVersionMismatch) {
		t.Fatalf("stale cancel: %v", err)
	}
	got, err := f.svc.Cancel(anna, b.ID, 0)
	if err != nil || got.Status != rooms.StatusCancelled || got.Version != 2 {
		t.Fatalf("cancel: %+v %v", got, err)
	}
	if again, err := f.svc.Cancel(anna, b.ID, 1); err != nil || again.Version != 2 {
		t.Fatalf("a retried cancel: %+v %v", again, err)
	}
	if got, err := f.svc.Cancel(admin, secret.ID, secret.Version); err != nil || got.Status != rooms.StatusCancelled {
		t.Fatalf("admin's cancel: %+v %v", got, err)
	}

	// "Any version" cancels only the version just checked: made
	// confidential in between, the booking is not cancelled by someone
	// who may no longer see it.
	c := f.book("anna", false)
	racy := bookings.New(bookings.Options{Store: raceStore{f.st}, Now: func() time.Time { return f.clock },
		Room: func(id string) (rooms.Room, bool) { return f.room, id == f.room.ID }})
	if _, err := racy.Cancel(bernd, c.ID, 0); !errors.Is(err, rooms.ErrVersionMismatch) {
		t.Fatalf("cancel of a booking changed meanwhile: %v", err)
	}
	if got, _ := f.st.Get(c.ID); got.Status != rooms.StatusConfirmed {
		t.Fatalf("cancelled anyway: %s", got.Status)
	}
}

func TestBookNow(t *testing.T) {
	f := newFixture(t)
	var closures []rooms.Closure
	svc := bookings.New(bookings.Options{Store: f.st, Now: func() time.Time { return f.clock },
		Room:     func(id string) (rooms.Room, bool) { return f.room, id == f.room.ID },
		Closures: func() []rooms.Closure { return closures }})
	f.book("anna", false) // 10:00–11:00
	f.at(9, 20)

	_, err := svc.BookNow(door, "sz2", 20, "Tür")
	refused(t, err, "invalid-field", "field.panel-book")
	if _, err := svc.BookNow(other, "sz2", 15, "Saal"); !errors.Is(err, bookings.ErrForbidden) {
		t.Fatalf("another room's panel: %v", err)
	}
	_, err = svc.BookNow(door, "sz2", 60, "Tür") // 10:00 is taken
	refused(t, err, "conflict", "conflict.panel-soon")

	b, err := svc.BookNow(door, "sz2", 30, "Tür")
	if err != nil {
		t.Fatal(err)
	}
	want := time.Date(2026, 12, 1, 9, 20, 0, 0, f.room.Zone)
	if b.Title != bookings.BookNowTitle || b.Organizer != "Panel Tür" || !b.Start.Equal(want) || !b.End.Equal(want.Add(30*time.Minute)) ||
		b.Setup != 0 || b.Teardown != 0 || b.CheckinRequired || b.Status != rooms.StatusCheckedIn {
		t.Fatalf("booked now: %+v", b)
	}
	_, err = svc.BookNow(admin, "sz2", 15, "") // staff at the door: the room is in use
	refused(t, err, "conflict", "conflict.panel-busy")

	f.at(11, 30)
	closures = []rooms.Closure{{From: rooms.Date{Year: 2026, Month: 12, Day: 1}, To: rooms.Date{Year: 2026, Month: 12, Day: 1}, Reason: "Betriebsversammlung"}}
	_, err = svc.BookNow(door, "sz2", 15, "Tür")
	refused(t, err, "closed", "closed")
}
