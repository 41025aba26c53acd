package rooms

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// slotSpec is an expected slot in Berlin wall-clock terms on the test's day.
type slotSpec struct {
	start, end time.Time
	state      SlotState
	booking    string // id of the named booking, busy slots only
}

func (s slotSpec) String() string {
	return fmt.Sprintf("%s %s–%s %s", s.state, s.start.UTC().Format("01-02T15:04Z"), s.end.UTC().Format("01-02T15:04Z"), s.booking)
}

func specsOf(slots []Slot) []slotSpec {
	out := make([]slotSpec, len(slots))
	for i, s := range slots {
		out[i] = slotSpec{start: s.Start, end: s.End, state: s.State}
		if s.Booking != nil {
			out[i].booking = s.Booking.ID
		}
	}
	return out
}

func sameSpecs(a, b []slotSpec) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !a[i].start.Equal(b[i].start) || !a[i].end.Equal(b[i].end) || a[i].state != b[i].state || a[i].booking != b[i].booking {
			return false
		}
	}
	return true
}

func TestAvailability(t *testing.T) {
	office := officeRoom(t) // Mon–Fri 07:00–22:00
	all := [7]bool{true, true, true, true, true, true, true}
	daily := office
	daily.Hours.Days = all
	// Monday 30 November 2026 (CET), hh:mm local.
	mon := func(hh, mm int) time.Time { return local(t, 2026, 11, 30, hh, mm) }
	bk := func(id string, start, end time.Time, setup, teardown time.Duration) Booking {
		b := booking(id, office.ID, start, end)
		b.Setup, b.Teardown = setup, teardown
		return b
	}
	withStatus := func(b Booking, s Status) Booking { b.Status = s; return b }
	withRoom := func(b Booking, r string) Booking { b.Room = r; return b }
	m := time.Minute

	tests := []struct {
		name     string
		room     Room
		bookings []Booking
		from, to time.Time
		want     []slotSpec
	}{
		{name: "empty day", room: office, from: mon(6, 0), to: mon(23, 0), want: []slotSpec{
			{mon(6, 0), mon(7, 0), SlotClosed, ""}, {mon(7, 0), mon(22, 0), SlotFree, ""}, {mon(22, 0), mon(23, 0), SlotClosed, ""},
		}},
		{name: "empty window", room: office, from: mon(10, 0), to: mon(10, 0)},
		{name: "reversed window", room: office, from: mon(12, 0), to: mon(10, 0),
			bookings: []Booking{bk("a", mon(9, 0), mon(13, 0), 0, 0)}},
		{name: "one booking with buffers", room: office, from: mon(7, 0), to: mon(22, 0),
			bookings: []Booking{bk("a", mon(10, 0), mon(12, 0), 30*m, 15*m)}, want: []slotSpec{
				{mon(7, 0), mon(9, 30), SlotFree, ""}, {mon(9, 30), mon(12, 15), SlotBusy, "a"}, {mon(12, 15), mon(22, 0), SlotFree, ""},
			}},
		{name: "booking over the window's start", room: office, from: mon(10, 0), to: mon(14, 0),
			bookings: []Booking{bk("a", mon(8, 0), mon(11, 0), 0, 15*m)}, want: []slotSpec{
				{mon(10, 0), mon(11, 15), SlotBusy, "a"}, {mon(11, 15), mon(14, 0), SlotFree, ""},
			}},
		{name: "setup over the window's end", room: office, from: mon(10, 0), to: mon(14, 0),
			bookings: []Booking{bk("a", mon(14, 0), mon(16, 0), 30*m, 0)}, want: []slotSpec{
				{mon(10, 0), mon(13, 30), SlotFree, ""}, {mon(13, 30), mon(14, 0), SlotBusy, "a"},
			}},
		{name: "booking covers the window", room: office, from: mon(10, 0), to: mon(14, 0),
			bookings: []Booking{bk("a", mon(9, 0), mon(15, 0), 0, 0)}, want: []slotSpec{
				{mon(10, 0), mon(14, 0), SlotBusy, "a"},
			}},
		{name: "teardown ends at the window's start", room: office, from: mon(10, 0), to: mon(14, 0),
			bookings: []Booking{bk("a", mon(8, 0), mon(9, 45), 0, 15*m), bk("b", mon(14, 30), mon(15, 0), 30*m, 0)}, want: []slotSpec{
				{mon(10, 0), mon(14, 0), SlotFree, ""},
			}},
		{name: "cancelled ignored", room: office, from: mon(10, 0), to: mon(14, 0),
			bookings: []Booking{withStatus(bk("a", mon(11, 0), mon(12, 0), 0, 0), StatusCancelled)}, want: []slotSpec{
				{mon(10, 0), mon(14, 0), SlotFree, ""},
			}},
		{name: "tentative blocks", room: office, from: mon(10, 0), to: mon(14, 0),
			bookings: []Booking{withStatus(bk("a", mon(11, 0), mon(12, 0), 0, 0), StatusTentative)}, want: []slotSpec{
				{mon(10, 0), mon(11, 0), SlotFree, ""}, {mon(11, 0), mon(12, 0), SlotBusy, "a"}, {mon(12, 0), mon(14, 0), SlotFree, ""},
			}},
		{name: "other room ignored", room: office, from: mon(10, 0), to: mon(14, 0),
			bookings: []Booking{withRoom(bk("a", mon(11, 0), mon(12, 0), 0, 0), "keller")}, want: []slotSpec{
				{mon(10, 0), mon(14, 0), SlotFree, ""},
			}},
		{name: "back to back stay separate", room: office, from: mon(9, 0), to: mon(12, 0),
			bookings: []Booking{bk("b", mon(10, 0), mon(11, 0), 0, 0), bk("a", mon(9, 0), mon(10, 0), 0, 0)}, want: []slotSpec{
				{mon(9, 0), mon(10, 0), SlotBusy, "a"}, {mon(10, 0), mon(11, 0), SlotBusy, "b"}, {mon(11, 0), mon(12, 0), SlotFree, ""},
			}},
		{name: "buffers touching", room: office, from: mon(9, 0), to: mon(13, 0),
			bookings: []Booking{bk("a", mon(9, 0), mon(10, 0), 0, 15*m), bk("b", mon(10, 45), mon(12, 0), 30*m, 0)}, want: []slotSpec{
				{mon(9, 0), mon(10, 15), SlotBusy, "a"}, {mon(10, 15), mon(12, 0), SlotBusy, "b"}, {mon(12, 0), mon(13, 0), SlotFree, ""},
			}},
		{name: "overlapping bookings do not overlap as slots", room: office, from: mon(8, 0), to: mon(13, 0),
			bookings: []Booking{
				bk("c", mon(9, 30), mon(10, 30), 0, 0), // inside a
				bk("b", mon(10, 0), mon(12, 0), 0, 0),  // overlaps a's end
				bk("a", mon(9, 0), mon(11, 0), 0, 0),
			}, want: []slotSpec{
				{mon(8, 0), mon(9, 0), SlotFree, ""}, {mon(9, 0), mon(11, 0), SlotBusy, "a"},
				{mon(11, 0), mon(12, 0), SlotBusy, "b"}, {mon(12, 0), mon(13, 0), SlotFree, ""},
			}},
		{name: "busy wins over closed", room: office, from: mon(6, 0), to: mon(23, 0),
			bookings: []Booking{bk("a", mon(7, 0), mon(8, 0), 30*m, 0), bk("b", mon(21, 30), mon(22, 0), 0, 30*m)}, want: []slotSpec{
				{mon(6, 0), mon(6, 30), SlotClosed, ""}, {mon(6, 30), mon(8, 0), SlotBusy, "a"},
				{mon(8, 0), mon(21, 30), SlotFree, ""}, {mon(21, 30), mon(22, 30), SlotBusy, "b"}, {mon(22, 30), mon(23, 0), SlotClosed, ""},
			}},
		{name: "weekend is one closed slot", room: office, from: local(t, 2026, 11, 27, 20, 0), to: mon(9, 0), want: []slotSpec{
			{local(t, 2026, 11, 27, 20, 0), local(t, 2026, 11, 27, 22, 0), SlotFree, ""},
			{local(t, 2026, 11, 27, 22, 0), mon(7, 0), SlotClosed, ""},
			{mon(7, 0), mon(9, 0), SlotFree, ""},
		}},
		{name: "unlimited room", room: openRoom(t), from: mon(0, 0), to: local(t, 2026, 12, 2, 0, 0),
			bookings: []Booking{withRoom(bk("a", mon(23, 0), local(t, 2026, 12, 1, 1, 0), 0, 0), "foyer")}, want: []slotSpec{
				{mon(0, 0), mon(23, 0), SlotFree, ""}, {mon(23, 0), local(t, 2026, 12, 1, 1, 0), SlotBusy, "a"},
				{local(t, 2026, 12, 1, 1, 0), local(t, 2026, 12, 2, 0, 0), SlotFree, ""},
			}},
		// Sunday 29 March: 07:00 CEST is 05:00Z, 22:00 CEST is 20:00Z.
		{name: "spring forward day", room: daily, from: utc(2026, 3, 28, 23, 0), to: utc(2026, 3, 29, 22, 0), want: []slotSpec{
			{utc(2026, 3, 28, 23, 0), utc(2026, 3, 29, 5, 0), SlotClosed, ""},
			{utc(2026, 3, 29, 5, 0), utc(2026, 3, 29, 20, 0), SlotFree, ""},
			{utc(2026, 3, 29, 20, 0), utc(2026, 3, 29, 22, 0), SlotClosed, ""},
		}},
		// Sunday 25 October: 07:00 CET is 06:00Z, 22:00 CET is 21:00Z.
		{name: "fall back day", room: daily, from: utc(2026, 10, 24, 22, 0), to: utc(2026, 10, 25, 23, 0), want: []slotSpec{
			{utc(2026, 10, 24, 22, 0), utc(2026, 10, 25, 6, 0), SlotClosed, ""},
			{utc(2026, 10, 25, 6, 0), utc(2026, 10, 25, 21, 0), SlotFree, ""},
			{utc(2026, 10, 25, 21, 0), utc(2026, 10, 25, 23, 0), SlotClosed, ""},
		}},
		{name: "fall back night, weekend 00–24", from: utc(2026, 10, 23, 20, 0), to: utc(2026, 10, 26, 0, 0),
			room:     Room{ID: "r", Name: "R", Zone: berlin(t), Hours: Hours{Days: [7]bool{time.Saturday: true, time.Sunday: true}, Until: 24 * time.Hour}},
			bookings: []Booking{withRoom(bk("a", utc(2026, 10, 24, 23, 30), utc(2026, 10, 25, 2, 30), 0, 0), "r")}, // 01:30 CEST–03:30 CET
			want: []slotSpec{
				{utc(2026, 10, 23, 20, 0), utc(2026, 10, 23, 22, 0), SlotClosed, ""}, // Friday 22:00–24:00 CEST
				{utc(2026, 10, 23, 22, 0), utc(2026, 10, 24, 23, 30), SlotFree, ""},
				{utc(2026, 10, 24, 23, 30), utc(2026, 10, 25, 2, 30), SlotBusy, "a"},
				{utc(2026, 10, 25, 2, 30), utc(2026, 10, 25, 23, 0), SlotFree, ""},
				{utc(2026, 10, 25, 23, 0), utc(2026, 10, 26, 0, 0), SlotClosed, ""}, // Monday 00:00–01:00 CET
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := specsOf(Availability(tt.room, tt.bookings, tt.from, tt.to))
			if !sameSpecs(got, tt.want) {
				t.Errorf("Availability =\n\t%v\nwant\n\t%v", got, tt.want)
			}
		})
	}
}

