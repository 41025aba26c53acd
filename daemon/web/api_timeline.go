package web

import (
	"net/http"
	"time"

	"github.com/kogge-project/kogge/daemon/problems"
	"github.com/kogge-project/kogge/rooms"
)

func bookingEventOf(b rooms.Booking) bookingEvent {
	return bookingEvent{ID: b.ID, Room: b.Room, Status: b.Status, Start: b.Start.UTC(), End: b.End.UTC(), Version: b.Version}
}

// bookingEvent tells event streams that a booking was made or changed, so
// that open pages redraw: ids, times and status only, never titles.
type bookingEvent struct {
	ID      string       `json:"id"`
	Room    string       `json:"room"`
	Status  rooms.Status `json:"status"`
	Start   time.Time    `json:"start"`
	End     time.Time    `json:"end"`
	Version uint64       `json:"version"`
}

// checkin answers POST /bookings/{id}/checkin: someone is in the room. It
// is possible from the prep instant until the no-show check.
func (s *server) checkin(w http.ResponseWriter, r *http.Request, c *caller) error {
	b, err := s.checkinBooking(c, r.PathValue("id"))
	return s.answerBooking(w, c, b, err)
}

// checkinBooking checks a booking in for c (the booking API and the panel).
func (s *server) checkinBooking(c *caller, id string) (rooms.Booking, error) {
	now := s.now()
	return s.store.Transition(id, "checkin", c.name(), func(b *rooms.Booking) (bool, error) {
		if !canAct(c, b) {
			return false, errForbidden
		}
		room, ok := s.catalog.Get(b.Room)
		if !ok {
			return false, rooms.UnknownRoom(b.Room)
		}
		if b.Status == rooms.StatusCheckedIn {
			return false, nil // a second tap on the panel is fine
		}
		if err := checkinRefusal(*b, room, now); err != nil {
			return false, err
		}
		b.Status, b.CheckedIn = rooms.StatusCheckedIn, now.UTC()
		return true, nil
	})
}

// checkinRefusal says why b cannot be checked in at now (nil: it can).
func checkinRefusal(b rooms.Booking, room rooms.Room, now time.Time) error {
	switch {
	case b.Status != rooms.StatusConfirmed && b.Status != rooms.StatusTentative:
		return stateProblem("wrong-state.checkin-status", "status", problems.Key("status."+string(b.Status)))
	case now.Before(b.Start.Add(-prepLead(room))):
		return stateProblem("wrong-state.checkin-early", "at", inZone(room, b.Start.Add(-prepLead(room))))
	case !now.Before(b.Start.Add(CheckinGrace(room))) && b.CheckinRequired:
		return stateProblem("wrong-state.checkin-closed", "at", inZone(room, b.Start.Add(CheckinGrace(room))))
	case !now.Before(b.End):
		return stateProblem("wrong-state.over")
	}
	return nil
}

// extend answers POST /bookings/{id}/extend {minutes}: a later end, if the
// room stays free and the room's rules allow it (409 / 422 otherwise).
func (s *server) extend(w http.ResponseWriter, r *http.Request, c *caller) error {
	var in struct {
		Minutes int `json:"minutes"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	updated, err := s.extendBooking(c, r.PathValue("id"), in.Minutes)
	return s.answerBooking(w, c, updated, err)
}

// extendBooking moves a running or coming booking's end by minutes.
func (s *server) extendBooking(c *caller, id string, minutes int) (rooms.Booking, error) {
	if minutes < 1 || minutes > 24*60 {
		return rooms.Booking{}, fieldProblem("minutes", "field.extend")
	}
	var updated rooms.Booking
	err := s.catalog.Hold(func() (err error) {
		updated, err = s.store.Update(id, 0, c.name(), func(b *rooms.Booking) error {
			if !canAct(c, b) {
				return errForbidden
			}
			if !b.Status.Blocks() || b.Status == rooms.StatusEnded {
				return stateProblem("wrong-state.extend-status", "status", problems.Key("status."+string(b.Status)))
			}
			room, ok := s.catalog.Get(b.Room)
			if !ok {
				return rooms.UnknownRoom(b.Room)
			}
			if !s.now().Before(b.End) {
				return stateProblem("wrong-state.over")
			}
			b.End = b.End.Add(time.Duration(minutes) * time.Minute)
			return rooms.Validate(b, room, s.now(), false)
		})
		return err
	})
	return updated, err
}

// end answers POST /bookings/{id}/end: the meeting is over now and the
// room is free from the next minute.
func (s *server) end(w http.ResponseWriter, r *http.Request, c *caller) error {
	b, err := s.endBooking(c, r.PathValue("id"))
	return s.answerBooking(w, c, b, err)
}

// endBooking ends a running booking now.
func (s *server) endBooking(c *caller, id string) (rooms.Booking, error) {
	now := s.now()
	return s.store.Transition(id, "end", c.name(), func(b *rooms.Booking) (bool, error) {
		if !canAct(c, b) {
			return false, errForbidden
		}
		switch {
		case b.Status == rooms.StatusEnded:
			return false, nil
		case !b.Status.Blocks():
			return false, stateProblem("wrong-state.end-status", "status", problems.Key("status."+string(b.Status)))
		case now.Before(b.Start):
			return false, stateProblem("wrong-state.not-started")
		}
		// Whole minutes, like every booking time; never before the start.
		end := now.Truncate(time.Minute).Add(time.Minute)
		if end.Before(b.End) {
			b.End = end
		}
		b.Status = rooms.StatusEnded
		return true, nil
	})
}

// answerBooking writes a changed booking, or maps the error, and tells the
// timeline.
func (s *server) answerBooking(w http.ResponseWriter, c *caller, b rooms.Booking, err error) error {
	if err != nil {
		return s.storeError(c, err)
	}
	w.Header().Set("ETag", etag(b))
	writeJSON(w, http.StatusOK, s.view(c, b))
	return nil
}

func stateProblem(key string, kv ...any) *problem {
	return newProblem(http.StatusConflict, "wrong-state", key, kv...)
}

func prepLead(r rooms.Room) time.Duration {
	if r.PrepLead > 0 {
		return r.PrepLead
	}
	return rooms.DefaultPrepLead
}

// CheckinGrace is how long after its start a booking waits for a check-in
// before the timeline releases the room.
func CheckinGrace(r rooms.Room) time.Duration {
	if r.CheckinGrace > 0 {
		return r.CheckinGrace
	}
	return rooms.DefaultCheckinGrace
}
