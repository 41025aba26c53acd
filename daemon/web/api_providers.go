package web

import (
	"net/http"
	"time"

	"github.com/kogge-project/kogge/integrations/broker"
	"github.com/kogge-project/kogge/rooms/store"
)

// providers answers GET /providers: every provider's pool, use now, the
// peak over the next seven days, and health.
func (s *server) providers(w http.ResponseWriter, _ *http.Request, _ *caller) error {
	if s.broker == nil {
		writeJSON(w, http.StatusOK, map[string]any{"providers": []broker.ProviderStatus{}})
		return nil
	}
	st, err := s.broker.Status()
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"providers": st, "at": s.now().UTC().Truncate(time.Second)})
	return nil
}

// authorizeGoToOrganizer answers POST /providers/gotomeeting/authorize
// {organizer, code}: the last step of `kogge gotomeeting authorize`. Only
// an admin in a session (or the control socket) may: the tokens act for
// the organizer's licence.
func (s *server) authorizeGoToOrganizer(w http.ResponseWriter, r *http.Request, c *caller) error {
	var in struct{ Organizer, Code string }
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	if in.Organizer == "" || in.Code == "" {
		return newProblem(http.StatusUnprocessableEntity, "invalid-authorization", "invalid-authorization")
	}
	if s.goToAuthorize == nil {
		return ErrNoGoTo
	}
	if err := s.goToAuthorize(r.Context(), in.Organizer, in.Code); err != nil {
		return err
	}
	_ = s.store.AppendAudit(store.AuditEntry{Actor: c.name(), Action: "gotomeeting.authorize", Detail: in.Organizer})
	w.WriteHeader(http.StatusNoContent)
	return nil
}
