package rooms

import (
	"testing"
	"time"
)

func TestCollides(t *testing.T) {
	m := time.Minute
	at := func(hh, mm int) time.Time { return utc(2026, 11, 30, hh, mm) }
	bk := func(id string, start, end time.Time, setup, teardown time.Duration) Booking {
		b := booking(id, "ratssaal", start, end)
		b.Setup, b.Teardown = setup, teardown
		return b
	}
	// a occupies the room 09:45–11:15.
	a := bk("a", at(10, 0), at(11, 0), 15*m, 15*m)
	with := func(b Booking, f func(*Booking)) Booking { f(&b); return b }
	tests := []struct {
		name string
		a, b Booking
		want bool
	}{
		{"setup touches teardown", a, bk("b", at(11, 30), at(12, 0), 15*m, 0), false},
		{"setup overlaps teardown by a minute", a, bk("b", at(11, 29), at(12, 0), 15*m, 0), true},
		{"teardown touches setup", a, bk("b", at(9, 0), at(9, 30), 0, 15*m), false},
		{"teardown overlaps setup by a minute", a, bk("b", at(9, 0), at(9, 31), 0, 15*m), true},
		{"meetings touch, no buffers", bk("x", at(10, 0), at(11, 0), 0, 0), bk("y", at(11, 0), at(12, 0), 0, 0), false},
		{"meetings overlap by a minute, no buffers", bk("x", at(10, 0), at(11, 0), 0, 0), bk("y", at(10, 59), at(12, 0), 0, 0), true},
		{"only the buffers overlap", a, bk("b", at(11, 20), at(12, 0), 10*m, 0), true},
		{"inside", a, bk("b", at(10, 15), at(10, 45), 0, 0), true},
		{"around", a, bk("b", at(8, 0), at(13, 0), 0, 0), true},
		{"same times", a, bk("b", at(10, 0), at(11, 0), 15*m, 15*m), true},
		{"far apart", a, bk("b", at(15, 0), at(16, 0), 15*m, 15*m), false},
		{"tentative blocks", a, with(bk("b", at(10, 0), at(11, 0), 0, 0), func(b *Booking) { b.Status = StatusTentative }), true},
		{"cancelled other", a, with(bk("b", at(10, 0), at(11, 0), 0, 0), func(b *Booking) { b.Status = StatusCancelled }), false},
		{"cancelled self", with(a, func(b *Booking) { b.Status = StatusCancelled }), bk("b", at(10, 0), at(11, 0), 0, 0), false},
		{"same id (an edit of itself)", a, bk("a", at(10, 30), at(11, 30), 0, 0), false},
		{"both new, no ids", bk("", at(10, 0), at(11, 0), 0, 0), bk("", at(10, 30), at(11, 30), 0, 0), true},
		{"other room", a, with(bk("b", at(10, 0), at(11, 0), 0, 0), func(b *Booking) { b.Room = "keller" }), false},
		{"same instant in another zone", a, with(bk("b", at(10, 30), at(11, 30), 0, 0), func(b *Booking) {
			b.Start, b.End = b.Start.In(berlin(t)), b.End.In(berlin(t))
		}), true},
	}
	for _, tt := range tests {
		if got := tt.a.Collides(&tt.b); got != tt.want {
			t.Errorf("%s: a.Collides(b) = %v, want %v", tt.name, got, tt.want)
		}
		if got := tt.b.Collides(&tt.a); got != tt.want {
			t.Errorf("%s: b.Collides(a) = %v, want %v (not symmetric)", tt.name, got, tt.want)
		}
	}
}

func TestOccupied(t *testing.T) {
	b := booking("a", "r", utc(2026, 11, 30, 10, 0), utc(2026, 11, 30, 11, 0))
	b.Setup, b.Teardown = 30*time.Minute, 15*time.Minute
	if got, want := b.OccupiedFrom(), utc(2026, 11, 30, 9, 30); !got.Equal(want) {
		t.Errorf("OccupiedFrom = %s, want %s", got, want)
	}
	if got, want := b.OccupiedUntil(), utc(2026, 11, 30, 11, 15); !got.Equal(want) {
		t.Errorf("OccupiedUntil = %s, want %s", got, want)
	}
}

func TestKindsAndStatuses(t *testing.T) {
	for _, k := range Kinds {
		if !k.Valid() {
			t.Errorf("Kind %q not valid", k)
		}
	}
	for _, k := range []Kind{"", "Meeting", "meeting ", "party"} {
		if k.Valid() {
			t.Errorf("Kind %q valid", k)
		}
	}
	for _, s := range Statuses {
		if !s.Valid() {
			t.Errorf("Status %q not valid", s)
		}
		if got, want := s.Blocks(), s != StatusCancelled && s != StatusReleased; got != want {
			t.Errorf("Status %q Blocks() = %v, want %v", s, got, want)
		}
	}
	for s, want := range map[Status]bool{StatusTentative: true, StatusConfirmed: true, StatusCancelled: true,
		StatusCheckedIn: false, StatusReleased: false, StatusEnded: false} {
		if s.Settable() != want {
			t.Errorf("Status %q Settable() = %v", s, !want)
		}
	}
	for _, s := range []Status{"", "Confirmed", "deleted"} {
		if s.Valid() {
			t.Errorf("Status %q valid", s)
		}
	}
}
