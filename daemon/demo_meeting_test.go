package main

import (
	"testing"
	"time"
)

// The demo's open meeting keeps its room's setup and teardown, as any
// booking made on the page does: the detail shows the buffers that apply.
func TestDemoMeetingHasItsRoomsBuffers(t *testing.T) {
	e := newTestEnv(t)
	d := &daemonProcess{store: e.store, catalog: e.catalog}
	now := time.Date(2026, 12, 2, 12, 2, 0, 0, time.UTC)
	if _, _, err := d.demoMeeting(e.server.joins, now); err != nil {
		t.Fatal(err)
	}
	room, _ := e.catalog.Get("interviewraum")
	if room.Setup == 0 || room.Teardown == 0 {
		t.Fatalf("the interview room has no buffers to show (%v, %v)", room.Setup, room.Teardown)
	}
	var page bookingPage
	e.login("anna").do("GET", "/api/v1/bookings?room=interviewraum", nil).json(t, &page)
	if len(page.Bookings) != 1 {
		t.Fatalf("%d bookings, want the demo meeting", len(page.Bookings))
	}
	b := page.Bookings[0]
	if b.Title != demoMeetingTitle || b.SetupMinutes != int(room.Setup/time.Minute) || b.TeardownMinutes != int(room.Teardown/time.Minute) {
		t.Errorf("demo meeting %q has %d/%d minutes of buffers, the room %v/%v", b.Title, b.SetupMinutes, b.TeardownMinutes, room.Setup, room.Teardown)
	}
}
