package web

import (
	"net/http"
	"net/url"

	"github.com/kogge-project/kogge/rooms"
	"github.com/kogge-project/kogge/rooms/bookings"
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
	created, err := s.bookings.Book(bookingActor(c), bookings.Request{Room: *in.Room, Fill: in.apply, CheckinRequired: in.CheckinRequired})
	if err != nil {
		return s.storeError(c, bookingError(err))
	}
	w.Header().Set("ETag", etag(created))
	w.Header().Set("Location", "/api/v1/bookings/"+created.ID)
	writeJSON(w, http.StatusCreated, s.view(c, created))
	return nil
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
	updated, err := s.bookings.Update(bookingActor(c), r.PathValue("id"), version, func(b *rooms.Booking) {
		set(&b.Room, in.Room)
		in.apply(b)
	})
	return s.answerBooking(w, c, updated, bookingError(err))
}

func (s *server) cancelBooking(w http.ResponseWriter, r *http.Request, c *caller) error {
	version, err := ifMatch(r)
	if err != nil {
		return err
	}
	cancelled, err := s.bookings.Cancel(bookingActor(c), r.PathValue("id"), version)
	return s.answerBooking(w, c, cancelled, bookingError(err))
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
	var page store.Page
	if query.Kind != "" && !c.isAdmin() {
		// The kind of a confidential booking is not the caller's to learn
		// (unless it is theirs): the filter must not match it.
		page, err = s.listVisible(query, func(b *rooms.Booking) bool { return canRead(c, b) })
	} else {
		page, err = s.store.List(query)
	}
	if err != nil {
		return err
	}
	out := bookingPage{Bookings: make([]bookingView, 0, len(page.Bookings)), Next: page.Next}
	for _, b := range page.Bookings {
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
