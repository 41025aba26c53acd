package timeline

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"
	_ "time/tzdata" // the zones these tests use, whatever the machine has

	"github.com/kogge-project/kogge/rooms"
)

// roomsWith serves one room's timeline settings for every room id.
func roomsWith(lead, grace time.Duration) func(string) (rooms.Room, bool) {
	return func(id string) (rooms.Room, bool) {
		r := rooms.Room{ID: id, CheckinGrace: grace}
		if lead != 0 {
			r.PrepLead = rooms.Lead(lead)
		}
		return r, true
	}
}

// A booking's whole life with exact instants: one without check-in runs to
// its end (Finish) and teardown; one that requires check-in and gets none
// is released at the no-show check and fires nothing after.
func TestWholeLife(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		t0 := time.Now() // 2000-01-01T00:00Z
		a := booking("a", t0.Add(time.Hour), time.Hour)
		a.Teardown = 10 * time.Minute
		b := booking("b", t0.Add(time.Hour), time.Hour)
		b.Room, b.CheckinRequired = "r2", true
		st := newFakeStore(a, b)
		h := start(t, st, Options{Room: roomsWith(20*time.Minute, 10*time.Minute)})
		if got, want := h.tl.Len(), 5+6; got != want {
			t.Errorf("Len = %d, want %d", got, want)
		}

		sleepUntil(t0.Add(3 * time.Hour))
		expect(t, h.events(),
			"2000-01-01T00:40 a prep confirmed",
			"2000-01-01T00:40 b prep confirmed",
			"2000-01-01T01:00 a start confirmed",
			"2000-01-01T01:00 b start confirmed",
			"2000-01-01T01:10 b noshow released",
			"2000-01-01T01:55 a end_warning confirmed",
			"2000-01-01T02:00 a end ended",
			"2000-01-01T02:10 a teardown ended",
		)
		if n := st.count("release b"); n != 1 {
			t.Errorf("Release(b) called %d times", n)
		}
		if n := st.count("finish"); n != 1 {
			t.Errorf("Finish called %d times, want once (a)", n)
		}
		if got := st.bookings["b"]; got.Status != rooms.StatusReleased || !strings.Contains(got.Notes, "no check-in by 2000-01-01T01:10:00Z") {
			t.Errorf("b after no-show: %s %q", got.Status, got.Notes)
		}
		if h.tl.Len() != 0 {
			t.Errorf("Len = %d after the last teardown", h.tl.Len())
		}
	})
}

// Default prep lead and grace apply to unknown rooms and zero settings.
func TestDefaults(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		t0 := time.Now()
		a := booking("a", t0.Add(time.Hour), 30*time.Minute)
		a.CheckinRequired = true
		h := start(t, newFakeStore(a), Options{Room: roomsWith(0, 0)})
		sleepUntil(t0.Add(time.Hour + 15*time.Minute))
		expect(t, h.events(),
			"2000-01-01T00:45 a prep confirmed",
			"2000-01-01T01:00 a start confirmed",
			"2000-01-01T01:15 a noshow released",
		)
	})
}

// Checking in before the no-show check keeps the booking: no Release, no
// noshow event, and it ends normally.
func TestCheckInPreventsRelease(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		t0 := time.Now()
		a := booking("a", t0.Add(time.Hour), time.Hour)
		a.CheckinRequired = true
		st := newFakeStore(a)
		h := start(t, st, Options{})
		sleepUntil(t0.Add(time.Hour + 5*time.Minute))
		h.edit("a", func(b *rooms.Booking) { b.Status, b.CheckedIn = rooms.StatusCheckedIn, time.Now() })
		sleepUntil(t0.Add(3 * time.Hour))
		expect(t, h.events(),
			"2000-01-01T00:45 a prep confirmed",
			"2000-01-01T01:00 a start confirmed",
			"2000-01-01T01:55 a end_warning checked_in",
			"2000-01-01T02:00 a end ended",
			"2000-01-01T02:00 a teardown ended",
		)
		if n := st.count("release"); n != 0 {
			t.Errorf("Release called %d times", n)
		}
	})
}

