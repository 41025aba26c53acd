package timeline

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/kogge-project/kogge/rooms"
)

// fakeStore is an in-memory Store. The func fields, when set, replace a
// method (to inject errors or block the loop).
type fakeStore struct {
	mu       sync.Mutex
	bookings map[string]rooms.Booking
	calls    []string // "pending", "release <id>", "finish <id>"

	pendingFn func(since time.Time) ([]rooms.Booking, error)
	// streamed: start gives the timeline the store as a PendingStreamer.
	streamed  bool
	releaseFn func(id, reason string) (rooms.Booking, error)
	finishFn  func(id string) (rooms.Booking, error)
}

func newFakeStore(bs ...rooms.Booking) *fakeStore {
	st := &fakeStore{bookings: make(map[string]rooms.Booking)}
	for _, b := range bs {
		if b.Version == 0 {
			b.Version = 1
		}
		st.bookings[b.ID] = b
	}
	return st
}

func (st *fakeStore) record(call string) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.calls = append(st.calls, call)
}

func (st *fakeStore) count(prefix string) int {
	st.mu.Lock()
	defer st.mu.Unlock()
	n := 0
	for _, c := range st.calls {
		if strings.HasPrefix(c, prefix) {
			n++
		}
	}
	return n
}

func (st *fakeStore) Pending(since time.Time) ([]rooms.Booking, error) {
	st.record("pending")
	if st.pendingFn != nil {
		return st.pendingFn(since)
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	var out []rooms.Booking
	for _, b := range st.bookings {
		switch b.Status {
		case rooms.StatusTentative, rooms.StatusConfirmed, rooms.StatusCheckedIn:
			if b.OccupiedUntil().After(since) {
				out = append(out, b)
			}
		}
	}
	slices.SortFunc(out, func(a, b rooms.Booking) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}

// streamer is a fakeStore that streams its pending bookings as the real
// store does: in another order (reversed) and through one reused Booking,
// so that a timeline keeping the pointer would see every booking turn
// into the last.
type streamer struct{ *fakeStore }

func (s streamer) EachPending(since time.Time, expect func(int), fn func(*rooms.Booking)) error {
	bs, err := s.Pending(since)
	if err != nil {
		return err
	}
	expect(len(bs) + 1) // an upper bound, not necessarily exact
	var one rooms.Booking
	for i := len(bs) - 1; i >= 0; i-- {
		one = bs[i]
		one.Title = "" // the texts are left out
		fn(&one)
	}
	return nil
}

func (st *fakeStore) Release(id, reason string) (rooms.Booking, error) {
	st.record("release " + id)
	if st.releaseFn != nil {
		return st.releaseFn(id, reason)
	}
	return st.update(id, func(b *rooms.Booking) bool {
		if b.Status != rooms.StatusTentative && b.Status != rooms.StatusConfirmed {
			return false
		}
		b.Status, b.Notes = rooms.StatusReleased, reason
		return true
	})
}

func (st *fakeStore) Finish(id string) (rooms.Booking, error) {
	st.record("finish " + id)
	if st.finishFn != nil {
		return st.finishFn(id)
	}
	return st.update(id, func(b *rooms.Booking) bool {
		if !b.Status.Blocks() || b.Status == rooms.StatusEnded {
			return false
		}
		b.Status = rooms.StatusEnded
		return true
	})
}

// update changes a stored booking as the API would (version bumped) and
// returns it; change returns false to leave it alone.
func (st *fakeStore) update(id string, change func(*rooms.Booking) bool) (rooms.Booking, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	b, ok := st.bookings[id]
	if !ok {
		return rooms.Booking{}, rooms.ErrNotFound
	}
	if change(&b) {
		b.Version++
		st.bookings[id] = b
	}
	return b, nil
}

// edit changes a booking in the store and tells the timeline, as the API does.
func (h *harness) edit(id string, change func(*rooms.Booking)) rooms.Booking {
	h.t.Helper()
	b, err := h.st.update(id, func(b *rooms.Booking) bool { change(b); return true })
	if err != nil {
		h.t.Fatal(err)
	}
	h.tl.Changed(b)
	return b
}

// booking returns a confirmed booking in room r1 from start for length.
func booking(id string, start time.Time, length time.Duration) rooms.Booking {
	return rooms.Booking{ID: id, Room: "r1", Title: id, Start: start.UTC(), End: start.Add(length).UTC(),
		Status: rooms.StatusConfirmed, Version: 1}
}

// received is an event with the (bubble) instant it reached the subscriber.
type received struct {
	Event
	when time.Time
}

func (r received) String() string {
	late := ""
	if r.Late {
		late = " late"
	}
	return fmt.Sprintf("%s %s %s %s%s", r.At.UTC().Format("2006-01-02T15:04"), r.Booking, r.Kind, r.Status, late)
}

// harness runs a Timeline in the current bubble with one subscriber to
// every room that records what it receives.
type harness struct {
	t      *testing.T
	st     *fakeStore
	tl     *Timeline
	logs   *lockedBuffer
	cancel context.CancelFunc
	runErr chan error
	done   chan struct{} // the recorder ended

	mu  sync.Mutex
	got []received
}

func start(t *testing.T, st *fakeStore, opts Options) *harness {
	t.Helper()
	h := &harness{t: t, st: st, logs: &lockedBuffer{}, runErr: make(chan error, 1), done: make(chan struct{})}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(h.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	var s Store = st
	if st.streamed {
		s = streamer{st}
	}
	h.tl = New(s, opts)
	events, _ := h.tl.Subscribe("", maxSubscriberBuffer)
	go func() {
		defer close(h.done)
		for ev := range events {
			h.mu.Lock()
			h.got = append(h.got, received{ev, time.Now()})
			h.mu.Unlock()
		}
	}()
	ctx, cancel := context.WithCancel(t.Context())
	h.cancel = cancel
	go func() { h.runErr <- h.tl.Run(ctx) }()
	synctest.Wait()
	t.Cleanup(h.stop)
	return h
}

// stop cancels Run and waits for it and the recorder to end.
func (h *harness) stop() {
	if h.cancel == nil {
		return
	}
	h.cancel()
	h.cancel = nil
	if err := <-h.runErr; err != nil {
		h.t.Errorf("Run: %v", err)
	}
	<-h.done
}

// events returns what was received so far and forgets it.
func (h *harness) events() []received {
	synctest.Wait()
	h.mu.Lock()
	defer h.mu.Unlock()
	got := h.got
	h.got = nil
	return got
}

// sleepUntil advances the bubble's clock to at and lets the loop settle.
func sleepUntil(at time.Time) {
	time.Sleep(time.Until(at))
	synctest.Wait()
}

// expect compares received events with want, given as received.String
// lines, and checks each arrived at its instant (or, if late, at arrival).
func expect(t *testing.T, got []received, want ...string) {
	t.Helper()
	lines := make([]string, len(got))
	for i, r := range got {
		lines[i] = r.String()
		if !r.Late && !r.when.Equal(r.At) {
			t.Errorf("%s delivered at %s, not at its instant", r, r.when.UTC().Format(time.RFC3339))
		}
	}
	if !slices.Equal(lines, want) {
		t.Errorf("events:\n  %s\nwant:\n  %s", strings.Join(lines, "\n  "), strings.Join(want, "\n  "))
	}
}

type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
