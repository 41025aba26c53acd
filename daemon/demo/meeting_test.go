package demo

import (
	"fmt"
	"testing"
	"time"

	"github.com/kogge-project/kogge/rooms/store"
	"github.com/kogge-project/kogge/signaling/joinlink"
)

// fakeLinks makes readable links: which booking, which side, which generation.
var fakeLinks readableLinks

type readableLinks struct{}

func (readableLinks) Link(c joinlink.Claims) (string, error) {
	return fmt.Sprintf("link/%s/%d/%d", c.Booking, c.Kind, c.Generation), nil
}

// The demo's open meeting keeps its room's setup and teardown, as any
// booking made on the page does: the detail shows the buffers that apply.
func TestOpenMeetingHasItsRoomsBuffers(t *testing.T) {
	d := newData(t, nil)
	now := time.Date(2026, 12, 2, 12, 2, 0, 0, time.UTC)
	if _, _, err := d.OpenMeeting(fakeLinks, now); err != nil {
		t.Fatal(err)
	}
	room, _ := d.Catalog.Get("interviewraum")
	if room.Setup == 0 || room.Teardown == 0 {
		t.Fatalf("the interview room has no buffers to show (%v, %v)", room.Setup, room.Teardown)
	}
	page, err := d.Store.List(store.Query{Room: "interviewraum"})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Bookings) != 1 {
		t.Fatalf("%d bookings, want the demo meeting", len(page.Bookings))
	}
	b := page.Bookings[0]
	if b.Title != meetingTitle || b.Setup != room.Setup || b.Teardown != room.Teardown {
		t.Errorf("demo meeting %q has %v/%v of buffers, the room %v/%v", b.Title, b.Setup, b.Teardown, room.Setup, room.Teardown)
	}
}

// A restart while the demo meeting runs opens the same meeting again, with
// the same links: nothing is booked twice.
func TestOpenMeetingAgainKeepsTheMeetingAndItsLinks(t *testing.T) {
	d := newData(t, nil)
	now := time.Date(2026, 12, 2, 12, 2, 0, 0, time.UTC)
	host, guest, err := d.OpenMeeting(fakeLinks, now)
	if err != nil {
		t.Fatal(err)
	}
	if host == guest {
		t.Fatalf("host and guest share the link %q", host)
	}
	host2, guest2, err := d.OpenMeeting(fakeLinks, now.Add(30*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if host2 != host || guest2 != guest {
		t.Errorf("links changed on the second start: %q %q, then %q %q", host, guest, host2, guest2)
	}
	page, err := d.Store.List(store.Query{Room: "interviewraum"})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Bookings) != 1 {
		t.Errorf("%d bookings in the interview room, want the one demo meeting", len(page.Bookings))
	}
}
