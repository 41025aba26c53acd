package rooms

import (
	"testing"
	"time"
)

func TestParseDate(t *testing.T) {
	d, err := ParseDate("2026-12-24")
	if err != nil || d != (Date{2026, time.December, 24}) || d.String() != "2026-12-24" {
		t.Errorf("ParseDate = %v, %v", d, err)
	}
	for _, bad := range []string{"", "24.12.2026", "2026-02-30", "2026-12-24T00:00:00Z", "2026-1-5"} {
		if _, err := ParseDate(bad); err == nil {
			t.Errorf("ParseDate(%q) accepted", bad)
		}
	}
	if s := (Date{999, time.January, 5}).String(); s != "0999-01-05" {
		t.Errorf("String = %q", s)
	}
}

func TestDateBefore(t *testing.T) {
	tests := []struct {
		a, b Date
		want bool
	}{
		{Date{2026, 12, 24}, Date{2026, 12, 25}, true},
		{Date{2026, 12, 24}, Date{2026, 12, 24}, false},
		{Date{2026, 11, 30}, Date{2026, 12, 1}, true},
		{Date{2026, 12, 31}, Date{2027, 1, 1}, true},
		{Date{2027, 1, 1}, Date{2026, 12, 31}, false},
	}
	for _, tt := range tests {
		if got := tt.a.Before(tt.b); got != tt.want {
			t.Errorf("%v.Before(%v) = %v", tt.a, tt.b, got)
		}
	}
}

func TestDateOf(t *testing.T) {
	z := berlin(t)
	// 23:30Z on 23 December is 00:30 on Christmas Eve in Berlin.
	if d := DateOf(utc(2026, 12, 23, 23, 30), z); d != (Date{2026, 12, 24}) {
		t.Errorf("DateOf = %v, want 2026-12-24", d)
	}
	if d := DateOf(utc(2026, 12, 23, 23, 30), nil); d != (Date{2026, 12, 23}) {
		t.Errorf("DateOf without zone = %v, want the UTC date", d)
	}
}

func TestClosureCovers(t *testing.T) {
	room := officeRoom(t)
	room.Building = "Rathaus"
	xmas := Closure{From: Date{2026, 12, 24}, To: Date{2026, 12, 26}, Reason: "Weihnachten"}
	works := Closure{From: Date{2026, 8, 3}, To: Date{2026, 8, 3}, Building: "Rathaus", Reason: "Brandschutz"}
	elsewhere := Closure{From: Date{2026, 8, 3}, To: Date{2026, 8, 3}, Building: "Stadthaus", Reason: "Umzug"}
	tests := []struct {
		name  string
		c     Closure
		start time.Time
		want  bool
	}{
		{"first day", xmas, local(t, 2026, 12, 24, 0, 0), true},
		{"last day, late", xmas, local(t, 2026, 12, 26, 23, 59), true},
		{"day before", xmas, local(t, 2026, 12, 23, 23, 59), false},
		{"day after", xmas, local(t, 2026, 12, 27, 0, 0), false},
		// Local dates decide: 23:30Z on the 23rd is already the 24th in Berlin,
		// 23:30Z on the 26th is already the 27th.
		{"local midnight after UTC", xmas, utc(2026, 12, 23, 23, 30), true},
		{"local next day", xmas, utc(2026, 12, 26, 23, 30), false},
		{"summer: 22:30Z is the next local day", works, utc(2026, 8, 2, 22, 30), true},
		{"summer: 21:59Z is the same local day", works, utc(2026, 8, 2, 21, 59), false},
		{"this building", works, local(t, 2026, 8, 3, 9, 0), true},
		{"other building", elsewhere, local(t, 2026, 8, 3, 9, 0), false},
	}
	for _, tt := range tests {
		if got := tt.c.Covers(room, tt.start); got != tt.want {
			t.Errorf("%s: Covers(%v) = %v, want %v", tt.name, tt.start, got, tt.want)
		}
	}
}

func TestClosureFor(t *testing.T) {
	room := officeRoom(t)
	room.Building = "Rathaus"
	closures := []Closure{
		{From: Date{2026, 8, 3}, To: Date{2026, 8, 3}, Building: "Stadthaus", Reason: "Umzug"},
		{From: Date{2026, 8, 1}, To: Date{2026, 8, 31}, Building: "Rathaus", Reason: "Brandschutz"},
		{From: Date{2026, 8, 3}, To: Date{2026, 8, 3}, Reason: "Feiertag"},
	}
	c, ok := ClosureFor(closures, room, local(t, 2026, 8, 3, 9, 0))
	if !ok || c.Reason != "Brandschutz" {
		t.Errorf("ClosureFor = %+v, %v, want the first covering closure", c, ok)
	}
	if _, ok := ClosureFor(closures, room, local(t, 2026, 9, 1, 9, 0)); ok {
		t.Error("a closure covers 1 September")
	}
	if _, ok := ClosureFor(nil, room, local(t, 2026, 9, 1, 9, 0)); ok {
		t.Error("no closures cover anything")
	}
}
