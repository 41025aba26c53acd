package web

import (
	"errors"
	"net/http"
	"net/url"

	"github.com/kogge-project/kogge/daemon/problems"
	"github.com/kogge-project/kogge/rooms"
	"github.com/kogge-project/kogge/rooms/store"
)

func (s *server) createBooking(w http.ResponseWriter, r *http.Request, c *caller) error {
	var in bookingInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	if err := in.check(); err != nil {
		return err
	}
	if in.Room == nil {
		return rooms.UnknownRoom("")
	}
	created, err := s.book(c, *in.Room, func(b *rooms.Booking, room rooms.Room) {
		in.apply(b)
		if in.CheckinRequired == nil {
			// The room's default; council sessions take place whoever checks in.
			b.CheckinRequired = room.CheckinRequired && b.Kind != rooms.KindCouncil
		}
	})
	if err != nil {
		return s.storeError(c, err)
	}
	w.Header().Set("ETag", etag(created))
	w.Header().Set("Location", "/api/v1/bookings/"+created.ID)
	writeJSON(w, http.StatusCreated, s.view(c, created))
	return nil
}

// book creates a booking in roomID for c (the booking API and the panel's
// "book now"): the defaults, then fill, then the rules, then the store,
// the timeline and the confirmation mail.
func (s *server) book(c *caller, roomID string, fill func(*rooms.Booking, rooms.Room)) (rooms.Booking, error) {
	var created rooms.Booking
	err := s.catalog.Hold(func() error {
		room, ok := s.catalog.Get(roomID)
		if !ok {
			return rooms.UnknownRoom(roomID)
		}
		b := rooms.Booking{
			Room: room.ID, Kind: rooms.KindMeeting, Status: rooms.StatusConfirmed,
			Organizer: c.user.Name, CreatedBy: c.user.Name, Setup: room.Setup, Teardown: room.Teardown,
		}
		fill(&b, room)
		if err := rooms.Validate(&b, room, s.now(), true); err != nil {
			return err
		}
		var err error
		created, err = s.store.Create(b, c.name())
		return err
	})
	if err != nil {
		return rooms.Booking{}, err
	}
	s.mail.send(mailConfirmed, created)
	return created, nil
}

func (s *server) getBooking(w http.ResponseWriter, r *http.Request, c *caller) error {
	b, err := s.store.Get(r.PathValue("id"))
	if err != nil {
		return err
	}
	w.Header().Set("ETag", etag(b))
	writeJSON(w, http.StatusOK, s.view(c, b))
	return nil
}

func (s *server) patchBooking(w http.ResponseWriter, r *http.Request, c *caller) error {
	var in bookingInput
	version, err := readEdit(w, r, &in)
	if err != nil {
		return err
	}
	var updated, previous rooms.Booking
	err = s.catalog.Hold(func() (err error) {
		updated, err = s.store.Update(r.PathValue("id"), version, c.name(), func(b *rooms.Booking) error {
			if !canRead(c, b) {
				return errForbidden
			}
			if in.Status != nil && *in.Status != b.Status && b.Status != rooms.StatusTentative && b.Status != rooms.StatusConfirmed {
				return stateProblem("wrong-state.status", "status", problems.Key("status."+string(b.Status)))
			}
			before := *b
			previous = before
			if in.Room != nil {
				b.Room = *in.Room
			}
			room, ok := s.catalog.Get(b.Room)
			if !ok {
				return rooms.UnknownRoom(b.Room)
			}
			in.apply(b)
			// Only a new start or room must lie ahead: extending or
			// shortening a running meeting is what changing the end is for.
			moved := !b.Start.Equal(before.Start) || b.Room != before.Room
			if b.SeriesID != "" {
				b.Exception = true // edited on its own: series edits leave it alone
			}
			return rooms.Validate(b, room, s.now(), moved)
		})
		return err
	})
	if err != nil {
		return s.storeError(c, err)
	}
	if version == 0 || updated.Version != version {
		if previous.Contact != "" && previous.Contact != updated.Contact {
			// The old contact's calendar still holds the meeting: take it
			// out there, then invite the new one.
			old := updated
			old.Contact = previous.Contact
			s.mail.send(mailCancelled, old)
		}
		s.mail.send(mailChanged, updated) // not for an edit that changed nothing
	}
	w.Header().Set("ETag", etag(updated))
	writeJSON(w, http.StatusOK, s.view(c, updated))
	return nil
}

