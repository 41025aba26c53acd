package web

import (
	"net/http"
	"time"

	"github.com/kogge-project/kogge/rooms"
	"github.com/kogge-project/kogge/rooms/bookings"
)

// checkin answers POST /bookings/{id}/checkin: someone is in the room. It
// is possible from the prep instant until the no-show check.
func (s *server) checkin(w http.ResponseWriter, r *http.Request, c *caller) error {
	b, err := s.checkinBooking(c, r.PathValue("id"))
	return s.answerBooking(w, c, b, err)
}

// checkinBooking checks a booking in for c (the booking API and the panel).
func (s *server) checkinBooking(c *caller, id string) (rooms.Booking, error) {
	b, err := s.bookings.CheckIn(bookingActor(c), id)
	return b, bookingError(err)
}

// checkinRefusal says why b cannot be checked in at now (nil: it can).
func checkinRefusal(b rooms.Booking, room rooms.Room, now time.Time) error {
	if r := bookings.CheckInRefusal(b, room, now); r != nil {
		return bookingError(r)
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
	b, err := s.bookings.Extend(bookingActor(c), id, minutes)
	return b, bookingError(err)
}

// end answers POST /bookings/{id}/end: the meeting is over now and the
// room is free from the next minute.
func (s *server) end(w http.ResponseWriter, r *http.Request, c *caller) error {
	b, err := s.endBooking(c, r.PathValue("id"))
	return s.answerBooking(w, c, b, err)
}

// endBooking ends a running booking now.
func (s *server) endBooking(c *caller, id string) (rooms.Booking, error) {
	b, err := s.bookings.End(bookingActor(c), id)
	return b, bookingError(err)
}

func stateProblem(key string, kv ...any) *problem {
	return newProblem(http.StatusConflict, "wrong-state", key, kv...)
}
