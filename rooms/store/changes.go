package store

import (
	"sync"

	"github.com/kogge-project/kogge/rooms"
	"github.com/kogge-project/kogge/rooms/store/kv"
)

// The store is the one place every booking change passes through, so the
// change feed is fed here: each write transaction records what it does to
// bookings (written, replaced, deleted) and which audit entry says who did
// it, and publishes that once bbolt's commit has succeeded (tx.OnCommit).
// A transaction that rolls back (a conflict, a refusal, a preview) never
// publishes.

// txChanges are the changes one write transaction makes, in order.
type txChanges struct {
	list   []*rooms.Change
	byID   map[string]*rooms.Change
	actors map[string][2]string  // audit entries written before the booking
	series []*rooms.SeriesChange // series operations (series_changes.go)
}

// recording maps each open write transaction to its changes. Only the
// store's own write paths add to it (update and commitCreate), so the free
// functions that write bookings can find the record from the tx alone.
var recording sync.Map // *kv.Tx → *txChanges

// listeners is one feed's subscribers (the booking feed here, the series
// feed in series_changes.go).
type listeners[T any] struct {
	mu   sync.Mutex
	next int
	byID map[int]func(T)
}

// add subscribes l until the returned cancel is called.
func (f *listeners[T]) add(l func(T)) (cancel func()) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.byID == nil {
		f.byID = map[int]func(T){}
	}
	id := f.next
	f.next++
	f.byID[id] = l
	return func() {
		f.mu.Lock()
		delete(f.byID, id)
		f.mu.Unlock()
	}
}

// current are the subscribers now (called outside the lock: a listener
// may subscribe or cancel).
func (f *listeners[T]) current() []func(T) {
	f.mu.Lock()
	defer f.mu.Unlock()
	ls := make([]func(T), 0, len(f.byID))
	for _, l := range f.byID {
		ls = append(ls, l)
	}
	return ls
}

// Subscribe implements rooms.Feed: listener hears every booking change
// committed from now on.
func (s *Store) Subscribe(listener func(rooms.Change)) (cancel func()) {
	return s.changes.add(listener)
}

var _ rooms.Feed = (*Store)(nil)

// track records tx's changes and publishes them when it commits. Creates
// batched in a group commit share one tx: the first closure to run in it
// registers the publication, the others add to the same record.
func (s *Store) track(tx *kv.Tx) {
	tc := &txChanges{byID: map[string]*rooms.Change{}}
	if _, loaded := recording.LoadOrStore(tx, tc); !loaded {
		tx.OnCommit(func() { s.publish(tc.list) })
	}
}

// untrack forgets the transactions once they are over (committed or not).
func untrack(txs []*kv.Tx) {
	for _, tx := range txs {
		recording.Delete(tx)
	}
}

func (s *Store) publish(list []*rooms.Change) {
	if len(list) == 0 {
		return
	}
	ls := s.changes.current()
	for _, c := range list {
		for _, l := range ls {
			l(*c)
		}
	}
}

// recordChange notes that tx changed a booking from before to after (nil:
// none). Several changes of one booking in one transaction are one change,
// from the first before to the last after.
func recordChange(tx *kv.Tx, before, after *rooms.Booking) {
	v, ok := recording.Load(tx)
	if !ok {
		return // a migration: nobody listens yet
	}
	tc := v.(*txChanges)
	id := ""
	if after != nil {
		id = after.ID
	} else if before != nil {
		id = before.ID
	}
	var a, b *rooms.Booking
	if after != nil {
		cp := *after
		a = &cp
	}
	if c, seen := tc.byID[id]; seen {
		c.After = a
		return
	}
	if before != nil {
		cp := *before
		b = &cp
	}
	c := &rooms.Change{Before: b, After: a}
	if who, ok := tc.actors[id]; ok {
		c.Actor, c.Action = who[0], who[1]
	}
	tc.byID[id] = c
	tc.list = append(tc.list, c)
}

// recordAudit gives the booking's change in tx its actor and action, from
// the audit entry written with it (either order). The first entry about a
// booking in a transaction names the change.
func recordAudit(tx *kv.Tx, e AuditEntry) {
	if e.BookingID == "" {
		return
	}
	v, ok := recording.Load(tx)
	if !ok {
		return
	}
	tc := v.(*txChanges)
	if c, seen := tc.byID[e.BookingID]; seen {
		if c.Actor == "" {
			c.Actor, c.Action = e.Actor, e.Action
		}
		return
	}
	if tc.actors == nil {
		tc.actors = map[string][2]string{}
	}
	if _, seen := tc.actors[e.BookingID]; !seen {
		tc.actors[e.BookingID] = [2]string{e.Actor, e.Action}
	}
}