// A check-in the timeline has not heard of yet (the change is still on its
// way) is caught by the store: Release refuses, nothing is published.
func TestCheckInRacingNoShow(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		t0 := time.Now()
		a := booking("a", t0.Add(time.Hour), time.Hour)
		a.CheckinRequired = true
		st := newFakeStore(a)
		h := start(t, st, Options{})
		sleepUntil(t0.Add(time.Hour + 5*time.Minute))
		st.update("a", func(b *rooms.Booking) bool { b.Status = rooms.StatusCheckedIn; return true })
		sleepUntil(t0.Add(time.Hour + 20*time.Minute))
		expect(t, h.events(),
			"2000-01-01T00:45 a prep confirmed",
			"2000-01-01T01:00 a start confirmed",
		)
		if n := st.count("release"); n != 1 {
			t.Errorf("Release called %d times, want 1", n)
		}
		if got := st.bookings["a"].Status; got != rooms.StatusCheckedIn {
			t.Errorf("status %s", got)
		}
	})
}

// A booking moved while its prep is pending fires only its new instants;
// an older version arriving late is ignored.
func TestMovedWhilePrepPending(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		t0 := time.Now()
		old := booking("a", t0.Add(time.Hour), time.Hour)
		st := newFakeStore(old)
		h := start(t, st, Options{})
		sleepUntil(t0.Add(30 * time.Minute))
		h.edit("a", func(b *rooms.Booking) {
			b.Start, b.End = t0.Add(3*time.Hour), t0.Add(4*time.Hour)
		})
		h.tl.Changed(old) // a stale copy, e.g. from a slower request
		synctest.Wait()
		if h.tl.Len() != 5 {
			t.Errorf("Len = %d after the move, want 5", h.tl.Len())
		}
		sleepUntil(t0.Add(5 * time.Hour))
		expect(t, h.events(),
			"2000-01-01T02:45 a prep confirmed",
			"2000-01-01T03:00 a start confirmed",
			"2000-01-01T03:55 a end_warning confirmed",
			"2000-01-01T04:00 a end ended",
			"2000-01-01T04:00 a teardown ended",
		)
	})
}

// A booking moved after its prep fired gets a prep for the new start.
func TestMovedAfterPrep(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		t0 := time.Now()
		h := start(t, newFakeStore(booking("a", t0.Add(time.Hour), time.Hour)), Options{})
		sleepUntil(t0.Add(50 * time.Minute))
		h.edit("a", func(b *rooms.Booking) { b.Start, b.End = t0.Add(2*time.Hour), t0.Add(3*time.Hour) })
		sleepUntil(t0.Add(2 * time.Hour))
		expect(t, h.events(),
			"2000-01-01T00:45 a prep confirmed",
			"2000-01-01T01:45 a prep confirmed",
			"2000-01-01T02:00 a start confirmed",
		)
	})
}

// A booking cancelled while pending fires nothing.
func TestCancelledWhilePending(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		t0 := time.Now()
		a := booking("a", t0.Add(time.Hour), time.Hour)
		a.CheckinRequired = true
		st := newFakeStore(a)
		h := start(t, st, Options{})
		sleepUntil(t0.Add(30 * time.Minute))
		h.edit("a", func(b *rooms.Booking) { b.Status = rooms.StatusCancelled })
		synctest.Wait()
		if h.tl.Len() != 0 {
			t.Errorf("Len = %d after cancel", h.tl.Len())
		}
		sleepUntil(t0.Add(5 * time.Hour))
		expect(t, h.events())
		if n := st.count("release") + st.count("finish"); n != 0 {
			t.Errorf("store changed %d times", n)
		}
	})
}

// Extending a running booking moves its warning, end and teardown.
func TestExtended(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		t0 := time.Now()
		h := start(t, newFakeStore(booking("a", t0.Add(time.Hour), time.Hour)), Options{})
		sleepUntil(t0.Add(time.Hour + 57*time.Minute)) // warning already fired
		h.edit("a", func(b *rooms.Booking) { b.End = b.End.Add(30 * time.Minute) })
		sleepUntil(t0.Add(3 * time.Hour))
		expect(t, h.events(),
			"2000-01-01T00:45 a prep confirmed",
			"2000-01-01T01:00 a start confirmed",
			"2000-01-01T01:55 a end_warning confirmed",
			"2000-01-01T02:25 a end_warning confirmed",
			"2000-01-01T02:30 a end ended",
			"2000-01-01T02:30 a teardown ended",
		)
	})
}

