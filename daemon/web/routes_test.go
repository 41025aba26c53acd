package web

import (
	"net/http"
	"strings"
	"testing"
)

// Who may call what. This table is written independently of routes.go on
// purpose: a route added there without a line here fails the test, and so
// does a route whose real behaviour differs from its line.
var expectedAccess = map[string]string{
	"GET /{$}":                  "public",
	"GET /assets/{file...}":     "public",
	"GET /healthz":              "public",
	"GET /ical/{kind}/{file}":   "public",
	"GET /api/v1/feeds":         "staff",
	"POST /api/v1/feeds":        "staff-session",
	"DELETE /api/v1/feeds/{id}": "staff",
	"GET /readyz":               "public",
	"GET /metrics":              "admin",

	"POST /api/v1/session":              "public",
	"GET /api/v1/session":               "staff",
	"DELETE /api/v1/session":            "staff",
	"POST /api/v1/session/totp":         "staff-session",
	"POST /api/v1/session/totp/confirm": "staff-session",
	"GET /api/v1/session/totp/qr":       "staff-session",

	"GET /api/v1/tokens":         "staff",
	"POST /api/v1/tokens":        "staff-session",
	"DELETE /api/v1/tokens/{id}": "staff",

	"GET /api/v1/rooms":                              "staff",
	"GET /api/v1/rooms/{id}":                         "staff",
	"GET /api/v1/rooms/{id}/availability":            "staff",
	"GET /api/v1/events":                             "staff",
	"GET /api/v1/rooms/{id}/devices":                 "staff",
	"POST /api/v1/rooms/{id}/scenes/{name}":          "staff",
	"POST /api/v1/rooms/{id}/devices/{dev}/commands": "staff",

	"GET /api/v1/bookings":                     "staff",
	"POST /api/v1/bookings":                    "staff",
	"GET /api/v1/bookings/{id}":                "staff",
	"PATCH /api/v1/bookings/{id}":              "staff",
	"DELETE /api/v1/bookings/{id}":             "staff",
	"GET /api/v1/bookings/{id}/history":        "staff",
	"GET /api/v1/bookings/{id}/invitation.ics": "staff",
	"GET /api/v1/bookings/{id}/agenda":         "staff",
	"POST /api/v1/import/ics":                  "staff",
	"POST /api/v1/series":                      "staff",
	"GET /api/v1/series/{id}":                  "staff",
	"PATCH /api/v1/series/{id}":                "staff",
	"DELETE /api/v1/series/{id}":               "staff",
	"POST /api/v1/bookings/{id}/checkin":       "staff",
	"POST /api/v1/bookings/{id}/extend":        "staff",
	"POST /api/v1/bookings/{id}/end":           "staff",

	"GET /api/v1/bookings/{id}/join":                           "staff",
	"PATCH /api/v1/bookings/{id}/join":                         "staff",
	"POST /api/v1/bookings/{id}/join/rotate":                   "staff",
	"POST /api/v1/bookings/{id}/candidates":                    "staff",
	"DELETE /api/v1/bookings/{id}/candidates/{cid}":            "staff",
	"GET /api/v1/bookings/{id}/council":                        "staff",
	"POST /api/v1/bookings/{id}/council/members":               "staff",
	"DELETE /api/v1/bookings/{id}/council/members/{mid}":       "staff",
	"POST /api/v1/bookings/{id}/council/members/{mid}/rotate":  "staff",
	"PUT /api/v1/bookings/{id}/council/members/{mid}/presence": "staff",
	"PUT /api/v1/bookings/{id}/council/quorum":                 "staff",
	"POST /api/v1/bookings/{id}/council/agenda":                "staff",
	"PATCH /api/v1/bookings/{id}/council/agenda/{iid}":         "staff",
	"DELETE /api/v1/bookings/{id}/council/agenda/{iid}":        "staff",
	"POST /api/v1/bookings/{id}/council/agenda/{iid}/move":     "staff",
	"POST /api/v1/bookings/{id}/council/agenda/{iid}/open":     "staff",
	"POST /api/v1/bookings/{id}/council/close-item":            "staff",
	"POST /api/v1/bookings/{id}/council/votes":                 "staff",
	"POST /api/v1/bookings/{id}/council/votes/{vid}/ballots":   "staff",
	"PUT /api/v1/bookings/{id}/council/votes/{vid}/hands":      "staff",
	"POST /api/v1/bookings/{id}/council/votes/{vid}/close":     "staff",
	"GET /api/v1/bookings/{id}/council/minutes":                "staff",
	"GET /api/v1/bookings/{id}/council/minutes.csv":            "staff",
	"GET /j/{token}": "public",
	"GET /ws":        "public",

	"GET /api/v1/users":                            "admin",
	"POST /api/v1/users":                           "admin-session",
	"PATCH /api/v1/users/{name}":                   "admin-session",
	"GET /api/v1/admin/backup":                     "admin-session",
	"GET /api/v1/admin/damaged-records":            "admin",
	"GET /api/v1/jobs":                             "admin",
	"GET /api/v1/integrations/oparl":               "staff",
	"GET /api/v1/providers":                        "staff",
	"GET /api/v1/reports/utilisation":              "staff",
	"POST /api/v1/providers/gotomeeting/authorize": "admin-session",

	"GET /panel":                              "public",
	"GET /panel/{room}":                       "public",
	"POST /api/v1/panels/pairings":            "public",
	"GET /api/v1/panels/pairings/{id}":        "public",
	"GET /api/v1/panels/pairings":             "admin",
	"POST /api/v1/panels/pairings/approve":    "admin-session",
	"GET /api/v1/panels":                      "admin",
	"DELETE /api/v1/panels/{id}":              "admin",
	"GET /api/v1/panel/{room}/state":          "panel-or-staff",
	"GET /api/v1/panel/{room}/events":         "panel-or-staff",
	"POST /api/v1/panel/{room}/checkin":       "panel-or-staff",
	"POST /api/v1/panel/{room}/extend":        "panel-or-staff",
	"POST /api/v1/panel/{room}/end":           "panel-or-staff",
	"POST /api/v1/panel/{room}/book-now":      "panel-or-staff",
	"POST /api/v1/panel/{room}/scenes/{name}": "panel-or-staff",
	"POST /api/v1/panel/{room}/camera/preset": "panel-or-staff",
	"POST /api/v1/panel/{room}/mute":          "panel-or-staff",

	// A council session's attendance at the door (api_panel_council.go).
	"PUT /api/v1/panel/{room}/council/members/{mid}/presence": "panel-or-staff",
}

