package bookings

import (
	"errors"
	"slices"
	"time"

	"github.com/kogge-project/kogge/rooms"
)

// BookNowLengths are the lengths "book now" offers at the door, in minutes.
var BookNowLengths = []int{15, 30, 60}

// BookNowTitle is the title of a meeting booked at the door.
const BookNowTitle = "Spontanbuchung"

// BookNow books roomID from this minute for minutes (one of
// BookNowLengths) for the people at its door, and checks them in: they are
// there. door names the panel ("" for staff using it); the organizer is
// "Panel <door>". It is refused while the room is closed, and when the room
// is not free that long: the refusal says until when it is busy, or from
// when it is taken. A failed check-in leaves the booking, which is what was
// asked for.
func (s *Service) BookNow(a Actor, roomID string, minutes int, door string) (rooms.Booking, error) {
	if !slices.Contains(BookNowLengths, minutes) {
		return rooms.Booking{}, &Refusal{Code: "invalid-field", Field: "minutes", Key: "field.panel-book"}
	}
	if a.Room != "" && a.Room != roomID {
		return rooms.Booking{}, ErrForbidden
	}
	room, ok := s.o.Room(roomID)
	if !ok {
		return rooms.Booking{}, rooms.UnknownRoom(roomID)
	}
	now := s.o.Now()
	if _, closed := rooms.ClosedAt(room, s.closures(), now); closed {
		return rooms.Booking{}, &Refusal{Code: "closed", Key: "closed"}
	}
	organizer := "Panel"
	if door != "" {
		organizer += " " + door
	}
	start := now.Truncate(time.Minute)
	no := false
	b, err := s.Book(a, Request{Room: room.ID, CheckinRequired: &no, Fill: func(b *rooms.Booking) {
		b.Title, b.Organizer, b.Kind = BookNowTitle, organizer, rooms.KindMeeting
		b.Start, b.End = start, start.Add(time.Duration(minutes)*time.Minute)
		b.Setup, b.Teardown = 0, 0
	}})
	var ce *rooms.ConflictError
	if errors.As(err, &ce) {
		first := ce.Conflicts[0]
		if from := first.Start.Add(-first.Setup); from.After(start) {
			return rooms.Booking{}, &Refusal{Code: "conflict", Key: "conflict.panel-soon", Args: []any{"minutes", minutes, "from", inZone(room, from)}}
		}
		return rooms.Booking{}, &Refusal{Code: "conflict", Key: "conflict.panel-busy", Args: []any{"until", inZone(room, first.End.Add(first.Teardown))}}
	}
	if err != nil {
		return rooms.Booking{}, err
	}
	if in, err := s.CheckIn(a, b.ID); err == nil {
		b = in
	}
	return b, nil
}
