package bookings

import (
	"github.com/kogge-project/kogge/rooms"
)

// Request is one booking to make: what the caller asks for on top of the
// room's defaults.
type Request struct {
	Room string
	// Fill sets the caller's fields on a booking that holds the defaults:
	// a confirmed meeting organised and created by the actor, with the
	// room's setup and teardown. It must not set the room.
	Fill func(b *rooms.Booking)
	// CheckinRequired is the caller's choice; nil takes the room's
	// default, except that council sessions take place whoever checks in.
	CheckinRequired *bool
}

// Book makes a booking in r.Room for a: the defaults, then the caller's
// fields, then the room's rules, then the store (a *rooms.ConflictError
// when the room is taken). A panel books in its own room only. The rooms
// cannot change in between (a reload waits).
func (s *Service) Book(a Actor, r Request) (rooms.Booking, error) {
	if a.Room != "" && a.Room != r.Room {
		return rooms.Booking{}, ErrForbidden
	}
	var created rooms.Booking
	err := s.o.Hold(func() error {
		room, ok := s.o.Room(r.Room)
		if !ok {
			return rooms.UnknownRoom(r.Room)
		}
		b := rooms.Booking{
			Room: room.ID, Kind: rooms.KindMeeting, Status: rooms.StatusConfirmed,
			Organizer: a.Name, CreatedBy: a.Name, Setup: room.Setup, Teardown: room.Teardown,
		}
		if r.Fill != nil {
			r.Fill(&b)
		}
		b.Room = room.ID
		if r.CheckinRequired != nil {
			b.CheckinRequired = *r.CheckinRequired
		} else {
			b.CheckinRequired = room.CheckinRequired && b.Kind != rooms.KindCouncil
		}
		if !b.Status.Settable() {
			return notSettable(b.Status)
		}
		if err := rooms.Validate(&b, room, s.o.Now(), true); err != nil {
			return err
		}
		var err error
		created, err = s.o.Store.Create(b, a.audit())
		return err
	})
	if err != nil {
		return rooms.Booking{}, err
	}
	return created, nil
}

// Update changes the stored booking id, if version is still the stored one
// (0: whichever is stored). change sets the caller's fields, the room
// included. The status changes only from tentative or confirmed, and only
// to a status a person may set; a new start or room must lie ahead (a
// running meeting's end and notes may change); an occurrence of a series
// edited on its own becomes an exception, which series edits leave alone.
// A change that changes nothing writes nothing.
func (s *Service) Update(a Actor, id string, version uint64, change func(b *rooms.Booking)) (rooms.Booking, error) {
	var updated rooms.Booking
	err := s.o.Hold(func() (err error) {
		updated, err = s.o.Store.Update(id, version, a.audit(), func(b *rooms.Booking) error {
			if !a.mayEdit(b) {
				return ErrForbidden
			}
			before := *b
			change(b)
			if b.Status != before.Status {
				if before.Status != rooms.StatusTentative && before.Status != rooms.StatusConfirmed {
					return wrongState("wrong-state.status", "status", MessageKey("status."+string(before.Status)))
				}
				if !b.Status.Settable() {
					return notSettable(b.Status)
				}
			}
			room, ok := s.o.Room(b.Room)
			if !ok {
				return rooms.UnknownRoom(b.Room)
			}
			if b.SeriesID != "" {
				b.Exception = true
			}
			if b.End.Sub(b.Start) != before.End.Sub(before.Start) {
				b.EndAssumed = false // a person gave the meeting its length
			}
			// Only a new start or room must lie ahead: extending or
			// shortening a running meeting is what changing the end is for.
			moved := !b.Start.Equal(before.Start) || b.Room != before.Room
			return rooms.Validate(b, room, s.o.Now(), moved)
		})
		return err
	})
	return updated, err
}

// Cancel cancels booking id at version (0: the version stored now — still
// only that one, so that a change in between, such as the booking made
// confidential, fails as stale instead of slipping through). Cancelling a
// cancelled booking returns it as it is.
func (s *Service) Cancel(a Actor, id string, version uint64) (rooms.Booking, error) {
	b, err := s.o.Store.Get(id)
	if err != nil {
		return rooms.Booking{}, err
	}
	if !a.mayEdit(&b) {
		return rooms.Booking{}, ErrForbidden
	}
	if version == 0 {
		version = b.Version
	}
	return s.o.Store.Cancel(b.ID, version, a.audit())
}

// mayEdit says whether a may change or cancel b: whoever may read it,
// a panel only in its own room.
func (a Actor) mayEdit(b *rooms.Booking) bool {
	return a.MayRead(b) && (a.Room == "" || a.Room == b.Room)
}

func notSettable(st rooms.Status) *Refusal {
	return &Refusal{Code: "invalid-field", Field: "status", Key: "field.status-settable", Args: []any{"value", MessageKey("status." + string(st))}}
}
