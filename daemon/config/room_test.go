package config

import (
	"testing"
	"time"

	"github.com/kogge-project/kogge/rooms"
)

func TestRoomList(t *testing.T) {
	src := `
[[rooms]]
id = "ratssaal"
name = "Ratssaal"
building = "Rathaus"
capacity = 80
setup = "30m"
teardown = "15m"
max_booking = "10h"
bookable_days = ["sat", "mon"]
bookable_from = "07:30"
bookable_until = "24:00"

[[rooms]]
id = "lab"
name = "Lab"
capacity = 4
zone = "America/New_York"
`
	c, err := Parse([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	list, err := c.RoomList()
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 {
		t.Fatalf("got %d rooms", len(list))
	}
	r := list[0]
	if r.ID != "ratssaal" || r.Name != "Ratssaal" || r.Building != "Rathaus" || r.Capacity != 80 {
		t.Errorf("identity: %+v", r)
	}
	if r.Zone.String() != "Europe/Berlin" {
		t.Errorf("zone %v, want the default Europe/Berlin", r.Zone)
	}
	if r.Setup != 30*time.Minute || r.Teardown != 15*time.Minute || r.MaxLength != 10*time.Hour {
		t.Errorf("durations: setup %v teardown %v max %v", r.Setup, r.Teardown, r.MaxLength)
	}
	wantHours := rooms.Hours{
		Days:  [7]bool{time.Monday: true, time.Saturday: true},
		From:  7*time.Hour + 30*time.Minute,
		Until: 24 * time.Hour,
	}
	if r.Hours != wantHours {
		t.Errorf("hours %+v, want %+v", r.Hours, wantHours)
	}
	lab := list[1]
	if lab.Zone.String() != "America/New_York" || lab.Hours != rooms.AlwaysOpen() || !lab.Hours.Unlimited() ||
		lab.MaxLength != 12*time.Hour {
		t.Errorf("lab: zone %v hours %+v max %v", lab.Zone, lab.Hours, lab.MaxLength)
	}
}

func TestDomainRejectsWhatValidateRejects(t *testing.T) {
	base := defaultRoom()
	base.ID, base.Name, base.Capacity = "a", "A", 1
	tests := []struct {
		name string
		edit func(*Room)
	}{
		{"zone", func(r *Room) { r.Zone = "Mars/Olympus" }},
		{"days", func(r *Room) { r.BookableDays = []string{"mo"} }},
		{"from", func(r *Room) { r.BookableFrom = "7" }},
		{"until", func(r *Room) { r.BookableUntil = "24:01" }},
		{"order", func(r *Room) { r.BookableFrom, r.BookableUntil = "10:00", "09:00" }},
	}
	for _, tt := range tests {
		r := base
		tt.edit(&r)
		if _, err := r.Domain(); err == nil {
			t.Errorf("%s: Domain accepted %+v", tt.name, r)
		}
	}
}

func TestDemo(t *testing.T) {
	c := Demo("./kogge-data")
	if err := c.Validate(); err != nil {
		t.Fatalf("Demo does not validate:\n%v", err)
	}
	if c.Server.Listen != "127.0.0.1:8080" || c.Server.PublicURL != "http://127.0.0.1:8080" || c.Store.DataDir != "./kogge-data" {
		t.Errorf("demo server/store: %+v %+v", c.Server, c.Store)
	}
	list, err := c.RoomList()
	if err != nil {
		t.Fatal(err)
	}
	weekdays := [7]bool{time.Monday: true, time.Tuesday: true, time.Wednesday: true, time.Thursday: true, time.Friday: true}
	monSat := weekdays
	monSat[time.Saturday] = true
	everyDay := monSat
	everyDay[time.Sunday] = true
	want := []struct {
		id, name, building string
		capacity           int
		setup, teardown    time.Duration
		days               [7]bool
		from, until        time.Duration
		max                time.Duration
	}{
		{"ratssaal", "Ratssaal", "Rathaus", 80, 30 * time.Minute, 15 * time.Minute, monSat, 7 * time.Hour, 22 * time.Hour, 10 * time.Hour},
		{"sitzungszimmer-2", "Sitzungszimmer 2", "Rathaus", 20, 15 * time.Minute, 10 * time.Minute, weekdays, 7 * time.Hour, 20 * time.Hour, 8 * time.Hour},
		{"interviewraum", "Interviewraum", "Verwaltungsgebäude Nord", 8, 10 * time.Minute, 10 * time.Minute, everyDay, 0, 24 * time.Hour, 4 * time.Hour},
	}
	if len(list) != len(want) {
		t.Fatalf("demo has %d rooms, want %d", len(list), len(want))
	}
	for i, w := range want {
		r := list[i]
		got := []any{r.ID, r.Name, r.Building, r.Capacity, r.Setup, r.Teardown, r.Hours.Days, r.Hours.From, r.Hours.Until, r.MaxLength, r.Zone.String()}
		exp := []any{w.id, w.name, w.building, w.capacity, w.setup, w.teardown, w.days, w.from, w.until, w.max, "Europe/Berlin"}
		for j := range got {
			if got[j] != exp[j] {
				t.Errorf("room %d field %d: got %v, want %v", i, j, got[j], exp[j])
			}
		}
	}
	// Demo configs are independent: editing one must not leak into the next.
	c.Rooms[0].BookableDays[0] = "sun"
	if Demo("x").Rooms[0].BookableDays[0] != "mon" {
		t.Error("Demo shares slices between calls")
	}
}
