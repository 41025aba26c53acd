package main

import (
	"time"

	"github.com/kogge-project/kogge/daemon/web"
	"github.com/kogge-project/kogge/rooms"
	"github.com/kogge-project/kogge/rooms/bookings"
	"github.com/kogge-project/kogge/rooms/store"
	"github.com/kogge-project/kogge/rooms/timeline"
)

// timelineStore adapts the booking store to what the timeline needs: the
// pending bookings, and the two state changes it makes on its own.
//
// Both changes re-check the time against the stored booking: an extension
// or a move may be committed while the timeline still holds the old
// instant, and then the old instant must do nothing (the timeline hears of
// the change and schedules the new one).
type timelineStore struct {
	st   *store.Store
	room func(id string) (rooms.Room, bool)
	now  func() time.Time
	// released hears of every no-show release (the contact's mail).
	released func(rooms.Booking)
	// bookings makes the changes.
	bookings *bookings.Service
}

// timelineActor is who the audit log names for the timeline's own changes.
const timelineActor = web.TimelineActor

// asTimeline is the timeline as the booking service knows it.
var asTimeline = bookings.Actor{Name: timelineActor, System: true}

var _ timeline.Store = timelineStore{}

// newTimelineStore is the timeline's store; released (optional) hears of
// every no-show release.
func newTimelineStore(st *store.Store, room func(string) (rooms.Room, bool), now func() time.Time, released func(rooms.Booking)) timelineStore {
	return timelineStore{st: st, room: room, now: now, released: released,
		bookings: bookings.New(bookings.Options{Store: st, Room: room, Now: now})}
}

func (a timelineStore) Pending(since time.Time) ([]rooms.Booking, error) { return a.st.Pending(since) }

// Release frees the room of a booking nobody checked in to (the booking
// service decides); the reason goes to the audit log beside the status
// change.
func (a timelineStore) Release(id, reason string) (rooms.Booking, error) {
	b, released, err := a.bookings.Release(asTimeline, id)
	if err == nil && released {
		err = a.st.AppendAudit(store.AuditEntry{Actor: timelineActor, Action: "release.reason", BookingID: id, Detail: reason})
		if a.released != nil {
			a.released(b)
		}
	}
	return b, err
}

// Finish marks a booking ended at its scheduled end.
func (a timelineStore) Finish(id string) (rooms.Booking, error) {
	return a.bookings.Finish(asTimeline, id)
}

// sweepWindow is how far back the start-up sweep looks for bookings that
// ended while Kogge was down for longer than the timeline's catch-up.
const sweepWindow = 90 * 24 * time.Hour

// sweep ends the bookings whose end passed more than catchUp ago but that
// are still tentative, confirmed or checked in (Kogge was down then): the
// timeline no longer looks at them, and they must not stay "running"
// forever. Nothing is published; the audit records it.
func (a timelineStore) sweep(now time.Time, catchUp time.Duration) (int, error) {
	ended := 0
	q := store.Query{From: now.Add(-sweepWindow), To: now.Add(-catchUp)}
	err := a.st.Each(q, func(b rooms.Booking) (bool, error) {
		if !b.OccupiedUntil().Before(now.Add(-catchUp)) {
			return true, nil
		}
		switch b.Status {
		case rooms.StatusTentative, rooms.StatusConfirmed, rooms.StatusCheckedIn:
			_, err := a.Finish(b.ID) // the same change the timeline makes at an end
			ended++
			return err == nil, err
		}
		return true, nil
	})
	return ended, err
}
