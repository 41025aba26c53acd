package web

import (
	"net/http"
	"slices"
	"strings"
)

// The top of the HTTP surface: the route table, and the handler that
// Server.Handler builds from it. Nothing else in the package depends on
// this file.

// routes is the whole HTTP surface. Each route states who may call it; the
// route × role test (routes_test.go) walks this list.
func (s *server) routes() []route {
	return []route{
		{"GET", "/{$}", public, s.index},
		{"GET", "/assets/{file...}", public, s.asset},
		{"GET", "/healthz", public, s.healthz},
		// Calendar clients cannot log in: the feed's own token is the credential.
		{"GET", "/ical/{kind}/{file}", public, s.feed},
		{"GET", "/api/v1/feeds", staff, s.listFeeds},
		{"POST", "/api/v1/feeds", withSessionOnly(staff), s.createFeed},
		{"DELETE", "/api/v1/feeds/{id}", staff, s.revokeFeed},
		{"GET", "/readyz", public, s.readyz},
		{"GET", "/metrics", adminOnly, s.serveMetrics},

		{"POST", "/api/v1/session", public, s.login},
		{"GET", "/api/v1/session", anyLoginOK, s.whoami},
		{"DELETE", "/api/v1/session", anyLoginOK, s.logout},
		{"POST", "/api/v1/session/totp", withSessionOnly(anyLoginOK), s.beginTOTP},
		{"POST", "/api/v1/session/totp/confirm", withSessionOnly(anyLoginOK), s.confirmTOTP},
		{"GET", "/api/v1/session/totp/qr", withSessionOnly(anyLoginOK), s.totpQR},

		{"GET", "/api/v1/tokens", staff, s.listTokens},
		{"POST", "/api/v1/tokens", withSessionOnly(staff), s.createToken},
		{"DELETE", "/api/v1/tokens/{id}", staff, s.revokeToken},

		{"GET", "/api/v1/rooms", staff, s.listRooms},
		{"GET", "/api/v1/rooms/{id}", staff, s.getRoom},
		{"GET", "/api/v1/rooms/{id}/availability", staff, s.availability},
		{"GET", "/api/v1/events", staff, s.events},
		{"GET", "/api/v1/rooms/{id}/devices", staff, s.listDevices},
		// Acting on devices: on the node that drives the room's
		// (room_routing.go).
		{"POST", "/api/v1/rooms/{id}/scenes/{name}", staff, s.atOwner("id", s.runScene)},
		{"POST", "/api/v1/rooms/{id}/devices/{dev}/commands", staff, s.atOwner("id", s.deviceCommand)},

		{"GET", "/api/v1/bookings", staff, s.listBookings},
		{"POST", "/api/v1/bookings", staff, s.createBooking},
		{"GET", "/api/v1/bookings/{id}", staff, s.getBooking},
		{"PATCH", "/api/v1/bookings/{id}", staff, s.patchBooking},
		{"DELETE", "/api/v1/bookings/{id}", staff, s.cancelBooking},
		{"GET", "/api/v1/bookings/{id}/history", staff, s.bookingHistory},
		{"GET", "/api/v1/bookings/{id}/invitation.ics", staff, s.invitation},
		{"GET", "/api/v1/bookings/{id}/agenda", staff, s.agenda},
		{"POST", "/api/v1/import/ics", staff, s.importICS},
		{"POST", "/api/v1/series", staff, s.createSeries},
		{"GET", "/api/v1/series/{id}", staff, s.getSeries},
		{"PATCH", "/api/v1/series/{id}", staff, s.patchSeries},
		{"DELETE", "/api/v1/series/{id}", staff, s.cancelSeries},
		{"POST", "/api/v1/bookings/{id}/checkin", staff, s.checkin},
		{"POST", "/api/v1/bookings/{id}/extend", staff, s.extend},
		{"POST", "/api/v1/bookings/{id}/end", staff, s.end},
		{"GET", "/api/v1/bookings/{id}/join", staff, s.getJoin},
		{"PATCH", "/api/v1/bookings/{id}/join", staff, s.patchJoin},
		{"POST", "/api/v1/bookings/{id}/join/rotate", staff, s.rotateJoin},
		{"POST", "/api/v1/bookings/{id}/candidates", staff, s.addCandidate},
		{"DELETE", "/api/v1/bookings/{id}/candidates/{cid}", staff, s.deleteCandidate},
		// Council sessions (api_council.go): the secretary's side.
		{"GET", "/api/v1/bookings/{id}/council", staff, s.getCouncil},
		{"POST", "/api/v1/bookings/{id}/council/members", staff, s.addMember},
		{"DELETE", "/api/v1/bookings/{id}/council/members/{mid}", staff, s.deleteMember},
		{"POST", "/api/v1/bookings/{id}/council/members/{mid}/rotate", staff, s.rotateMember},
		{"PUT", "/api/v1/bookings/{id}/council/members/{mid}/presence", staff, s.setPresence},
		{"PUT", "/api/v1/bookings/{id}/council/quorum", staff, s.setQuorum},
		{"POST", "/api/v1/bookings/{id}/council/agenda", staff, s.addItem},
		{"PATCH", "/api/v1/bookings/{id}/council/agenda/{iid}", staff, s.editItem},
		{"DELETE", "/api/v1/bookings/{id}/council/agenda/{iid}", staff, s.deleteItem},
		{"POST", "/api/v1/bookings/{id}/council/agenda/{iid}/move", staff, s.moveItem},
		{"POST", "/api/v1/bookings/{id}/council/agenda/{iid}/open", staff, s.openItem},
		{"POST", "/api/v1/bookings/{id}/council/close-item", staff, s.closeItem},
		{"POST", "/api/v1/bookings/{id}/council/votes", staff, s.startVote},
		{"POST", "/api/v1/bookings/{id}/council/votes/{vid}/ballots", staff, s.castRoomVote},
		{"PUT", "/api/v1/bookings/{id}/council/votes/{vid}/hands", staff, s.setHands},
		{"POST", "/api/v1/bookings/{id}/council/votes/{vid}/close", staff, s.closeVote},
		{"GET", "/api/v1/bookings/{id}/council/minutes", staff, s.minutes},
		{"GET", "/api/v1/bookings/{id}/council/minutes.csv", staff, s.minutes},

		// Join by link: the token in the path (page) or in the first
		// WebSocket message (signaling) is the credential; the hub checks
		// it again on every hello.
		{"GET", "/j/{token}", public, s.join},
		{"GET", "/ws", public, s.signal},

		// Account changes and the backup (which holds every password hash and
		// TOTP seed) need a logged-in admin, not a token: a leaked automation
		// token must not be a way around the second factor. The control
		// socket still reaches them.
		{"GET", "/api/v1/users", adminOnly, s.listUsers},
		{"POST", "/api/v1/users", withSessionOnly(adminOnly), s.addUser},
		{"PATCH", "/api/v1/users/{name}", withSessionOnly(adminOnly), s.patchUser},
		{"GET", "/api/v1/admin/backup", withSessionOnly(adminOnly), s.backup},
		{"GET", "/api/v1/admin/damaged-records", adminOnly, s.damagedRecords},
		{"GET", "/api/v1/jobs", adminOnly, s.listJobs},
		{"GET", "/api/v1/integrations/oparl", staff, s.oparlStatus},
		{"GET", "/api/v1/providers", staff, s.providers},
		// The utilisation and licence report (api_report.go); its page is
		// /assets/report.html.
		{"GET", "/api/v1/reports/utilisation", staff, s.utilisationReport},
		{"POST", "/api/v1/providers/gotomeeting/authorize", withSessionOnly(adminOnly), s.authorizeGoToOrganizer},

		// Room panels (panels.go, api_panel.go). Pairing is public: the
		// pairing's secret, sent with every poll, is the credential. The
		// panel API takes the room's panel or staff; authorise checks the
		// panel's room.
		{"GET", "/panel", public, s.panelPairPage},
		{"GET", "/panel/{room}", public, s.panelPage},
		{"POST", "/api/v1/panels/pairings", public, s.createPairing},
		{"GET", "/api/v1/panels/pairings/{id}", public, s.pollPairing},
		{"GET", "/api/v1/panels/pairings", adminOnly, s.listPairings},
		{"POST", "/api/v1/panels/pairings/approve", withSessionOnly(adminOnly), s.approvePairing},
		{"GET", "/api/v1/panels", adminOnly, s.listPanels},
		{"DELETE", "/api/v1/panels/{id}", adminOnly, s.revokePanel},
		{"GET", "/api/v1/panel/{room}/state", panelOrStaff, s.panelState},
		{"GET", "/api/v1/panel/{room}/events", panelOrStaff, s.panelEvents},
		{"POST", "/api/v1/panel/{room}/checkin", panelOrStaff, s.panelCheckin},
		{"POST", "/api/v1/panel/{room}/extend", panelOrStaff, s.panelExtend},
		{"POST", "/api/v1/panel/{room}/end", panelOrStaff, s.panelEnd},
		{"POST", "/api/v1/panel/{room}/book-now", panelOrStaff, s.panelBookNow},
		{"POST", "/api/v1/panel/{room}/scenes/{name}", panelOrStaff, s.atOwner("room", s.panelScene)},
		{"POST", "/api/v1/panel/{room}/camera/preset", panelOrStaff, s.atOwner("room", s.panelPreset)},
		{"POST", "/api/v1/panel/{room}/mute", panelOrStaff, s.atOwner("room", s.panelMute)},
		{"PUT", "/api/v1/panel/{room}/council/members/{mid}/presence", panelOrStaff, s.panelPresence},
	}
}