func (s *server) cancelBooking(w http.ResponseWriter, r *http.Request, c *caller) error {
	version, err := ifMatch(r)
	if err != nil {
		return err
	}
	b, err := s.store.Get(r.PathValue("id"))
	if err != nil {
		return err
	}
	if !canRead(c, &b) {
		return errForbidden
	}
	if version == 0 {
		// "If-Match: *": still cancel only the version just checked, so a
		// change in between (made confidential, say) is a 412, not a bypass.
		version = b.Version
	}
	cancelled, err := s.store.Cancel(b.ID, version, c.name())
	if err != nil {
		return s.storeError(c, err)
	}
	s.mail.send(mailCancelled, cancelled)
	w.Header().Set("ETag", etag(cancelled))
	writeJSON(w, http.StatusOK, s.view(c, cancelled))
	return nil
}

// storeError turns a conflict into a 409 that names the colliding bookings
// as far as c may see them; other errors pass to toProblem.
func (s *server) storeError(c *caller, err error) error {
	var ce *rooms.ConflictError
	if errors.As(err, &ce) {
		return s.conflictProblem(c, ce)
	}
	return err
}

// bookingPage is one page of GET /bookings.
type bookingPage struct {
	Bookings []bookingView `json:"bookings"`
	Next     string        `json:"next,omitempty"`
}

func (s *server) listBookings(w http.ResponseWriter, r *http.Request, c *caller) error {
	q := r.URL.Query()
	query := store.Query{Room: q.Get("room"), Kind: rooms.Kind(q.Get("kind")), Status: rooms.Status(q.Get("status")), After: q.Get("cursor")}
	if query.Room != "" {
		if _, ok := s.catalog.Get(query.Room); !ok {
			return rooms.UnknownRoom(query.Room)
		}
	}
	if query.Kind != "" && !query.Kind.Valid() {
		return badQuery("kind", "bad-query.kind")
	}
	if query.Status != "" && !query.Status.Valid() {
		return badQuery("status", "bad-query.status")
	}
	var err error
	if query.From, err = queryTime(r, "from"); err != nil {
		return err
	}
	if query.To, err = queryTime(r, "to"); err != nil {
		return err
	}
	if !query.From.IsZero() && !query.To.IsZero() && !query.To.After(query.From) {
		return badQuery("to", "bad-query.to-after-from")
	}
	if query.Limit, err = queryInt(r, "limit", store.DefaultLimit, 1, store.MaxLimit); err != nil {
		return err
	}
	page, err := s.store.List(query)
	if err != nil {
		return err
	}
	out := bookingPage{Bookings: make([]bookingView, 0, len(page.Bookings)), Next: page.Next}
	for _, b := range page.Bookings {
		if query.Kind != "" && !canRead(c, &b) {
			continue // the kind of a confidential booking is not the caller's to learn
		}
		out.Bookings = append(out.Bookings, s.view(c, b))
	}
	if page.Next != "" {
		next := *r.URL
		v := next.Query()
		v.Set("cursor", page.Next)
		next.RawQuery = v.Encode()
		w.Header().Set("Link", "<"+(&url.URL{Path: next.Path, RawQuery: next.RawQuery}).String()+`>; rel="next"`)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *server) bookingHistory(w http.ResponseWriter, r *http.Request, c *caller) error {
	b, err := s.store.Get(r.PathValue("id"))
	if err != nil {
		return err
	}
	if !canRead(c, &b) {
		return errForbidden
	}
	entries, err := s.store.Audit(b.ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"booking": b.ID, "history": historyOf(entries)})
	return nil
}
