package rooms

import "time"

// ClosedState says why and until when a room cannot be booked.
type ClosedState struct {
	// Until is when the room can be booked again; zero if not within a
	// year (no bookable day, or closed that long).
	Until time.Time
	// Reason is the closure's reason ("Weihnachten"), "" outside the
	// room's bookable days and hours.
	Reason string
}

// reopenSearchDays bounds the search for the next bookable moment.
const reopenSearchDays = 366

// ClosedAt reports whether room is closed at t: a closure covers t's local
// day, or t lies outside the room's bookable days and hours (the stretches
// Availability calls closed). It also says when the room opens again: the
// start of the next bookable window on a day no closure covers.
func ClosedAt(room Room, closures []Closure, t time.Time) (ClosedState, bool) {
	cl, shut := ClosureFor(closures, room, t)
	if !shut && openAt(room, t) {
		return ClosedState{}, false
	}
	st := ClosedState{Reason: cl.Reason}
	zone := zoneOf(room)
	for day, i := t, 0; i < reopenSearchDays; i++ {
		if _, shut := ClosureFor(closures, room, day); !shut {
			if room.Hours.Unlimited() {
				st.Until = day
				return st, true
			}
			from, until, open := room.Hours.Window(day, zone)
			if open && day.Before(until) {
				st.Until = maxTime(from, day)
				return st, true
			}
		}
		y, m, d := day.In(zone).Date()
		day = time.Date(y, m, d+1, 0, 0, 0, 0, zone)
	}
	return st, true
}

// openAt reports whether t lies within the room's bookable hours.
func openAt(room Room, t time.Time) bool {
	if room.Hours.Unlimited() {
		return true
	}
	from, until, open := room.Hours.Window(t, zoneOf(room))
	return open && !t.Before(from) && t.Before(until)
}
