package rooms

import (
	"sort"
	"time"
)

// SlotState says whether a stretch of time can be booked.
type SlotState string

const (
	SlotFree   SlotState = "free"
	SlotBusy   SlotState = "busy"
	SlotClosed SlotState = "closed" // outside bookable hours
)

// Slot is one stretch of a room's availability. Busy slots cover a booking
// with its setup and teardown buffers and name the booking.
type Slot struct {
	Start   time.Time
	End     time.Time
	State   SlotState
	Booking *Booking
}

// Availability splits [from, to) into free, busy and closed slots. bookings
// are the room's bookings that may overlap the window, in any order; cancelled
// ones are ignored. Busy wins over closed, closed over free.
func Availability(room Room, bookings []Booking, from, to time.Time) []Slot {
	var busy []Slot
	for i := range bookings {
		b := &bookings[i]
		if !b.Status.Blocks() || b.Room != room.ID {
			continue
		}
		s, e := maxTime(b.OccupiedFrom(), from), minTime(b.OccupiedUntil(), to)
		if s.Before(e) {
			busy = append(busy, Slot{Start: s, End: e, State: SlotBusy, Booking: b})
		}
	}
	sort.Slice(busy, func(i, j int) bool {
		if !busy[i].Start.Equal(busy[j].Start) {
			return busy[i].Start.Before(busy[j].Start)
		}
		return busy[i].Booking.ID < busy[j].Booking.ID // deterministic for (impossible) overlaps
	})

	var out []Slot
	cursor := from
	for _, b := range busy {
		if b.Start.After(cursor) {
			out = append(out, openSlots(room, cursor, b.Start)...)
		}
		if b.End.After(cursor) {
			b.Start = maxTime(b.Start, cursor)
			out = append(out, b)
			cursor = b.End
		}
	}
	if cursor.Before(to) {
		out = append(out, openSlots(room, cursor, to)...)
	}
	return out
}

// openSlots splits an unbooked stretch into free (within hours) and closed parts.
func openSlots(room Room, from, to time.Time) []Slot {
	if room.Hours.Unlimited() {
		return []Slot{{Start: from, End: to, State: SlotFree}}
	}
	zone := zoneOf(room)
	var out []Slot
	add := func(s, e time.Time, st SlotState) {
		if !s.Before(e) {
			return
		}
		if n := len(out); n > 0 && out[n-1].State == st && out[n-1].End.Equal(s) {
			out[n-1].End = e
			return
		}
		out = append(out, Slot{Start: s, End: e, State: st})
	}
	for day := from; day.Before(to); {
		lt := day.In(zone)
		y, m, d := lt.Date()
		next := time.Date(y, m, d+1, 0, 0, 0, 0, zone)
		open, close, isOpen := room.Hours.Window(day, zone)
		end := minTime(next, to)
		if !isOpen {
			add(day, end, SlotClosed)
		} else {
			add(day, minTime(maxTime(open, day), end), SlotClosed)
			add(maxTime(open, day), minTime(close, end), SlotFree)
			add(maxTime(close, day), end, SlotClosed)
		}
		day = end
	}
	return out
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
