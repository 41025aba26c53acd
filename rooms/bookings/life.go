package bookings

import (
	"time"

	"github.com/kogge-project/kogge/rooms"
)

// Actions as the audit log names them.
const (
	ActionCheckIn = "checkin"
	ActionEnd     = "end"
	ActionRelease = "release"
	ActionFinish  = "finish"
)

// MaxExtendMinutes bounds one extension.
const MaxExtendMinutes = 24 * 60

// CheckIn records that someone is in the room: possible from the room's
// prep instant until the no-show check (for bookings that need a check-in)
// and the end. Checking in twice is fine (a second tap on the panel).
func (s *Service) CheckIn(a Actor, id string) (rooms.Booking, error) {
	now := s.o.Now()
	return s.o.Store.Transition(id, ActionCheckIn, a.audit(), func(b *rooms.Booking) (bool, error) {
		if !a.MayAct(b) {
			return false, ErrForbidden
		}
		room, err := s.room(b)
		if err != nil {
			return false, err
		}
		if b.Status == rooms.StatusCheckedIn {
			return false, nil
		}
		if err := CheckInRefusal(*b, room, now); err != nil {
			return false, err
		}
		b.Status, b.CheckedIn = rooms.StatusCheckedIn, now.UTC()
		return true, nil
	})
}

// CheckInRefusal says why b cannot be checked in at now (nil: it can); the
// panel asks it to show the check-in button only when it would work.
func CheckInRefusal(b rooms.Booking, room rooms.Room, now time.Time) *Refusal {
	lead, grace := room.PrepLeadOrDefault(), room.CheckinGraceOrDefault()
	switch {
	case b.Status != rooms.StatusConfirmed && b.Status != rooms.StatusTentative:
		return wrongState("wrong-state.checkin-status", "status", MessageKey("status."+string(b.Status)))
	case now.Before(b.Start.Add(-lead)):
		return wrongState("wrong-state.checkin-early", "at", inZone(room, b.Start.Add(-lead)))
	case !now.Before(b.Start.Add(grace)) && b.CheckinRequired:
		return wrongState("wrong-state.checkin-closed", "at", inZone(room, b.Start.Add(grace)))
	case !now.Before(b.End):
		return wrongState("wrong-state.over")
	}
	return nil
}

// Extend moves a running or coming booking's end by minutes, if the room
// stays free (a *rooms.ConflictError otherwise) and its rules allow the
// new end.
func (s *Service) Extend(a Actor, id string, minutes int) (rooms.Booking, error) {
	if minutes < 1 || minutes > MaxExtendMinutes {
		return rooms.Booking{}, &Refusal{Code: "invalid-field", Field: "minutes", Key: "field.extend"}
	}
	var updated rooms.Booking
	err := s.o.Hold(func() (err error) {
		updated, err = s.o.Store.Update(id, 0, a.audit(), func(b *rooms.Booking) error {
			if !a.MayAct(b) {
				return ErrForbidden
			}
			if !b.Status.Blocks() || b.Status == rooms.StatusEnded {
				return wrongState("wrong-state.extend-status", "status", MessageKey("status."+string(b.Status)))
			}
			room, err := s.room(b)
			if err != nil {
				return err
			}
			now := s.o.Now()
			if !now.Before(b.End) {
				return wrongState("wrong-state.over")
			}
			b.End = b.End.Add(time.Duration(minutes) * time.Minute)
			return rooms.Validate(b, room, now, false)
		})
		return err
	})
	return updated, err
}

// End ends a running booking now: the room is free from the next whole
// minute. Ending an ended booking changes nothing.
func (s *Service) End(a Actor, id string) (rooms.Booking, error) {
	now := s.o.Now()
	return s.o.Store.Transition(id, ActionEnd, a.audit(), func(b *rooms.Booking) (bool, error) {
		if !a.MayAct(b) {
			return false, ErrForbidden
		}
		switch {
		case b.Status == rooms.StatusEnded:
			return false, nil
		case !b.Status.Blocks():
			return false, wrongState("wrong-state.end-status", "status", MessageKey("status."+string(b.Status)))
		case now.Before(b.Start):
			return false, wrongState("wrong-state.not-started")
		}
		if end := now.Truncate(time.Minute).Add(time.Minute); end.Before(b.End) {
			b.End = end // whole minutes, like every booking time
		}
		b.Status = rooms.StatusEnded
		return true, nil
	})
}

// Release frees the room of a booking nobody checked in to, once its
// no-show check has passed (the timeline calls it at that instant). It
// reports whether it released: a booking checked in, cancelled, moved
// later or no longer needing a check-in meanwhile stays as it is.
func (s *Service) Release(a Actor, id string) (rooms.Booking, bool, error) {
	released := false
	b, err := s.o.Store.Transition(id, ActionRelease, a.audit(), func(b *rooms.Booking) (bool, error) {
		released = false // a replicated store may decide again (rooms/store/kv)
		if b.Status != rooms.StatusConfirmed && b.Status != rooms.StatusTentative {
			return false, nil
		}
		r, _ := s.o.Room(b.Room) // a room gone from the config: the defaults
		if !b.CheckinRequired || s.o.Now().Before(b.Start.Add(r.CheckinGraceOrDefault())) {
			return false, nil
		}
		b.Status, released = rooms.StatusReleased, true
		return true, nil
	})
	return b, released, err
}

// Finish marks a booking ended at its scheduled end (the timeline calls it
// at that instant); a booking extended meanwhile, or no longer running,
// stays as it is.
func (s *Service) Finish(a Actor, id string) (rooms.Booking, error) {
	return s.o.Store.Transition(id, ActionFinish, a.audit(), func(b *rooms.Booking) (bool, error) {
		if s.o.Now().Before(b.End) {
			return false, nil
		}
		switch b.Status {
		case rooms.StatusConfirmed, rooms.StatusTentative, rooms.StatusCheckedIn:
			b.Status = rooms.StatusEnded
			return true, nil
		}
		return false, nil
	})
}
