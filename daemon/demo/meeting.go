package demo

import (
	"fmt"
	"time"

	"github.com/kogge-project/kogge/rooms"
	"github.com/kogge-project/kogge/rooms/store"
	"github.com/kogge-project/kogge/signaling/admission"
	"github.com/kogge-project/kogge/signaling/joinlink"
)

// meetingTitle names the hybrid meeting the demo keeps open, so that
// whoever starts it can try join by link at once.
const meetingTitle = "Demo: Videokonferenz"

// OpenMeeting makes sure a hybrid meeting with a lobby is open now in the
// interview room (booked for the next two hours unless one is running)
// and returns its host and guest links. The demo's interview room is
// bookable around the clock (daemon/config/demo.go), so the meeting and
// its panel work at night too.
func (d Data) OpenMeeting(links JoinLinks, now time.Time) (host, guest string, err error) {
	room, _ := d.Catalog.Get("interviewraum")
	current, err := d.Store.Overlapping(room.ID, now, now.Add(time.Minute))
	if err != nil {
		return "", "", err
	}
	var b rooms.Booking
	for _, c := range current {
		if c.Title == meetingTitle && admission.Live(c) {
			b = c
		}
	}
	if b.ID == "" {
		start := now.Truncate(5 * time.Minute)
		b, err = d.Store.Create(rooms.Booking{Room: room.ID, Title: meetingTitle, Kind: rooms.KindMeeting, Organizer: admin,
			Start: start.UTC(), End: start.Add(2 * time.Hour).UTC(), Setup: room.Setup, Teardown: room.Teardown, Status: rooms.StatusConfirmed,
			Hybrid: rooms.Hybrid{Enabled: true, ExpectedRemote: 4}}, admin)
		if err != nil {
			return "", "", fmt.Errorf("demo meeting (is the interview room busy?): %w", err)
		}
	}
	js, err := d.Store.UpdateJoinSettings(b.ID, admin, func(_ rooms.Booking, js *store.JoinSettings) error {
		js.Lobby = 1 // show the lobby: the guest waits, the host admits
		return nil
	})
	if err != nil {
		return "", "", err
	}
	if host, err = links.Link(joinlink.Claims{Booking: b.ID, Kind: joinlink.KindHost, Generation: js.HostGeneration}); err != nil {
		return "", "", err
	}
	guest, err = links.Link(joinlink.Claims{Booking: b.ID, Kind: joinlink.KindGuest, Generation: js.GuestGeneration})
	return host, guest, err
}