// Ended early through the API (status ended, End moved to now): the end is
// published at once without calling Finish, the teardown follows End.
func TestEndedEarly(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		t0 := time.Now()
		a := booking("a", t0.Add(time.Hour), time.Hour)
		a.Teardown = 15 * time.Minute
		st := newFakeStore(a)
		h := start(t, st, Options{})
		sleepUntil(t0.Add(90 * time.Minute))
		h.edit("a", func(b *rooms.Booking) { b.Status, b.End = rooms.StatusEnded, time.Now() })
		sleepUntil(t0.Add(3 * time.Hour))
		expect(t, h.events(),
			"2000-01-01T00:45 a prep confirmed",
			"2000-01-01T01:00 a start confirmed",
			"2000-01-01T01:30 a end ended",
			"2000-01-01T01:45 a teardown ended",
		)
		if n := st.count("finish"); n != 0 {
			t.Errorf("Finish called %d times", n)
		}
	})
}

// A booking created inside its prep lead gets its prep at once.
func TestCreatedInsidePrepLead(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		t0 := time.Now()
		st := newFakeStore()
		h := start(t, st, Options{})
		sleepUntil(t0.Add(50 * time.Minute))
		b := booking("a", t0.Add(time.Hour), time.Hour)
		st.bookings["a"] = b
		h.tl.Changed(b)
		sleepUntil(t0.Add(time.Hour))
		got := h.events()
		if len(got) != 2 || got[0].Kind != Prep || !got[0].when.Equal(t0.Add(50*time.Minute)) || got[0].Late || got[1].Kind != Start {
			t.Errorf("events %v", got)
		}
	})
}

// A store error is logged and the loop goes on.
func TestStoreErrorLogged(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		t0 := time.Now()
		st := newFakeStore(booking("a", t0.Add(time.Hour), time.Hour), booking("b", t0.Add(2*time.Hour), time.Hour))
		st.finishFn = func(id string) (rooms.Booking, error) { return rooms.Booking{}, errors.New("disk full") }
		h := start(t, st, Options{})
		sleepUntil(t0.Add(4 * time.Hour))
		var kinds []string
		for _, r := range h.events() {
			kinds = append(kinds, r.Booking+" "+string(r.Kind))
		}
		if want := "a prep,a start,b prep,a end_warning,a teardown,b start,b end_warning,b teardown"; strings.Join(kinds, ",") != want {
			t.Errorf("got %v\nwant %s", kinds, want)
		}
		if n := strings.Count(h.logs.String(), "disk full"); n != 2 {
			t.Errorf("%d error lines, want 2:\n%s", n, h.logs)
		}
	})
}

