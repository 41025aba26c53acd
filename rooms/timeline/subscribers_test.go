package timeline

import (
	"fmt"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/kogge-project/kogge/rooms"
)

// A subscriber that never reads loses events (counted, one log line per
// minute) and does not hold up the loop or other subscribers; a room
// filter sees only its room.
func TestSlowSubscriber(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		t0 := time.Now()
		st := newFakeStore()
		const n = 20
		for i := range n {
			b := booking(fmt.Sprintf("b%02d", i), t0.Add(time.Hour), time.Hour)
			if i == 0 {
				b.Room = "r2"
			}
			st.bookings[b.ID] = b
		}
		h := start(t, st, Options{}) // the recording subscriber is the fast one
		tl := h.tl
		slow, cancelSlow := tl.Subscribe("", 2)
		r2, cancelR2 := tl.Subscribe("r2", 100)
		defer cancelR2()

		sleepUntil(t0.Add(3 * time.Hour))
		if got := len(h.events()); got != 5*n {
			t.Errorf("fast subscriber got %d events, want %d", got, 5*n)
		}
		if tl.Len() != 0 {
			t.Errorf("Len = %d: the loop was held up", tl.Len())
		}
		var dropped uint64
		tl.hub.mu.RLock()
		for sub := range tl.hub.subs {
			if sub.ch == slow {
				dropped = sub.dropped.Load()
			}
		}
		tl.hub.mu.RUnlock()
		if dropped != 5*n-2 {
			t.Errorf("slow subscriber dropped %d, want %d", dropped, 5*n-2)
		}
		// 98 drops at four instants (00:45, 01:00, 01:55, 02:00) at least a
		// minute apart: one line per instant, not per drop.
		if lines := strings.Count(h.logs.String(), "slow subscriber is losing events"); lines != 4 {
			t.Errorf("%d log lines about the slow subscriber, want 4 (rate-limited)", lines)
		}
		cancelSlow()
		cancelSlow()
		var got []Event
		for ev := range slow { // cancel closed it
			got = append(got, ev)
		}
		if len(got) != 2 {
			t.Errorf("slow subscriber kept %d events, want its buffer (2)", len(got))
		}
		if len(r2) != 5 {
			t.Errorf("room filter r2 got %d events, want 5", len(r2))
		}
		for range 5 {
			if ev := <-r2; ev.Room != "r2" {
				t.Errorf("room filter r2 got %+v", ev)
			}
		}
	})
}

// A full mailbox drops changes and resyncs from the store, so nothing is
// lost; Changed never blocks, even when the loop is busy.
func TestMailboxOverflowResyncs(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		t0 := time.Now()
		busy := booking("busy", t0.Add(-time.Minute), time.Hour)
		busy.CheckinRequired = true
		st := newFakeStore(busy)
		unblock := make(chan struct{})
		st.releaseFn = func(id, reason string) (rooms.Booking, error) {
			<-unblock // the loop is stuck in the store
			return st.update(id, func(b *rooms.Booking) bool { b.Status = rooms.StatusReleased; return true })
		}
		h := start(t, st, Options{Room: roomsWith(0, 2*time.Minute)})
		sleepUntil(t0.Add(time.Minute)) // the no-show check is now blocked in Release
		const n = mailboxSize + 500
		for i := range n {
			b := booking(fmt.Sprintf("new%04d", i), t0.Add(2*time.Hour), time.Hour)
			st.mu.Lock()
			st.bookings[b.ID] = b
			st.mu.Unlock()
			h.tl.Changed(b) // must not block
		}
		// new0000's first version still waits in the mailbox; its move,
		// dropped like the rest, must win through the resync, whichever
		// order the loop takes the two in.
		moved := h.edit("new0000", func(b *rooms.Booking) { b.Start, b.End = t0.Add(5*time.Hour), t0.Add(6*time.Hour) })
		if h.tl.dropped.Load() == 0 {
			t.Fatal("no change dropped; the test did not fill the mailbox")
		}
		pendings := st.count("pending")
		close(unblock)
		synctest.Wait()
		if st.count("pending") != pendings+1 {
			t.Errorf("Pending called %d times after the overflow, want one resync", st.count("pending")-pendings)
		}
		if got := h.tl.Len(); got != 5*n {
			t.Errorf("Len = %d after the resync, want %d (every new booking)", got, 5*n)
		}
		sleepUntil(t0.Add(5 * time.Hour))
		for _, r := range h.events() {
			if r.Booking == moved.ID && r.At.Before(moved.Start.Add(-rooms.DefaultPrepLead)) {
				t.Errorf("moved booking fired at its old instant: %s", r)
			}
		}
	})
}