// TestAvailabilityAcrossDST asks for the whole summer of 2026 at once and
// checks the slots on both change days.
func TestAvailabilityAcrossDST(t *testing.T) {
	room := officeRoom(t)
	room.Hours.Days = [7]bool{true, true, true, true, true, true, true}
	from, to := local(t, 2026, 3, 28, 12, 0), local(t, 2026, 10, 26, 12, 0)
	slots := Availability(room, nil, from, to)
	checkSlots(t, room, nil, from, to, slots)
	free := map[string][2]time.Time{}
	for _, s := range slots {
		if s.State == SlotFree {
			free[s.Start.In(room.Zone).Format("2006-01-02")] = [2]time.Time{s.Start, s.End}
		}
	}
	for day, want := range map[string][2]time.Time{
		"2026-03-28": {utc(2026, 3, 28, 11, 0), utc(2026, 3, 28, 21, 0)}, // from 12:00 CET
		"2026-03-29": {utc(2026, 3, 29, 5, 0), utc(2026, 3, 29, 20, 0)},
		"2026-07-01": {utc(2026, 7, 1, 5, 0), utc(2026, 7, 1, 20, 0)},
		"2026-10-24": {utc(2026, 10, 24, 5, 0), utc(2026, 10, 24, 20, 0)},
		"2026-10-25": {utc(2026, 10, 25, 6, 0), utc(2026, 10, 25, 21, 0)},
		"2026-10-26": {utc(2026, 10, 26, 6, 0), utc(2026, 10, 26, 11, 0)}, // to 12:00 CET
	} {
		if got := free[day]; !got[0].Equal(want[0]) || !got[1].Equal(want[1]) {
			t.Errorf("free on %s: %s–%s, want %s–%s", day, got[0].UTC(), got[1].UTC(), want[0], want[1])
		}
	}
	if n := len(free); n != 213 { // 28 March to 26 October
		t.Errorf("%d free slots, want one a day, 213", n)
	}
}

