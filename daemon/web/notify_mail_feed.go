package web

import (
	"github.com/kogge-project/kogge/rooms"
	"github.com/kogge-project/kogge/rooms/bookings"
	"github.com/kogge-project/kogge/rooms/store"
)

// Changed is the mail's change-feed listener (daemon/changes.go): it hears
// every committed booking change, whoever made it (the API, a panel, the
// timeline, a job, the import), and tells the booking's contact what their
// calendar needs to know. Nil-safe.
//
// Occurrences of a series are mailed per series by the series handlers
// (one invitation for the whole rule); here they get only what concerns
// one date alone: a provider move and a no-show release.
func (n *MailNotifier) Changed(c rooms.Change) {
	if n == nil || c.After == nil {
		return // the purge deletes past bookings: nothing to tell
	}
	after := *c.After
	switch {
	case c.Action == store.ActionProviderMove:
		n.send(mailMoved, after)
		return
	case c.Before != nil && c.Before.Status != rooms.StatusReleased && after.Status == rooms.StatusReleased:
		n.send(mailReleased, after)
		return
	}
	if after.SeriesID != "" || c.Before != nil && c.Before.SeriesID != "" {
		return
	}
	if c.Before == nil {
		n.send(mailConfirmed, after)
		return
	}
	before := *c.Before
	if before.Version == after.Version || timelineAction(c.Action) {
		return // nothing the calendar shows changed, or the room's own life
	}
	if before.Contact != "" && before.Contact != after.Contact {
		// The old contact's calendar still holds the meeting: take it
		// out there, then tell the new one.
		old := after
		old.Contact = before.Contact
		n.send(mailCancelled, old)
	}
	if after.Status == rooms.StatusCancelled {
		if before.Status != rooms.StatusCancelled {
			n.send(mailCancelled, after)
		}
		return
	}
	n.send(mailChanged, after)
}

// timelineAction says whether action is a step in the booking's life at
// the room (check-in, end, the no-show release, the end at its time):
// the contact's calendar keeps the meeting as booked.
func timelineAction(action string) bool {
	switch action {
	case bookings.ActionCheckIn, bookings.ActionEnd, bookings.ActionRelease, bookings.ActionFinish:
		return true
	}
	return false
}
