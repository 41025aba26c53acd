package web

import (
	"net/http"
	"time"

	"github.com/kogge-project/kogge/integrations/broker"
	"github.com/kogge-project/kogge/rooms"
	"github.com/kogge-project/kogge/rooms/store"
)

// meetingView is where a hybrid booking's meeting lives: the provider,
// how far provisioning got, and the provider's own join details (the link
// sent to participants stays Kogge's /j/ link either way).
type meetingView struct {
	Provider  string           `json:"provider"`
	State     store.AllocState `json:"state"`
	Licence   string           `json:"licence,omitempty"`
	JoinURL   string           `json:"join_url,omitempty"`
	DialIn    string           `json:"dialin,omitempty"`
	Attempts  int              `json:"attempts,omitempty"`
	LastError string           `json:"last_error,omitempty"`
	// Moved lists providers the meeting moved away from after failures.
	Moved []string `json:"moved_from,omitempty"`
}

// meetingOf reads a booking's allocation for its view; nil without one.
func (s *server) meetingOf(b rooms.Booking) *meetingView {
	if !b.Hybrid.Enabled {
		return nil
	}
	a, ok, err := s.store.Allocation(b.ID)
	if err != nil || !ok {
		return nil
	}
	return &meetingView{Provider: a.Provider, State: a.State, Licence: a.Licence, JoinURL: a.JoinURL, DialIn: a.DialIn,
		Attempts: a.Attempts, LastError: a.LastError, Moved: a.Excluded}
}

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
