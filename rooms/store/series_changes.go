package store

import (
	"time"

	"github.com/oklog/ulid/v2"

	"github.com/kogge-project/kogge/rooms"
	"github.com/kogge-project/kogge/rooms/store/kv"
)

// A series operation changes many bookings in one transaction; each one
// reaches the change feed on its own (changes.go). Listeners that speak of
// the series as a whole (the contact's mail) hear the operation once, on
// this second feed, after the commit and after the booking changes: the
// commit handlers run in the order they were registered, and the booking
// changes' handler is registered when the transaction begins.

// SubscribeSeries implements rooms.SeriesFeed: listener hears every series
// operation committed from now on.
func (s *Store) SubscribeSeries(listener func(rooms.SeriesChange)) (cancel func()) {
	return s.seriesChanges.add(listener)
}

var _ rooms.SeriesFeed = (*Store)(nil)

// noteSeries publishes, once tx commits, that the series operation action
// by actor left sr (stored under sid) as it is in tx. The meetings are
// read in tx, so listeners get the operation's own result whatever
// commits after it; with nobody listening nothing is read.
func (s *Store) noteSeries(tx *kv.Tx, sr rooms.Series, sid ulid.ULID, actor, action string, from time.Time) error {
	if len(s.seriesChanges.current()) == 0 && s.repl == nil {
		return nil // nobody hears it, here or on another node
	}
	c := rooms.SeriesChange{Series: sr, Actor: actor, Action: action, From: from}
	if err := eachOccurrence(tx, sid, time.Time{}, func(b rooms.Booking) error {
		c.Occurrences = append(c.Occurrences, b)
		return nil
	}); err != nil {
		return err
	}
	if v, ok := recording.Load(tx); ok { // for other nodes (replica.go)
		tc := v.(*txChanges)
		tc.series = append(tc.series, &c)
	}
	tx.OnCommit(func() {
		for _, l := range s.seriesChanges.current() {
			l(c)
		}
	})
	return nil
}
