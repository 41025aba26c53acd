package bookings

import (
	"time"

	"github.com/kogge-project/kogge/rooms"
	"github.com/kogge-project/kogge/rooms/store"
)

// TimelineActor is the timeline as the service and the audit log know it.
var TimelineActor = Actor{Name: "timeline", System: true}

// TimelineStore is the booking store as the timeline (rooms/timeline) uses
// it: the pending bookings, and the two changes it makes on its own, made
// by the service. Both re-check the time against the stored booking: an
// extension or a move may be committed while the timeline still holds the
// old instant, and then the old instant changes nothing.
type TimelineStore struct {
	svc *Service
	st  *store.Store
}

// NewTimelineStore is the timeline's store for svc's bookings in st. A
// release reaches the contact's mail through the change feed.
func NewTimelineStore(svc *Service, st *store.Store) TimelineStore {
	return TimelineStore{svc: svc, st: st}
}

// Pending returns the bookings whose instants may still come.
func (a TimelineStore) Pending(since time.Time) ([]rooms.Booking, error) { return a.st.Pending(since) }

// EachPending streams what Pending lists, with the texts left out: the
// timeline's rebuild at start (timeline.PendingStreamer).
func (a TimelineStore) EachPending(since time.Time, expect func(int), fn func(*rooms.Booking)) error {
	return a.st.EachPendingTimed(since, expect, fn)
}

// Release frees the room of a booking nobody checked in to; the reason
// goes to the audit log beside the status change.
func (a TimelineStore) Release(id, reason string) (rooms.Booking, error) {
	b, released, err := a.svc.Release(TimelineActor, id)
	if err == nil && released {
		err = a.st.AppendAudit(store.AuditEntry{Actor: TimelineActor.Name, Action: "release.reason", BookingID: id, Detail: reason})
	}
	return b, err
}

// Finish marks a booking ended at its scheduled end.
func (a TimelineStore) Finish(id string) (rooms.Booking, error) {
	return a.svc.Finish(TimelineActor, id)
}

// sweepWindow is how far back Sweep looks for bookings that ended while
// Kogge was down for longer than the timeline's catch-up.
const sweepWindow = 90 * 24 * time.Hour

// Sweep ends the bookings whose end passed more than catchUp ago but that
// are still tentative, confirmed or checked in (Kogge was down then): the
// timeline no longer looks at them, and they must not stay "running"
// forever. It runs at start, before anything listens to the change feed;
// the audit records each end.
func (a TimelineStore) Sweep(now time.Time, catchUp time.Duration) (int, error) {
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
