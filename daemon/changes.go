package main

import (
	"github.com/kogge-project/kogge/daemon/web"
	"github.com/kogge-project/kogge/integrations/broker"
	"github.com/kogge-project/kogge/rooms"
	"github.com/kogge-project/kogge/signaling/meetings"
)

// changeListeners are the parts that follow every committed booking
// change, whatever made it (the API, a panel, the timeline, a job, the
// council import, the purge, a provider move): the store's change feed
// calls hear once per change, after its commit. Nobody else tells them.
type changeListeners struct {
	// timeline re-plans the booking's instants (nil: none runs, as in
	// the API tests).
	timeline interface{ Changed(rooms.Booking) }
	// meetings keeps an open meeting in step (a new end, an end for all).
	meetings *meetings.Meetings
	// broker places, moves and deletes external meetings; read at each
	// change, since the tests swap it.
	broker func() *broker.Broker
	// server mails the booking's contact and carries the booking to open
	// pages (web.Server.Hear; nil before it is built).
	server func() *web.Server
}

func (l changeListeners) hear(c rooms.Change) {
	b := c.Booking()
	if c.After == nil {
		// Deleted by the purge: past, so nothing to plan, open or move;
		// pages redraw on the event.
		b.Status = rooms.StatusCancelled
	}
	if l.timeline != nil {
		l.timeline.Changed(b)
	}
	if l.meetings != nil {
		l.meetings.BookingChanged(b)
	}
	if l.broker != nil {
		if brk := l.broker(); brk != nil {
			brk.Kick(b.ID)
		}
	}
	if l.server != nil {
		if srv := l.server(); srv != nil {
			srv.Hear(c)
		}
	}
}

// hearSeries follows every committed series operation, once per
// operation (the store's series feed), where changeListeners hear each of
// its meetings: the HTTP side mails the series' contact in one mail.
func hearSeries(server func() *web.Server) func(rooms.SeriesChange) {
	return func(c rooms.SeriesChange) {
		if srv := server(); srv != nil {
			srv.HearSeries(c)
		}
	}
}
