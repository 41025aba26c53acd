package web

import (
	"net/http"

	"github.com/kogge-project/kogge/integrations/oparl"
)

// agenda answers GET /bookings/{id}/agenda: the council meeting's agenda
// items (number, name, public, start, end) for imported bookings. Items
// that are not public are left out for readers of a redacted booking.
func (s *server) agenda(w http.ResponseWriter, r *http.Request, c *caller) error {
	b, err := s.store.Get(r.PathValue("id"))
	if err != nil {
		return err
	}
	var items []oparl.AgendaItem
	if s.oparl != nil {
		items, _ = s.oparl.AgendaFor(b)
	}
	out := []oparl.AgendaItem{}
	for _, it := range items {
		if it.Public || canRead(c, &b) {
			out = append(out, it)
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"booking": b.ID, "agenda": out})
	return nil
}

func (s *server) oparlStatus(w http.ResponseWriter, _ *http.Request, _ *caller) error {
	if s.oparl == nil {
		return newProblem(http.StatusNotFound, "no-oparl", "no-oparl")
	}
	writeJSON(w, http.StatusOK, s.oparl.Status())
	return nil
}