// TestAvailabilityProperties checks the invariants of Availability on many
// random windows and bookings: the slots tile [from, to) without gaps or
// overlaps, free time never overlaps a blocking booking, every blocking
// booking is covered, and free/closed follow the bookable hours. Windows run
// from March to November, so most cross a DST change.
func TestAvailabilityProperties(t *testing.T) {
	zone := berlin(t)
	all := [7]bool{true, true, true, true, true, true, true}
	rs := []Room{
		officeRoom(t),
		openRoom(t),
		{ID: "daily", Name: "Daily", Zone: zone, Hours: Hours{Days: all, From: 7 * time.Hour, Until: 22 * time.Hour}},
		{ID: "weekend", Name: "Weekend", Zone: zone, Hours: Hours{Days: [7]bool{time.Saturday: true, time.Sunday: true}, Until: 24 * time.Hour}},
		{ID: "night", Name: "Night", Zone: zone, Hours: Hours{Days: weekdays, From: 2*time.Hour + 30*time.Minute, Until: 3*time.Hour + 30*time.Minute}},
		{ID: "utc", Name: "No zone", Hours: Hours{Days: weekdays, From: 8 * time.Hour, Until: 18 * time.Hour}},
	}
	rng := rand.New(rand.NewPCG(2026, 1029))
	base := utc(2026, 3, 1, 0, 0)
	span := int64(250 * 24 * time.Hour)
	randDur := func(max time.Duration) time.Duration {
		d := time.Duration(rng.Int64N(int64(max) + 1))
		if rng.IntN(4) > 0 { // mostly whole minutes, sometimes not
			d = d.Truncate(time.Minute)
		}
		return d
	}
	statuses := []Status{StatusConfirmed, StatusTentative, StatusCancelled}
	for i := range 3000 {
		room := rs[rng.IntN(len(rs))]
		from := base.Add(time.Duration(rng.Int64N(span)))
		if rng.IntN(3) > 0 {
			from = from.Truncate(time.Minute)
		}
		to := from.Add(randDur(12 * 24 * time.Hour))
		if rng.IntN(50) == 0 {
			to = from.Add(-randDur(time.Hour))
		}
		var bs []Booking
		for j := range rng.IntN(12) {
			start := from.Add(randDur(to.Sub(from)+48*time.Hour) - 24*time.Hour)
			b := booking(fmt.Sprint("b", j), room.ID, start, start.Add(randDur(12*time.Hour)))
			b.Setup, b.Teardown = randDur(2*time.Hour), randDur(2*time.Hour)
			b.Status = statuses[rng.IntN(len(statuses))]
			if rng.IntN(8) == 0 {
				b.Room = "other"
			}
			bs = append(bs, b)
		}
		if rng.IntN(2) == 0 { // a zone-bearing window must give the same answer
			from, to = from.In(zone), to.In(zone)
		}
		slots := Availability(room, bs, from, to)
		checkSlots(t, room, bs, from, to, slots)
		if t.Failed() {
			var desc []string
			for _, b := range bs {
				desc = append(desc, fmt.Sprintf("%s %s %s %s–%s -%s +%s", b.ID, b.Room, b.Status, b.Start.Format(time.RFC3339Nano), b.End.Format(time.RFC3339Nano), b.Setup, b.Teardown))
			}
			t.Fatalf("case %d: room %s, window %s – %s, bookings:\n\t%s", i, room.ID, from.Format(time.RFC3339Nano), to.Format(time.RFC3339Nano), strings.Join(desc, "\n\t"))
		}
	}
}