// DST weekends in Europe/Berlin: bookings given in local time fire at the
// right UTC instants, and one spanning the spring-forward gap lasts the
// real hour it covers (its end warning five real minutes before).
func TestDSTBerlin(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal("no zoneinfo:", err)
	}
	synctest.Test(t, func(t *testing.T) {
		time.Sleep(time.Until(time.Date(2026, 3, 27, 0, 0, 0, 0, time.UTC)))
		local := func(y int, m time.Month, d, hh, mm int) time.Time { return time.Date(y, m, d, hh, mm, 0, 0, berlin) }
		sat := booking("sat", local(2026, 3, 28, 9, 0), 2*time.Hour)  // CET, UTC+1
		sun := booking("sun", local(2026, 3, 29, 9, 0), 2*time.Hour)  // CEST, UTC+2
		gap := booking("gap", local(2026, 3, 29, 1, 30), 0)           // 01:30 CET …
		gap.End = local(2026, 3, 29, 3, 30).UTC()                     // … 03:30 CEST: one real hour
		oct := booking("oct", local(2026, 10, 25, 9, 0), 2*time.Hour) // CET again
		for _, b := range []*rooms.Booking{&sat, &sun, &oct} {
			b.CheckinRequired = true
		}
		h := start(t, newFakeStore(sat, sun, gap, oct), Options{Room: func(id string) (rooms.Room, bool) {
			return rooms.Room{ID: id, Zone: berlin}, true
		}})
		sleepUntil(time.Date(2026, 3, 30, 0, 0, 0, 0, time.UTC))
		expect(t, h.events(),
			"2026-03-28T07:45 sat prep confirmed",
			"2026-03-28T08:00 sat start confirmed",
			"2026-03-28T08:15 sat noshow released",
			"2026-03-29T00:15 gap prep confirmed",
			"2026-03-29T00:30 gap start confirmed",
			"2026-03-29T01:25 gap end_warning confirmed",
			"2026-03-29T01:30 gap end ended",
			"2026-03-29T01:30 gap teardown ended",
			"2026-03-29T06:45 sun prep confirmed",
			"2026-03-29T07:00 sun start confirmed",
			"2026-03-29T07:15 sun noshow released",
		)
		sleepUntil(time.Date(2026, 10, 26, 0, 0, 0, 0, time.UTC))
		expect(t, h.events(),
			"2026-10-25T07:45 oct prep confirmed",
			"2026-10-25T08:00 oct start confirmed",
			"2026-10-25T08:15 oct noshow released",
		)
		if r := h.st.bookings["sun"].Notes; r != "no check-in by 2026-03-29T09:15:00+02:00" {
			t.Errorf("release reason %q, want the local time", r)
		}
	})
}

// 10,000 bookings in the queue: Len counts every instant, and they fire in
// order, each at its instant.
func TestTenThousand(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		t0 := time.Now()
		const n = 10000
		st := newFakeStore()
		for i := range n {
			b := booking(bookingID(i), t0.Add(time.Hour+time.Duration(i)*time.Minute), time.Hour)
			b.Room = []string{"r1", "r2", "r3"}[i%3]
			st.bookings[b.ID] = b
		}
		h := start(t, st, Options{})
		if got := h.tl.Len(); got != 5*n {
			t.Fatalf("Len = %d, want %d", got, 5*n)
		}
		sleepUntil(t0.Add(time.Hour + n*time.Minute + time.Hour))
		got := h.events()
		if len(got) != 5*n {
			t.Fatalf("%d events, want %d", len(got), 5*n)
		}
		for i := 1; i < len(got); i++ {
			if got[i].At.Before(got[i-1].At) {
				t.Fatalf("event %d (%s) before event %d (%s)", i, got[i], i-1, got[i-1])
			}
			if !got[i].when.Equal(got[i].At) {
				t.Fatalf("%s delivered at %s", got[i], got[i].when)
			}
		}
		if h.tl.Len() != 0 {
			t.Errorf("Len = %d at the end", h.tl.Len())
		}
	})
}

func bookingID(i int) string {
	const digits = "0123456789"
	id := []byte("b00000")
	for j := len(id) - 1; i > 0; j-- {
		id[j] = digits[i%10]
		i /= 10
	}
	return string(id)
}

// Run returns nil when ctx ends, closes subscriber channels, and every
// goroutine ends: synctest.Test itself fails if one is left blocked in the
// bubble, which is our leak check (goleak is not a direct dependency).
func TestRunStopsOnCancel(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		t0 := time.Now()
		tl := New(newFakeStore(booking("a", t0.Add(time.Hour), time.Hour)), Options{})
		events, cancelSub := tl.Subscribe("r1", 4)
		ctx, cancel := context.WithCancel(context.Background())
		runErr := make(chan error, 1)
		go func() { runErr <- tl.Run(ctx) }()
		synctest.Wait()
		if err := tl.Run(ctx); !errors.Is(err, ErrRunning) {
			t.Errorf("second Run: %v", err)
		}
		cancel()
		if err := <-runErr; err != nil {
			t.Fatalf("Run: %v", err)
		}
		if _, open := <-events; open {
			t.Error("subscriber channel still open after Run returned")
		}
		cancelSub() // after close: no panic
		late, _ := tl.Subscribe("", 1)
		if _, open := <-late; open {
			t.Error("subscribing after Run returned gave an open channel")
		}
		// Changed never blocks, not even with nobody reading the mailbox.
		for range 3 * mailboxSize {
			tl.Changed(booking("x", t0, time.Hour))
		}
	})
}

