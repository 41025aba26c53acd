package rooms

import "time"

// SeriesChange is one committed operation on a whole series (created,
// edited, cancelled from a date, extended to the horizon). The bookings it
// wrote reach the Feed one Change each, as always; this says once, after
// them, what the operation was, for listeners that speak of the series as
// a whole (the contact's one mail per series operation, not one per
// meeting).
type SeriesChange struct {
	// Series is the series as the operation left it.
	Series Series
	// Occurrences are all its stored meetings after the operation, by
	// start, whatever their status.
	Occurrences []Booking
	// Actor and Action are the series' audit entry's ("anna",
	// "series.cancel"; "job horizon", "series.extend").
	Actor, Action string
	// From is where an edit or a cancellation starts (zero: everything).
	From time.Time
	// Remote: committed by another node of a cluster (as Change.Remote).
	Remote bool
}

// SeriesFeed publishes every committed series operation exactly once,
// after its commit and after the operation's booking changes; like Feed,
// listeners are called in the committing goroutine and must be quick.
type SeriesFeed interface {
	SubscribeSeries(listener func(SeriesChange)) (cancel func())
}
