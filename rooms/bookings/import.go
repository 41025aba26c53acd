package bookings

import (
	"github.com/kogge-project/kogge/rooms"
)

// Imports is the booking service as an import from another system sees
// it (the council information system's meetings, integrations/oparl): it
// finds bookings by their external reference and creates, moves and
// cancels them under the same rules as any booking, with two differences
// that come from mirroring someone else's calendar. A booking it creates
// gets the room's setup and teardown, as one booked on the page does, and
// keeps what people set on it later; and a meeting the other system moved
// need not lie ahead (the import skips past meetings itself, and a running
// session's new end must still be taken over).
type Imports struct{ s *Service }

// Imports returns the service for imports.
func (s *Service) Imports() Imports { return Imports{s} }

// FindByExternal returns the booking made for ref, if any.
func (i Imports) FindByExternal(ref string) (rooms.Booking, bool, error) {
	return i.s.o.Store.FindByExternal(ref)
}

// Create books b in its room with ref as its external reference, in one
// write (a booking without its reference would be made again by the next
// import).
func (i Imports) Create(ref string, b rooms.Booking, actor string) (out rooms.Booking, err error) {
	err = i.s.o.Hold(func() error {
		room, ok := i.s.o.Room(b.Room)
		if !ok {
			return rooms.UnknownRoom(b.Room)
		}
		b.External, b.Setup, b.Teardown = ref, room.Setup, room.Teardown
		// The kind's defaults, as Book applies them: a council session
		// takes place whoever checks in.
		b.CheckinRequired = room.CheckinRequired && b.Kind != rooms.KindCouncil
		if err := rooms.Validate(&b, room, i.s.o.Now(), false); err != nil {
			return err
		}
		out, err = i.s.o.Store.Create(b, actor)
		return err
	})
	return out, err
}

// Update changes the booking id if version is still the stored one; the
// result must fit its room's rules.
func (i Imports) Update(id string, version uint64, actor string, change func(*rooms.Booking) error) (out rooms.Booking, err error) {
	err = i.s.o.Hold(func() error {
		out, err = i.s.o.Store.Update(id, version, actor, func(b *rooms.Booking) error {
			if err := change(b); err != nil {
				return err
			}
			room, ok := i.s.o.Room(b.Room)
			if !ok {
				return rooms.UnknownRoom(b.Room)
			}
			return rooms.Validate(b, room, i.s.o.Now(), false)
		})
		return err
	})
	return out, err
}

// Cancel cancels the booking id if version is still the stored one.
func (i Imports) Cancel(id string, version uint64, actor string) (rooms.Booking, error) {
	return i.s.o.Store.Cancel(id, version, actor)
}
