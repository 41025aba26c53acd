package rooms

import (
	"testing"
	"time"
)

// berlin loads the zone the city's rooms are in; without tzdata the DST
// tests would pass vacuously in UTC, so its absence fails the test.
func berlin(t testing.TB) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(DefaultZone)
	if err != nil {
		t.Fatalf("loading %s: %v", DefaultZone, err)
	}
	return loc
}

// weekdays are Monday to Friday.
var weekdays = [7]bool{false, true, true, true, true, true, false}

// officeRoom is bookable Mon–Fri 07:00–22:00 Berlin time for at most 10 h.
func officeRoom(t testing.TB) Room {
	return Room{
		ID: "ratssaal", Name: "Ratssaal", Capacity: 80, Zone: berlin(t),
		Setup: 30 * time.Minute, Teardown: 15 * time.Minute,
		Hours:     Hours{Days: weekdays, From: 7 * time.Hour, Until: 22 * time.Hour},
		MaxLength: 10 * time.Hour,
	}
}

// openRoom has no limits at all.
func openRoom(t testing.TB) Room {
	return Room{ID: "foyer", Name: "Foyer", Capacity: 200, Zone: berlin(t), Hours: AlwaysOpen()}
}

// local is a wall-clock time in Berlin.
func local(t testing.TB, y int, m time.Month, d, hh, mm int) time.Time {
	return time.Date(y, m, d, hh, mm, 0, 0, berlin(t))
}

// utc is an instant written in UTC, to state expectations independently of
// the zone arithmetic under test.
func utc(y int, m time.Month, d, hh, mm int) time.Time {
	return time.Date(y, m, d, hh, mm, 0, 0, time.UTC)
}

// booking is a valid confirmed booking of room from start to end.
func booking(id, room string, start, end time.Time) Booking {
	return Booking{
		ID: id, Room: room, Title: "Bauausschuss", Kind: KindCommittee, Organizer: "Frau Schulz",
		Start: start.UTC(), End: end.UTC(), Status: StatusConfirmed,
	}
}
