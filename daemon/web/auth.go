package web

import (
	"bufio"
	"errors"
	"net"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/kogge-project/kogge/integrations/broker"
	"github.com/kogge-project/kogge/rooms/accounts"
)

// wrap authenticates, authorises, measures and maps errors for one route.
func (s *server) wrap(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		r = s.relayedClient(r) // a request another node forwarded: its client's address
		err := s.serveRoute(rec, r, rt)
		if err != nil {
			p := toProblem(err)
			if p.Status >= 500 && p.Status != http.StatusInsufficientStorage { // the store logs a full disk once
				s.log.Error("request failed", "method", r.Method, "route", rt.pattern, "err", err)
			}
			writeProblem(rec, r, s.zoned(p, err))
		}
		s.metrics.ObserveRequest(rt.method+" "+rt.pattern, rec.status, time.Since(start))
	})
}

// zoned gives a no-provider problem the zone of its booking's room, so
// that the licences' times are said in local time (any room's zone if the
// room is unknown: they all lie in one town).
func (s *server) zoned(p *problem, err error) *problem {
	var np *broker.NoProviderError
	if !errors.As(err, &np) || s.catalog == nil {
		return p
	}
	room, ok := s.catalog.Get(np.Room)
	if all := s.catalog.All(); !ok && len(all) > 0 {
		room = all[0]
	}
	p.zone = room.Zone
	return p
}

func (s *server) serveRoute(w http.ResponseWriter, r *http.Request, rt route) error {
	c, err := s.authenticate(r)
	if errors.Is(err, errStaleSession) {
		// The browser holds a cookie that no longer works (logged out
		// elsewhere, password changed, restored backup): drop it, so the
		// next request starts clean.
		s.clearSessionCookie(w)
	}
	if errors.Is(err, errStalePanel) {
		s.clearPanelCookie(w) // revoked: the page goes back to pairing
	}
	if err != nil {
		if !rt.access.public {
			return err
		}
		c = nil // a broken credential must not lock anyone out of the login page
	}
	if !rt.access.public {
		// Whatever a login (or a token) sees is for that caller alone: no
		// shared proxy or browser cache may keep it (the backup holds every
		// password hash and TOTP seed, an invitation a booking's details).
		// A handler may still say otherwise.
		w.Header().Set("Cache-Control", "no-store")
	}
	if err := authorise(rt.access, c, r.PathValue("room")); err != nil {
		return err
	}
	return rt.handle(w, r, c)
}

func authorise(a access, c *caller, room string) error {
	if a.public {
		return nil
	}
	if c == nil {
		return errUnauthenticated
	}
	if c.session != nil && c.session.MustEnrolTOTP && !a.enrolOK {
		return errMustEnrol
	}
	if a.sessionOnly && c.token {
		return errForbidden
	}
	if !slices.Contains(a.roles, c.user.Role) {
		return errForbidden
	}
	if c.user.Role == accounts.RolePanel && (!a.roomBound || c.panel == nil || c.panel.Room != room) {
		return errForbidden
	}
	return nil
}

// authenticate finds the caller from a Bearer token or the session cookie.
// A presented but invalid credential is an error, not anonymity: a client
// whose session expired must learn so rather than see public data only.
func (s *server) authenticate(r *http.Request) (*caller, error) {
	if c, ok := localCaller(r.Context()); ok {
		return c, nil
	}
	if h := r.Header.Get("Authorization"); h != "" {
		tok, ok := strings.CutPrefix(h, "Bearer ")
		if !ok {
			return nil, newProblem(http.StatusUnauthorized, "unauthenticated", "unauthenticated.bearer")
		}
		u, err := s.accounts.TokenUser(strings.TrimSpace(tok))
		if err != nil {
			return nil, invalidCredential(err, "unauthenticated.token")
		}
		return &caller{user: u, token: true}, nil
	}
	ck, err := r.Cookie(sessionCookie)
	if err != nil || ck.Value == "" {
		return s.panelCaller(r)
	}
	sess, u, err := s.accounts.Session(ck.Value)
	if errors.Is(err, accounts.ErrInvalidSession) {
		return nil, errStaleSession
	}
	if err != nil {
		return nil, err
	}
	return &caller{user: u, session: &sess}, nil
}

// panelCaller authenticates a request by the panel cookie; no cookie is
// anonymous, a revoked or unknown one an error.
func (s *server) panelCaller(r *http.Request) (*caller, error) {
	ck, err := r.Cookie(panelCookie)
	if err != nil || ck.Value == "" {
		return nil, nil
	}
	p, err := s.accounts.PanelByToken(ck.Value)
	if errors.Is(err, accounts.ErrInvalidPanel) {
		return nil, errStalePanel
	}
	if err != nil {
		return nil, err
	}
	return &caller{user: accounts.User{Name: "panel:" + p.Name, Role: accounts.RolePanel}, panel: &p}, nil
}

// errStaleSession: the session cookie names no live session.
var errStaleSession = newProblem(http.StatusUnauthorized, "unauthenticated", "unauthenticated.session")

// errStalePanel: the panel cookie names no live panel (revoked).
var errStalePanel = newProblem(http.StatusUnauthorized, "unauthenticated", "unauthenticated.panel")

func invalidCredential(err error, key string) error {
	if errors.Is(err, accounts.ErrInvalidToken) {
		return newProblem(http.StatusUnauthorized, "unauthenticated", key)
	}
	return err
}

// statusRecorder remembers the status code for metrics.
type statusRecorder struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (r *statusRecorder) WriteHeader(code int) {
	if !r.wrote {
		r.status, r.wrote = code, true
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	r.wrote = true
	return r.ResponseWriter.Write(b)
}

func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// Hijack lets the signaling WebSocket take the connection over (gorilla
// asserts http.Hijacker rather than using a ResponseController). The
// status recorded is 101.
func (r *statusRecorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	c, rw, err := http.NewResponseController(r.ResponseWriter).Hijack()
	if err == nil {
		r.status, r.wrote = http.StatusSwitchingProtocols, true
	}
	return c, rw, err
}