// A store that lists a booking twice (a store bug) gets the first copy
// queued once, in order or not, streamed or not, and the second ignored
// with a warning.
func TestRebuildKeepsTheFirstOfATwiceListedBooking(t *testing.T) {
	for _, streamed := range []bool{false, true} {
		t.Run(fmt.Sprintf("streamed=%v", streamed), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				t0 := time.Now()
				a := booking("a", t0.Add(time.Hour), time.Hour)
				b := booking("b", t0.Add(2*time.Hour), time.Hour)
				moved := a
				moved.Start, moved.End, moved.Version = a.Start.Add(30*time.Minute), a.End.Add(30*time.Minute), 2
				st := newFakeStore()
				st.streamed = streamed
				// In id order, then a twice more: once after a larger id
				// and once right after itself.
				st.pendingFn = func(time.Time) ([]rooms.Booking, error) { return []rooms.Booking{a, b, moved, a}, nil }
				h := start(t, st, Options{Room: roomsWith(0, 0)})
				if got, want := h.tl.Len(), 5+5; got != want {
					t.Errorf("Len = %d, want %d", got, want)
				}
				if n := strings.Count(h.logs.String(), "store listed a booking twice"); n != 2 {
					t.Errorf("%d warnings about the booking listed twice, want 2:\n%s", n, h.logs)
				}
				sleepUntil(t0.Add(time.Hour + 30*time.Minute))
				var starts []string
				for _, r := range h.events() {
					if r.Kind == Start {
						starts = append(starts, r.String())
					}
				}
				// The streamer reverses the list: its first copy of a is a.
				want := []string{"2000-01-01T01:00 a start confirmed"}
				if !slices.Equal(starts, want) {
					t.Errorf("starts %v, want %v", starts, want)
				}
			})
		})
	}
}

// A failing rebuild is Run's error.
func TestRebuildError(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		st := newFakeStore()
		st.pendingFn = func(time.Time) ([]rooms.Booking, error) { return nil, errors.New("store closed") }
		err := New(st, Options{}).Run(context.Background())
		if err == nil || !strings.Contains(err.Error(), "store closed") {
			t.Errorf("Run: %v", err)
		}
	})
}

// The timeline is not ready while its rebuild reads the store, and is once
// the rebuild is done; a failed rebuild settles without becoming ready.
func TestReadyAfterRebuild(t *testing.T) {
	st := newFakeStore()
	release := make(chan struct{})
	reading := make(chan struct{})
	st.pendingFn = func(time.Time) ([]rooms.Booking, error) {
		close(reading)
		<-release
		return nil, nil
	}
	tl := New(st, Options{})
	if tl.Ready() {
		t.Fatal("ready before Run")
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- tl.Run(ctx) }()
	defer func() { cancel(); <-done }()
	<-reading
	if tl.Ready() {
		t.Fatal("ready while the rebuild reads the store")
	}
	select {
	case <-tl.Settled():
		t.Fatal("settled while the rebuild reads the store")
	default:
	}
	close(release)
	select {
	case <-tl.Settled():
	case <-time.After(10 * time.Second):
		t.Fatal("not settled 10 s after the store answered")
	}
	if !tl.Ready() {
		t.Fatal("settled but not ready")
	}

	failing := newFakeStore()
	failing.pendingFn = func(time.Time) ([]rooms.Booking, error) { return nil, errors.New("store closed") }
	tf := New(failing, Options{})
	if err := tf.Run(context.Background()); err == nil {
		t.Fatal("Run after a failed rebuild returned nil")
	}
	select {
	case <-tf.Settled():
	default:
		t.Fatal("a failed rebuild did not settle")
	}
	if tf.Ready() {
		t.Fatal("ready after a failed rebuild")
	}
}
