// Package timeline fires the instants of every booking's life — prep,
// start, no-show check, end warning, end and teardown — from one timer
// queue, and publishes them to subscribers (AV scenes, meetings, panels,
// the SSE endpoint).
//
// One goroutine (Run) owns the queue: a min-heap of instants with a single
// time.Timer set to its head, never a goroutine or timer per booking. The
// queue is rebuilt from the store at start, with explicit catch-up rules for
// what was missed while the daemon was down (catchup.go), and updated
// through Changed by the same code path for every booking change.
package timeline

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kogge-project/kogge/rooms"
)

// Kind names an instant in a booking's life.
type Kind string

const (
	Prep       Kind = "prep"
	Start      Kind = "start"
	NoShow     Kind = "noshow"
	EndWarning Kind = "end_warning"
	End        Kind = "end"
	Teardown   Kind = "teardown"
)

// Event is one instant of one booking, as published to subscribers.
type Event struct {
	Kind    Kind      `json:"kind"`
	Booking string    `json:"booking"`
	Room    string    `json:"room"`
	At      time.Time `json:"at"`             // the scheduled instant
	Late    bool      `json:"late,omitempty"` // delivered during catch-up after downtime
	// Status is the booking's status after the event was applied.
	Status rooms.Status `json:"status"`
}

// Store is what the timeline needs from the booking store; the daemon
// adapts rooms/store to it.
type Store interface {
	// Pending lists bookings whose events are not all past: status
	// tentative, confirmed or checked_in, and End+Teardown after since.
	Pending(since time.Time) ([]rooms.Booking, error)
	// Release marks a booking released (no-show) unless it was checked in
	// or changed status meanwhile; returns the stored booking.
	Release(id, reason string) (rooms.Booking, error)
	// Finish marks a booking ended at its end (status ended) unless already
	// ended/cancelled/released; returns the stored booking.
	Finish(id string) (rooms.Booking, error)
}

// PendingStreamer is what a Store may offer for a faster rebuild at start:
// EachPending calls expect once with an upper bound of the bookings to
// come, then fn with each booking Pending(since) would list, in any order;
// it may reuse the *Booking between calls. Only ID, Room, Status, Start, End, Setup,
// Teardown, CheckinRequired and Version need to be set.
type PendingStreamer interface {
	EachPending(since time.Time, expect func(n int), fn func(*rooms.Booking)) error
}

// Options configure a Timeline; the zero value works.
type Options struct {
	// Room returns a room's PrepLead and CheckinGrace (a nil PrepLead
	// and a zero grace mean rooms.DefaultPrepLead / DefaultCheckinGrace;
	// a PrepLead of zero is zero). Nil or an unknown room means the
	// defaults.
	Room func(id string) (rooms.Room, bool)
	// Logger defaults to discarding everything.
	Logger *slog.Logger
	// CatchUp bounds how far back Run looks for missed events at start.
	CatchUp time.Duration
	// Now is the clock (nil: time.Now). A clock that stands still (the
	// daemon's API tests) fires nothing that lies ahead of it.
	Now func() time.Time
}

// DefaultCatchUp is how far back Run looks for missed events by default.
// A booking whose teardown passed longer ago than CatchUp is not seen at
// all: its end is not applied.
const DefaultCatchUp = 24 * time.Hour

// mailboxSize bounds the changes waiting for the loop. Changed never
// blocks: past this, changes are dropped and the loop resyncs from the
// store instead (see Changed).
const mailboxSize = 1024

// ErrRunning is returned by a second call to Run: a Timeline runs once.
var ErrRunning = errors.New("timeline: already running")

// Timeline is the booking timer queue. Create it with New, start it with
// Run; Changed and Subscribe may be called from any goroutine, before,
// during or after Run.
type Timeline struct {
	st      Store
	room    func(string) (rooms.Room, bool)
	log     *slog.Logger
	catchUp time.Duration
	now     func() time.Time

	mailbox chan rooms.Booking
	// resync (capacity 1) wakes the loop after Changed dropped a change.
	resync  chan struct{}
	dropped atomic.Uint64 // changes dropped on a full mailbox, ever

	running atomic.Bool
	// rebuilt is set once Run has rebuilt the queue and applied the
	// catch-up (Ready).
	rebuilt atomic.Bool
	// settled is closed once the rebuild is over, done or failed (Settled).
	settled     chan struct{}
	settledOnce sync.Once
	queued      atomic.Int64 // mirror of the queue length for Len
	hub         hub
}

