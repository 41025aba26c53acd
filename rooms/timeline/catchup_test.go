package timeline

import (
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/kogge-project/kogge/rooms"
)

// A restart: Run starts with bookings whose instants passed while the
// daemon was down. Each catch-up rule is checked on its own booking (ids
// name the rule), then a second restart over the same store must apply
// nothing again.
func TestCatchUpAfterRestart(t *testing.T) {
	t.Run("pending", func(t *testing.T) { catchUpAfterRestart(t, false) })
	t.Run("streamed", func(t *testing.T) { catchUpAfterRestart(t, true) })
}

func catchUpAfterRestart(t *testing.T, streamed bool) {
	synctest.Test(t, func(t *testing.T) {
		time.Sleep(24 * time.Hour) // so that "while down" is after the bubble's epoch
		now := time.Now()          // 2000-01-02T00:00Z, the restart
		at := func(d time.Duration) time.Time { return now.Add(d) }

		// end missed, teardown missed: Finish once (Late), no teardown.
		endMissed := booking("end-missed", at(-3*time.Hour), 2*time.Hour)
		endMissed.Teardown = 30 * time.Minute
		// end missed, teardown ahead: Finish (Late), teardown on time.
		endTeardown := booking("end-teardown", at(-2*time.Hour), 110*time.Minute)
		endTeardown.Teardown = 30 * time.Minute
		// no-show check missed, nobody checked in: released (Late).
		noshow := booking("noshow", at(-20*time.Minute), time.Hour)
		noshow.CheckinRequired = true
		// no-show check missed, but checked in: nothing released.
		checkedIn := booking("checked-in", at(-20*time.Minute), time.Hour)
		checkedIn.CheckinRequired, checkedIn.Status = true, rooms.StatusCheckedIn
		// prep missed, start ahead: prep delivered late, start on time.
		prepLate := booking("prep-late", at(5*time.Minute), time.Hour)
		// prep and start missed, meeting running: both skipped.
		running := booking("running", at(-10*time.Minute), time.Hour)
		// end warning missed, end ahead: warning delivered late.
		warnLate := booking("warn-late", at(-time.Hour), 62*time.Minute)
		// ended more than CatchUp ago: not seen at all.
		ancient := booking("ancient", at(-30*time.Hour), time.Hour)
		// entirely in the future: queued normally.
		future := booking("future", at(2*time.Hour), time.Hour)

		st := newFakeStore(endMissed, endTeardown, noshow, checkedIn, prepLate, running, warnLate, ancient, future)
		st.streamed = streamed
		h := start(t, st, Options{})
		expect(t, h.events(),
			"2000-01-01T23:00 end-missed end ended late",
			"2000-01-01T23:50 end-teardown end ended late",
			"2000-01-01T23:50 prep-late prep confirmed late",
			"2000-01-01T23:55 noshow noshow released late",
			"2000-01-01T23:57 warn-late end_warning confirmed late",
		)
		for _, r := range h.events() {
			t.Errorf("unexpected %s", r)
		}
		for id, want := range map[string]int{"end-missed": 1, "end-teardown": 1, "ancient": 0, "running": 0} {
			if n := st.count("finish " + id); n != want {
				t.Errorf("Finish(%s) called %d times, want %d", id, n, want)
			}
		}
		if n := st.count("release"); n != 1 {
			t.Errorf("Release called %d times, want once (noshow)", n)
		}
		logs := h.logs.String()
		for _, line := range []string{
			"booking=running room=r1 kind=prep",
			"booking=running room=r1 kind=start",
			"booking=end-missed room=r1 kind=teardown",
		} {
			if !strings.Contains(logs, `skipping missed event" `+line) {
				t.Errorf("no skip line for %q in\n%s", line, logs)
			}
		}

		sleepUntil(at(55 * time.Minute))
		expect(t, h.events(),
			"2000-01-02T00:02 warn-late end ended",
			"2000-01-02T00:02 warn-late teardown ended",
			"2000-01-02T00:05 prep-late start confirmed",
			"2000-01-02T00:20 end-teardown teardown ended",
			"2000-01-02T00:35 checked-in end_warning checked_in",
			"2000-01-02T00:40 checked-in end ended",
			"2000-01-02T00:40 checked-in teardown ended",
			"2000-01-02T00:45 running end_warning confirmed",
			"2000-01-02T00:50 running end ended",
			"2000-01-02T00:50 running teardown ended",
		)
		h.stop()

		// Restart again: the ends applied above are not applied twice.
		finishes := st.count("finish")
		h2 := start(t, st, Options{})
		for _, r := range h2.events() {
			t.Errorf("second restart delivered %s", r)
		}
		if n := st.count("finish"); n != finishes {
			t.Errorf("second restart called Finish %d more times", n-finishes)
		}
	})
}

// CatchUp bounds how far back Run looks.
func TestCatchUpWindow(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		time.Sleep(48 * time.Hour)
		now := time.Now()
		st := newFakeStore(booking("a", now.Add(-30*time.Hour), time.Hour))
		h := start(t, st, Options{CatchUp: 36 * time.Hour})
		if got := h.events(); len(got) != 1 || got[0].Kind != End || !got[0].Late {
			t.Errorf("events %v, want a late end", got)
		}
	})
}
