package web

import (
	"errors"
	"net/http"
	"time"

	"github.com/kogge-project/kogge/assets"
	"github.com/kogge-project/kogge/signaling"
	"github.com/kogge-project/kogge/signaling/admission"
	"github.com/kogge-project/kogge/signaling/joinlink"
)

// joinPage is what the join template shows before any script runs: the
// state of the link, and the title unless the meeting is confidential.
type joinPage struct {
	State       string // "open" or a signaling refusal reason
	Opens       string // RFC 3339, for "not open yet"
	Now         string // RFC 3339, the server's clock beside Opens: the page waits for Opens by it
	Role        string
	Title       string
	PINRequired bool
	// Member is the council member's name on a member's personal link:
	// the hub names them so to everyone (signaling/admission), so the
	// form shows it instead of asking.
	Member string
}

// join serves GET /j/{token}, the page behind every join link. Anyone may
// call it: the token is the credential, checked here for the page and
// again by the signaling hub when the browser says hello.
func (s *server) join(w http.ResponseWriter, r *http.Request, _ *caller) error {
	cl, b, js, err := s.joins.Resolve(r.PathValue("token"))
	page := joinPage{State: "open", Role: string(signaling.RoleGuest)}
	status := http.StatusOK
	var ref *signaling.Refusal
	switch {
	case errors.As(err, &ref):
		page.State = ref.Reason
		if !ref.Opens.IsZero() {
			page.Opens = ref.Opens.UTC().Format(time.RFC3339)
			page.Now = s.now().UTC().Format(time.RFC3339)
		}
		switch ref.Reason {
		case signaling.ReasonInvalidToken:
			status = http.StatusNotFound
		case signaling.ReasonEnded:
			status = http.StatusGone
		case signaling.ReasonExternal:
			http.Redirect(w, r, ref.URL, http.StatusSeeOther)
			return nil
		}
	case err != nil:
		return err
	}
	if page.State != signaling.ReasonInvalidToken {
		page.Title = admission.Title(b)
	}
	if cl.Kind == joinlink.KindHost {
		page.Role = string(signaling.RoleHost)
	}
	page.PINRequired = cl.Kind == joinlink.KindGuest && js.GuestPIN != ""
	if cl.Kind == joinlink.KindMember && s.council != nil && page.State != signaling.ReasonInvalidToken {
		if ses, err := s.council.Get(cl.Booking); err == nil {
			if m, err := ses.Member(cl.Member); err == nil {
				page.Member = m.Name
			}
		}
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer") // the path is a credential
	// Camera, microphone and screen sharing (presentations) for this
	// page only, never for frames.
	h.Set("Permissions-Policy", "camera=(self), microphone=(self), display-capture=(self)")
	w.WriteHeader(status)
	return assets.Templates.ExecuteTemplate(w, "join.html", page)
}

// signal serves GET /ws: the signaling WebSocket. Who may join what is
// decided by the hello message's token (signaling.Authorizer), not here.
func (s *server) signal(w http.ResponseWriter, r *http.Request, _ *caller) error {
	if s.hub == nil {
		return newProblem(http.StatusServiceUnavailable, "not-ready", "not-ready.meetings")
	}
	// The hub sees the client's address as the proxy reported it (PIN
	// limits and the security log go by it), not the proxy's.
	r = r.WithContext(r.Context())
	r.RemoteAddr = clientAddr(r)
	s.hub.ServeHTTP(w, r)
	return nil
}