// New returns a Timeline over st; nothing happens until Run.
func New(st Store, opts Options) *Timeline {
	t := &Timeline{
		st:      st,
		room:    opts.Room,
		log:     opts.Logger,
		catchUp: opts.CatchUp,
		now:     opts.Now,
		mailbox: make(chan rooms.Booking, mailboxSize),
		resync:  make(chan struct{}, 1),
		settled: make(chan struct{}),
	}
	if t.log == nil {
		t.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if t.now == nil {
		t.now = time.Now
	}
	if t.catchUp <= 0 {
		t.catchUp = DefaultCatchUp
	}
	t.hub.init(t.log)
	return t
}

// Run rebuilds the queue from st.Pending(now − CatchUp), applies the
// catch-up rules, then fires instants until ctx ends. It returns nil when
// ctx ends, an error if the rebuild fails. Catch-up events are published
// during the rebuild: subscribe before Run to see them. When Run returns
// every subscriber channel is closed.
func (t *Timeline) Run(ctx context.Context) error {
	if !t.running.CompareAndSwap(false, true) {
		return ErrRunning
	}
	defer t.hub.close()
	defer t.settle() // a failed rebuild is over too

	// The rebuild reads everything written so far, so a resync request
	// from before Run is already answered.
	select {
	case <-t.resync:
	default:
	}
	now := t.now()
	s := newState(t)
	if err := t.rebuild(s, now); err != nil {
		return fmt.Errorf("timeline: rebuild: %w", err)
	}
	t.log.Info("timeline rebuilt", "bookings", s.bookings.len(), "queued", s.q.len(), "took", time.Since(now).Round(time.Millisecond))
	t.rebuilt.Store(true)
	t.settle()

	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		s.recs.reclaim() // nothing of the last round holds a record now
		t.queued.Store(int64(s.q.len()))
		s.arm(timer)
		select {
		case <-ctx.Done():
			return nil
		case b := <-t.mailbox:
			s.changed(b, t.now())
		case <-t.resync:
			t.log.Warn("timeline mailbox overflowed; resyncing from the store", "dropped_total", t.dropped.Load())
			s.resync(t.now())
		case <-timer.C:
			// A change that arrived before the instant wins over it: a
			// booking cancelled at 09:44:59 must not get its 09:45 prep.
			s.drainMailbox()
			s.fireDue(t.now())
		}
	}
}

// rebuild fills s from the store: streamed if the store can (a
// PendingStreamer), from Pending's list otherwise.
func (t *Timeline) rebuild(s *state, now time.Time) error {
	since := now.Add(-t.catchUp)
	if ps, ok := t.st.(PendingStreamer); ok {
		var r *rebuilding
		expect := func(n int) { r = s.startRebuild(n, now) }
		err := ps.EachPending(since, expect, func(b *rooms.Booking) {
			if r == nil { // a store that did not say how many
				expect(0)
			}
			r.add(b)
		})
		if err != nil {
			return err
		}
		if r == nil {
			expect(0) // nothing pending
		}
		r.finish()
		return nil
	}
	bs, err := t.st.Pending(since)
	if err != nil {
		return err
	}
	s.rebuild(bs, now)
	return nil
}

// Changed tells the timeline a booking was created or changed (moved,
// cancelled, checked in, extended, ended); its pending events are
// recomputed from b. Call it after the change is stored.
//
// Changed never blocks. The mailbox holds mailboxSize changes; when it is
// full the change is dropped and the loop resyncs from st.Pending instead,
// which is correct because the change is already in the store. Blocking
// was the alternative, but the store adapter may well call Changed from
// inside Release or Finish, that is, on the loop's own goroutine, and a
// blocking send there would deadlock. A change older than the one the
// timeline has seen (lower Version) is ignored, so callers racing each
// other cannot roll a booking back.
func (t *Timeline) Changed(b rooms.Booking) {
	select {
	case t.mailbox <- b:
		return
	default:
	}
	t.dropped.Add(1)
	select {
	case t.resync <- struct{}{}:
	default: // a resync is already due
	}
}

// Ready reports whether Run has rebuilt the queue from the store and
// applied the catch-up: before that no instant fires, so the daemon's
// /readyz must not send anyone here yet.
func (t *Timeline) Ready() bool { return t.rebuilt.Load() }

// Settled is closed when Run's rebuild is over: Ready is true then, unless
// the rebuild failed (Run returned its error).
func (t *Timeline) Settled() <-chan struct{} { return t.settled }

func (t *Timeline) settle() { t.settledOnce.Do(func() { close(t.settled) }) }

// Len reports the number of queued instants (for tests and metrics).
func (t *Timeline) Len() int { return int(t.queued.Load()) }

func (t *Timeline) roomOf(id string) rooms.Room {
	if t.room != nil {
		if r, ok := t.room(id); ok {
			return r
		}
	}
	return rooms.Room{ID: id}
}