// checkSlots asserts every invariant of Availability's result.
func checkSlots(t *testing.T, room Room, bs []Booking, from, to time.Time, slots []Slot) {
	t.Helper()
	if !from.Before(to) {
		if len(slots) != 0 {
			t.Errorf("empty window gave %d slots", len(slots))
		}
		return
	}
	if len(slots) == 0 {
		t.Fatalf("no slots for a non-empty window")
	}
	if !slots[0].Start.Equal(from) {
		t.Errorf("first slot starts %s, want %s", slots[0].Start.UTC(), from.UTC())
	}
	if !slots[len(slots)-1].End.Equal(to) {
		t.Errorf("last slot ends %s, want %s", slots[len(slots)-1].End.UTC(), to.UTC())
	}
	zone := zoneOf(room)
	// inHours checks a free or closed slot day by day: on every local day
	// it touches, its part of that day lies inside the bookable window
	// (free) or outside it (closed).
	inHours := func(s Slot) string {
		if room.Hours.Unlimited() {
			if s.State == SlotClosed {
				return "closed although the room is always open"
			}
			return ""
		}
		for day := s.Start; day.Before(s.End); {
			y, m, d := day.In(zone).Date()
			next := time.Date(y, m, d+1, 0, 0, 0, 0, zone)
			ps, pe := day, minTime(s.End, next)
			wf, wu, open := room.Hours.Window(day, zone)
			overlaps := open && wf.Before(pe) && ps.Before(wu)
			within := open && !ps.Before(wf) && !pe.After(wu)
			switch {
			case s.State == SlotFree && !within:
				return fmt.Sprintf("free %s–%s is outside the window %s–%s (open %v)", ps.UTC(), pe.UTC(), wf.UTC(), wu.UTC(), open)
			case s.State == SlotClosed && overlaps:
				return fmt.Sprintf("closed %s–%s overlaps the window %s–%s", ps.UTC(), pe.UTC(), wf.UTC(), wu.UTC())
			}
			day = pe
		}
		return ""
	}
	for i, s := range slots {
		desc := fmt.Sprintf("slot %d (%s %s–%s)", i, s.State, s.Start.UTC(), s.End.UTC())
		if !s.Start.Before(s.End) {
			t.Errorf("%s is empty", desc)
		}
		if i > 0 {
			prev := slots[i-1]
			if !prev.End.Equal(s.Start) {
				t.Errorf("%s does not start where slot %d ends (%s)", desc, i-1, prev.End.UTC())
			}
			if s.State != SlotBusy && prev.State == s.State {
				t.Errorf("%s follows a slot of the same state: not merged", desc)
			}
		}
		switch s.State {
		case SlotBusy:
			b := s.Booking
			if b == nil {
				t.Errorf("%s names no booking", desc)
				continue
			}
			if !b.Status.Blocks() || b.Room != room.ID {
				t.Errorf("%s is for booking %s (status %s, room %s)", desc, b.ID, b.Status, b.Room)
			}
			if s.Start.Before(b.OccupiedFrom()) || s.End.After(b.OccupiedUntil()) {
				t.Errorf("%s lies outside its booking %s (%s–%s)", desc, b.ID, b.OccupiedFrom().UTC(), b.OccupiedUntil().UTC())
			}
		case SlotFree, SlotClosed:
			if s.Booking != nil {
				t.Errorf("%s names booking %s", desc, s.Booking.ID)
			}
			for _, b := range bs {
				if b.Status.Blocks() && b.Room == room.ID && b.OccupiedFrom().Before(s.End) && s.Start.Before(b.OccupiedUntil()) {
					t.Errorf("%s overlaps booking %s (%s–%s)", desc, b.ID, b.OccupiedFrom().UTC(), b.OccupiedUntil().UTC())
				}
			}
			if msg := inHours(s); msg != "" {
				t.Errorf("%s: %s", desc, msg)
			}
		default:
			t.Errorf("%s has an unknown state", desc)
		}
	}
	// Every blocking booking's time inside the window is busy.
	busyAt := func(at time.Time) bool {
		for _, s := range slots {
			if s.State == SlotBusy && !at.Before(s.Start) && at.Before(s.End) {
				return true
			}
		}
		return false
	}
	for _, b := range bs {
		if !b.Status.Blocks() || b.Room != room.ID {
			continue
		}
		s, e := maxTime(b.OccupiedFrom(), from), minTime(b.OccupiedUntil(), to)
		if s.Before(e) && (!busyAt(s) || !busyAt(e.Add(-time.Nanosecond))) {
			t.Errorf("booking %s (%s–%s) is not covered by busy slots", b.ID, s.UTC(), e.UTC())
		}
	}
}

func TestSlotSpecString(t *testing.T) {
	// Keeps failure output readable: one line per slot with its booking.
	s := slotSpec{start: utc(2026, 3, 29, 5, 0), end: utc(2026, 3, 29, 20, 0), state: SlotFree}.String()
	if !strings.HasPrefix(s, "free 03-29T05:00Z–03-29T20:00Z") {
		t.Errorf("slotSpec.String() = %q", s)
	}
}