// allowed reports whether a caller kind may pass a level. "panel" is the
// panel of the room in the path, "panel-other" a panel of another room.
func allowed(level, kind string) bool {
	panel := kind == "panel" || kind == "panel-other"
	switch level {
	case "public":
		return true
	case "panel-or-staff":
		return kind != "anonymous" && kind != "panel-other"
	}
	if panel {
		return false // a panel reaches nothing else
	}
	switch level {
	case "staff":
		return kind != "anonymous"
	case "staff-session":
		return kind == "secretary" || kind == "admin"
	case "admin":
		return kind == "admin" || kind == "admin-token"
	case "admin-session":
		return kind == "admin"
	}
	return false
}

func TestEveryRouteEnforcesItsRoles(t *testing.T) {
	e := newTestEnv(t)
	close(e.server.closing) // event streams answer and end at once
	s := &server{}
	kinds := []string{"anonymous", "secretary", "admin", "secretary-token", "admin-token", "panel", "panel-other"}
	for _, rt := range s.routes() {
		key := rt.method + " " + rt.pattern
		level, ok := expectedAccess[key]
		if !ok {
			t.Errorf("route %s has no line in expectedAccess: declare who may call it", key)
			continue
		}
		if !rt.access.public && len(rt.access.roles) == 0 {
			t.Errorf("route %s declares no roles", key)
		}
		for _, kind := range kinds {
			t.Run(key+"/"+kind, func(t *testing.T) {
				c, path := e.callerAndPath(kind, rt.pattern)
				var body any
				if rt.method == "POST" || rt.method == "PATCH" {
					body = "{}"
				}
				r := c.do(rt.method, path, body, "If-Match", "*")
				// Denied by the access layer, not by the handler (a login with
				// an empty body is a 401 of its own kind).
				denied := strings.Contains(string(r.body), `"/problems/unauthenticated"`) ||
					strings.Contains(string(r.body), `"/problems/forbidden"`)
				switch {
				case allowed(level, kind) && denied:
					t.Errorf("%s as %s: %d, want access (%s): %s", key, kind, r.status, level, r.body)
				case allowed(level, kind) && r.status >= 500:
					t.Errorf("%s as %s: %d: %s", key, kind, r.status, r.body)
				case !allowed(level, kind) && kind == "anonymous" && r.status != http.StatusUnauthorized:
					t.Errorf("%s as anonymous: %d, want 401", key, r.status)
				case !allowed(level, kind) && kind != "anonymous" && r.status != http.StatusForbidden:
					t.Errorf("%s as %s: %d, want 403", key, kind, r.status)
				}
			})
		}
	}
	for key := range expectedAccess {
		found := false
		for _, rt := range s.routes() {
			found = found || rt.method+" "+rt.pattern == key
		}
		if !found {
			t.Errorf("expectedAccess names %s, which is not a route", key)
		}
	}
}

// callerAndPath makes a fresh caller of the given kind (logout and token
// revocation must not spoil the next case) and fills the path's wildcards
// with things that caller may touch.
func (e *testEnv) callerAndPath(kind, pattern string) (*client, string) {
	e.t.Helper()
	var c *client
	owner := "bernd"
	switch kind {
	case "anonymous":
		c = e.anonymous()
	case "secretary":
		c = e.login("bernd")
	case "admin":
		c, owner = e.login("admin"), "admin"
	case "secretary-token":
		c = e.token("bernd")
	case "admin-token":
		c, owner = e.token("admin"), "admin"
	case "panel":
		c = e.panel("ratssaal", "Tür Ratssaal")
	case "panel-other":
		c = e.panel("sitzungszimmer-2", "Tür Sitzungszimmer")
	}
	b := e.login("bernd").create(map[string]any{"start": "2026-12-03T09:00:00+01:00", "end": "2026-12-03T09:30:00+01:00", "room": "sitzungszimmer-2"})
	_, tok, err := e.accounts.CreateToken(owner, "matrix")
	if err != nil {
		e.t.Fatal(err)
	}
	path := pattern
	if strings.Contains(pattern, "/rooms/{id}") {
		path = strings.Replace(path, "{id}", "ratssaal", 1)
	}
	if strings.Contains(pattern, "/tokens/{id}") {
		path = strings.Replace(path, "{id}", tok.ID, 1)
	}
	path = strings.Replace(path, "{id}", b.ID, 1)
	path = strings.Replace(path, "{name}", "anna", 1)
	path = strings.Replace(path, "{room}", "ratssaal", 1)
	path = strings.Replace(path, "{file...}", "kogge.js", 1)
	// Each booking is created in its own slot so the next case is free to create.
	_, err = e.store.Cancel(b.ID, 0, "test")
	if err != nil {
		e.t.Fatal(err)
	}
	return c, path
}
