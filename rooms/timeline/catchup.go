package timeline

import "time"

// Instants that have already passed when the timeline first sees them are
// decided by explicit rules rather than fired blindly. Two situations lead
// here:
//
//   - restart: Run rebuilds the queue after the daemon was down, and an
//     instant passed while nobody was listening. Such events are delivered
//     with Late set.
//   - live: a booking arrives through Changed (or a resync) with an instant
//     already behind us, e.g. booked five minutes before its start, moved to
//     an earlier start, or ended early. Such events are delivered at once,
//     without Late: they are news, not history.
//
// The rules, per kind:
//
//	prep        skipped if the booking already started (too late to prepare), else fired
//	start       restart: skipped, the meeting is running and AV must not be reset;
//	            live: fired, so a booking created or moved into the past still starts
//	noshow      fired: Release unless checked in (the store decides)
//	end_warning skipped if the end has passed too, else fired
//	end         fired once: Finish (or, for a booking already ended, only published)
//	teardown    restart: skipped, the room is long free; live: fired
//
// Whatever the rule says, the kind is marked done for the booking so that a
// later change of the same booking does not fire it again for an instant
// already past; an instant that moves into the future is queued afresh.
type mode uint8

const (
	live mode = iota
	restart
)

func (m mode) String() string {
	if m == restart {
		return "restart"
	}
	return "live"
}

// passed reports whether the instant at, already past at now, should still
// be fired, and if not, why.
func passed(slot int, b *booked, now time.Time, m mode) (fire bool, why string) {
	switch lifecycle[slot] {
	case Prep:
		if !b.Start.After(now) {
			return false, "booking already started"
		}
	case Start:
		if m == restart {
			return false, "start passed while down; not re-published"
		}
	case EndWarning:
		if !b.End.After(now) {
			return false, "booking already over"
		}
	case Teardown:
		if m == restart {
			return false, "teardown passed while down"
		}
	}
	return true, ""
}

// due is an instant to fire now, outside the queue.
type due struct {
	tr      *tracked
	at      time.Time
	slot    int
	version uint64
}

// compareDue orders instants fired outside the queue as the queue would.
func compareDue(a, b due) int {
	x, xs := a.at.UnixNano(), uint8(a.slot)
	y, ys := b.at.UnixNano(), uint8(b.slot)
	switch {
	case earlier(x, xs, a.tr.b.ID, y, ys, b.tr.b.ID):
		return -1
	case earlier(y, ys, b.tr.b.ID, x, xs, a.tr.b.ID):
		return 1
	}
	return 0
}