func withSessionOnly(a access) access {
	a.sessionOnly = true
	return a
}

// Handler builds the whole HTTP surface for the public listener and the
// control socket; trustedOrigins may write with cookies cross-origin.
func (s *Server) Handler(trustedOrigins []string) (http.Handler, error) {
	return s.s.handler(trustedOrigins)
}

// handler builds the whole HTTP surface: every route with its access rule,
// request metrics, cross-origin protection for cookie-authenticated writes.
func (s *server) handler(trustedOrigins []string) (http.Handler, error) {
	mux := http.NewServeMux()
	allowed := map[string][]string{}
	var patterns []string
	for _, rt := range s.routes() {
		mux.Handle(rt.method+" "+rt.pattern, s.wrap(rt))
		if allowed[rt.pattern] == nil {
			patterns = append(patterns, rt.pattern)
		}
		allowed[rt.pattern] = append(allowed[rt.pattern], rt.method)
		if rt.method == http.MethodGet {
			allowed[rt.pattern] = append(allowed[rt.pattern], http.MethodHead) // the mux serves HEAD with GET
		}
	}
	// Other methods on a known path get a 405 problem instead of the mux's
	// plain-text one. One registration per method, not one method-less
	// pattern: "/a/b" for any method would conflict with "DELETE /a/{id}".
	// (No HEAD: a GET pattern serves HEAD too and would conflict.)
	for _, p := range patterns {
		for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions} {
			if !slices.Contains(allowed[p], m) {
				mux.Handle(m+" "+p, s.wrap(route{pattern: p, access: public, handle: methodNotAllowed(allowed[p])}))
			}
		}
	}
	mux.Handle("/", s.wrap(route{pattern: "/", access: public, handle: s.notFound}))

	cop := http.NewCrossOriginProtection()
	for _, o := range trustedOrigins {
		if err := cop.AddTrustedOrigin(o); err != nil {
			return nil, err
		}
	}
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeProblem(w, r, newProblem(http.StatusForbidden, "cross-origin", "cross-origin"))
	}))
	return securityHeaders(cop.Handler(mux)), nil
}

func methodNotAllowed(methods []string) handlerFunc {
	allow := strings.Join(methods, ", ")
	return func(w http.ResponseWriter, r *http.Request, _ *caller) error {
		w.Header().Set("Allow", allow)
		return newProblem(http.StatusMethodNotAllowed, "method-not-allowed", "method-not-allowed", "method", r.Method, "allow", allow)
	}
}

// securityHeaders sets the headers every response carries.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'")
		next.ServeHTTP(w, r)
	})
}
