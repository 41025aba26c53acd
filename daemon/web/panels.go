package web

import (
	"errors"
	"net/http"
	"time"

	"github.com/kogge-project/kogge/rooms/accounts"
)

// Room panels: pairing a tablet to a room, and revocation. Its device
// cookie is in cookies.go (read by auth.go), the panel's own API in
// api_panel.go, its pages in panel_page.go.

// pairingSecretHeader carries the pairing's secret on each poll.
const pairingSecretHeader = "X-Kogge-Pairing-Secret"

// pairingProblem maps the pairing errors; others go to toProblem.
func pairingProblem(err error) error {
	var (
		rl   *accounts.RateLimitError
		here *accounts.PairingsWaitingError
	)
	switch {
	case errors.Is(err, accounts.ErrNoSuchPairing):
		return newProblem(http.StatusNotFound, "no-such-pairing", "no-such-pairing")
	case errors.As(err, &here):
		p := newProblem(http.StatusTooManyRequests, "too-many-pairings-here", "too-many-pairings-here", "wait", waitFor(here.RetryAfter))
		p.retryAfter = here.RetryAfter
		return p
	case errors.As(err, &rl):
		p := newProblem(http.StatusTooManyRequests, "rate-limited", "rate-limited.pairing", "wait", waitFor(rl.RetryAfter))
		p.retryAfter = rl.RetryAfter
		return p
	case errors.Is(err, accounts.ErrInvalidPanelName):
		return newProblem(http.StatusUnprocessableEntity, "invalid-panel-name", "invalid-panel-name")
	case errors.Is(err, accounts.ErrNoSuchPanel):
		return newProblem(http.StatusNotFound, "no-such-panel", "no-such-panel")
	}
	return err
}

// createPairing answers POST /panels/pairings: a new panel asks for a code.
// Anyone may; the per-address and per-network limits and the bound on
// waiting pairings (the oldest gives way) keep it cheap and unstarvable.
func (s *server) createPairing(w http.ResponseWriter, r *http.Request, _ *caller) error {
	p, secret, err := s.accounts.CreatePairing(clientAddr(r))
	if err != nil {
		return pairingProblem(err)
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusCreated, map[string]any{"id": p.ID, "code": p.Code, "secret": secret, "expires": p.Expires})
	return nil
}

// pollPairing answers GET /panels/pairings/{id} with the pairing's secret
// in a header: "pending" until an admin approves the code, then once
// "paired" with the device cookie set.
func (s *server) pollPairing(w http.ResponseWriter, r *http.Request, _ *caller) error {
	p, panel, token, err := s.accounts.ClaimPairing(r.PathValue("id"), r.Header.Get(pairingSecretHeader))
	if err != nil {
		return pairingProblem(err)
	}
	w.Header().Set("Cache-Control", "no-store")
	if panel == nil {
		writeJSON(w, http.StatusOK, map[string]any{"status": "pending", "code": p.Code, "expires": p.Expires})
		return nil
	}
	s.setPanelCookie(w, token)
	s.log.Info("panel paired", "panel", panel.ID, "room", panel.Room)
	writeJSON(w, http.StatusOK, map[string]any{"status": "paired", "room": panel.Room, "name": panel.Name, "location": "/panel/" + panel.Room})
	return nil
}

// pairingView is a waiting pairing as admins see it: with the network it
// asked from (Network, a /24 or /64) and its age by the server's clock, so
// an admin can tell a panel at the door from a flood.
type pairingView struct {
	accounts.Pairing
	AgeSeconds int64 `json:"age_seconds"`
}

// listPairings answers GET /panels/pairings: the codes waiting for an admin.
func (s *server) listPairings(w http.ResponseWriter, _ *http.Request, _ *caller) error {
	ps, err := s.accounts.Pairings()
	if err != nil {
		return err
	}
	now := s.now()
	out := make([]pairingView, 0, len(ps))
	for _, p := range ps {
		out = append(out, pairingView{Pairing: p, AgeSeconds: max(0, int64(now.Sub(p.Created)/time.Second))})
	}
	writeJSON(w, http.StatusOK, map[string]any{"pairings": out})
	return nil
}

// approvePairing answers POST /panels/pairings/approve {code, room, name}.
func (s *server) approvePairing(w http.ResponseWriter, r *http.Request, c *caller) error {
	var in struct {
		Code string `json:"code"`
		Room string `json:"room"`
		Name string `json:"name"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	if _, ok := s.catalog.Get(in.Room); !ok {
		return newProblem(http.StatusUnprocessableEntity, "unknown-room", "unknown-room", "room", in.Room)
	}
	p, err := s.accounts.ApprovePairing(in.Code, in.Room, in.Name, c.name())
	if err != nil {
		return pairingProblem(err)
	}
	writeJSON(w, http.StatusCreated, p)
	return nil
}

// listPanels answers GET /panels: every paired panel device.
func (s *server) listPanels(w http.ResponseWriter, _ *http.Request, _ *caller) error {
	ps, err := s.accounts.Panels()
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"panels": ps})
	return nil
}

// revokePanel answers DELETE /panels/{id}: the panel's next request is a
// 401 and its open event streams end now.
func (s *server) revokePanel(w http.ResponseWriter, r *http.Request, c *caller) error {
	p, err := s.accounts.RevokePanel(r.PathValue("id"), c.name())
	if err != nil {
		return pairingProblem(err)
	}
	s.panels.revoke(p.ID)
	w.WriteHeader(http.StatusNoContent)
	return nil
}
