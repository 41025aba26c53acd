package web

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
		{"POST", "/api/v1/rooms/{id}/scenes/{name}", staff, s.runScene},
		{"POST", "/api/v1/rooms/{id}/devices/{dev}/commands", staff, s.deviceCommand},

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
		{"POST", "/api/v1/panel/{room}/scenes/{name}", panelOrStaff, s.panelScene},
		{"POST", "/api/v1/panel/{room}/camera/preset", panelOrStaff, s.panelPreset},
		{"POST", "/api/v1/panel/{room}/mute", panelOrStaff, s.panelMute},
	}
}

func withSessionOnly(a access) access {
	a.sessionOnly = true
	return a
}
