package main

import (
	"fmt"
	"time"

	"github.com/kogge-project/kogge/rooms"
)

// The booking shape is the one of rooms/store/bench_test.go, so that the
// figures here can be set beside `go test -bench` ones: 3 rooms, each with
// a 1 h booking plus 15 min setup every 90 min.
var benchRooms = []string{"ratssaal", "sitzungssaal-2", "besprechung-3"}

var benchStart = time.Date(2026, 1, 5, 7, 0, 0, 0, time.UTC)

const (
	benchSpacing = 90 * time.Minute
	benchLength  = time.Hour
	benchSetup   = 15 * time.Minute
)

// benchSpan is how far n preloaded bookings reach.
func benchSpan(n int) time.Duration {
	return time.Duration(n/len(benchRooms)+1) * benchSpacing
}

// slotBooking is the booking for slot i counted from base: room i%3, the
// (i/3)-th 90-minute step. Preloaded bookings are slots 0..n-1 from
// benchStart; the measured creates are slots from benchStart+benchSpan(n),
// so they never collide with the preload but the conflict check still
// scans a full index.
func slotBooking(base time.Time, i int) rooms.Booking {
	start := base.Add(time.Duration(i/len(benchRooms)) * benchSpacing)
	b := rooms.Booking{
		Room:      benchRooms[i%len(benchRooms)],
		Title:     fmt.Sprintf("Ausschuss für Stadtentwicklung, Sitzung %d", i),
		Kind:      rooms.KindMeeting,
		Organizer: "Amt 10",
		Start:     start,
		End:       start.Add(benchLength),
		Setup:     benchSetup,
		Status:    rooms.StatusConfirmed,
		Notes:     "Beamer, Mikrofone, Hybrid",
	}
	if withProviders {
		b = hybridise(b)
	}
	return b
}

// Mixes of the measured creates. In "collide" attempts 2k and 2k+1 both
// ask for slot k: exactly one of each pair wins, the other is answered
// with a conflict, whichever order they commit in. Both stores get the
// same attempt sequence.
const (
	mixFree    = "free"
	mixCollide = "collide50"
)

func slotOf(mix string, attempt int) int {
	if mix == mixCollide {
		return attempt / 2
	}
	return attempt
}
