package bookings_test

import (
	"testing"
	"time"

	"github.com/kogge-project/kogge/rooms"
)

// An imported meeting gets its reference and the room's buffers, keeps
// what people set later, and obeys the room's rules like any booking.
func TestImports(t *testing.T) {
	f := newFixture(t)
	f.room.Setup, f.room.Teardown = 30*time.Minute, 15*time.Minute
	imp := f.svc.Imports()
	start := time.Date(2026, 12, 3, 17, 0, 0, 0, f.room.Zone)
	b, err := imp.Create("oparl:m1", rooms.Booking{Room: "sz2", Title: "Bauausschuss", Kind: rooms.KindCommittee,
		Organizer: "Stadt Beispiel", Status: rooms.StatusConfirmed, Start: start, End: start.Add(2 * time.Hour)}, "oparl")
	if err != nil {
		t.Fatal(err)
	}
	if b.External != "oparl:m1" || b.Setup != 30*time.Minute || b.Teardown != 15*time.Minute {
		t.Fatalf("imported without its reference or the room's buffers: %+v", b)
	}
	if got, found, err := imp.FindByExternal("oparl:m1"); err != nil || !found || got.ID != b.ID {
		t.Fatalf("not found by its reference: %v %v", found, err)
	}
	// Someone shortens the setup; the next import moves the meeting.
	b, err = f.svc.Update(anna, b.ID, b.Version, func(b *rooms.Booking) { b.Setup = 10 * time.Minute })
	if err != nil {
		t.Fatal(err)
	}
	b, err = imp.Update(b.ID, b.Version, "oparl", func(b *rooms.Booking) error {
		b.Start, b.End = b.Start.Add(time.Hour), b.End.Add(time.Hour)
		return nil
	})
	if err != nil || b.Setup != 10*time.Minute {
		t.Fatalf("moved: %+v %v", b, err)
	}
	// The rules hold: an end before the start is refused, nothing written.
	if _, err := imp.Update(b.ID, b.Version, "oparl", func(b *rooms.Booking) error {
		b.End = b.Start.Add(-time.Hour)
		return nil
	}); err == nil {
		t.Fatal("an import moved a meeting's end before its start")
	}
	if _, err := imp.Create("oparl:m2", rooms.Booking{Room: "nowhere", Title: "X", Kind: rooms.KindCommittee,
		Status: rooms.StatusConfirmed, Start: start, End: start.Add(time.Hour)}, "oparl"); err == nil {
		t.Fatal("an import booked an unknown room")
	}
}

// The kind's defaults hold for imports as for bookings made by hand (a
// council session needs no check-in), and an assumed end stays marked
// until a person gives the meeting its length.
func TestImportKindDefaultsAndAssumedEnd(t *testing.T) {
	f := newFixture(t)
	f.room.CheckinRequired = true
	imp := f.svc.Imports()
	start := time.Date(2026, 12, 3, 17, 0, 0, 0, f.room.Zone)
	council, err := imp.Create("oparl:rat", rooms.Booking{Room: "sz2", Title: "Rat", Kind: rooms.KindCouncil, EndAssumed: true, Organizer: "Stadt",
		Status: rooms.StatusConfirmed, Start: start, End: start.Add(2 * time.Hour)}, "oparl")
	if err != nil {
		t.Fatal(err)
	}
	committee, err := imp.Create("oparl:bau", rooms.Booking{Room: "sz2", Title: "Bauausschuss", Kind: rooms.KindCommittee, Organizer: "Stadt",
		Status: rooms.StatusConfirmed, Start: start.Add(24 * time.Hour), End: start.Add(26 * time.Hour)}, "oparl")
	if err != nil {
		t.Fatal(err)
	}
	if council.CheckinRequired || !committee.CheckinRequired || !council.EndAssumed {
		t.Fatalf("council %+v, committee %+v", council, committee)
	}
	// A new title keeps the mark; a new end is a person's end.
	council, err = f.svc.Update(anna, council.ID, council.Version, func(b *rooms.Booking) { b.Title = "Rat (öffentlich)" })
	if err != nil || !council.EndAssumed {
		t.Fatalf("after a new title: %+v %v", council, err)
	}
	council, err = f.svc.Update(anna, council.ID, council.Version, func(b *rooms.Booking) { b.End = b.End.Add(90 * time.Minute) })
	if err != nil || council.EndAssumed {
		t.Fatalf("after a new end: %+v %v", council, err)
	}
}
