package web

import (
	"github.com/kogge-project/kogge/rooms"
	"github.com/kogge-project/kogge/rooms/store"
)

// SeriesChanged mails the series' contact once per committed series
// operation (the store's series feed calls it): the new series, its
// change, its cancellation — or, when it was cancelled from a later date
// on, its shortened rule. Meetings the horizon job adds need no mail: the
// invitation already carries the rule. Nil-safe, like every send.
//
// The meetings of the operation also reach the booking feed one by one;
// the contact hears of them here, in one mail, not once per meeting.
func (n *MailNotifier) SeriesChanged(c rooms.SeriesChange) {
	why := ""
	switch c.Action {
	case store.ActionSeriesCreate:
		why = mailConfirmed
	case store.ActionSeriesUpdate:
		why = mailChanged
	case store.ActionSeriesCancel:
		why = mailChanged // the rule now ends earlier
		if c.From.IsZero() || !c.From.After(c.Series.Template.Start) {
			why = mailCancelled
		}
	default:
		return
	}
	n.sendSeries(why, c.Series, c.Occurrences)
}
