package rooms

// Change is one committed change of one booking, whatever made it: the
// API, a room panel, the timeline, a job, the council import, the purge or
// a provider move. Listeners (the timeline, meetings, the provider broker,
// mail, event streams, metrics) hear every change through a Feed instead of
// being called by whoever changed the booking.
type Change struct {
	// Before is the booking as it was; nil when the change made it.
	Before *Booking
	// After is the booking as it is now; nil when the change deleted it
	// (the purge). A provider move keeps the booking as it is: Before and
	// After are then the same.
	After *Booking
	// Actor and Action are the change's audit entry's ("anna", "update";
	// "timeline", "release"; "broker", "provider.move"; "purge", "purge").
	Actor, Action string
	// Remote: the change was committed by another node of a cluster
	// (docs/cluster.md). Listeners that keep state hear it like any other;
	// those that act once per change (the contact's mail) leave it to the
	// node that committed it.
	Remote bool
}

// Booking is the booking the change is about (After, or Before when it
// was deleted).
func (c Change) Booking() Booking {
	if c.After != nil {
		return *c.After
	}
	return *c.Before
}

// Feed publishes every committed change exactly once, after its commit;
// a change that is refused or rolled back is never published. Listeners
// are called in the committing goroutine and must be quick (post to their
// own goroutine or queue); two commits' changes may reach a listener
// concurrently and in either order, so listeners that keep state compare
// versions. It is an interface because a replicated store will feed it
// from its own replication stream.
type Feed interface {
	// Subscribe adds a listener; cancel removes it.
	Subscribe(listener func(Change)) (cancel func())
}
