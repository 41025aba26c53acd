package web

import (
	"net/http"
	"testing"
)

// TestAuthenticatedAnswersNotStored: what a login sees is for that caller
// alone; no browser or proxy cache may keep it. The backup holds every
// password hash and TOTP seed, an invitation a booking's details.
func TestAuthenticatedAnswersNotStored(t *testing.T) {
	e := newTestEnv(t)
	admin, anna := e.login("admin"), e.login("anna")
	b := anna.create(nil)
	for _, c := range []struct {
		who  *client
		path string
	}{
		{admin, "/api/v1/admin/backup"},
		{anna, "/api/v1/bookings/" + b.ID + "/invitation.ics"},
		{admin, "/metrics"},
		{anna, "/api/v1/bookings"},
		{anna, "/api/v1/bookings/" + b.ID},
		{anna, "/api/v1/rooms"},
		{admin, "/api/v1/users"},
		{admin, "/api/v1/jobs"},
		{anna, "/api/v1/session"},
		{e.token("anna"), "/api/v1/bookings"},
		// Refused ones too: a problem names what was asked for.
		{anna, "/api/v1/users"},
	} {
		r := c.who.do("GET", c.path, nil)
		if r.status != http.StatusOK && r.status != http.StatusForbidden {
			t.Errorf("GET %s: %d %s", c.path, r.status, r.body)
		}
		if cc := r.header.Get("Cache-Control"); cc != "no-store" {
			t.Errorf("GET %s (%d): Cache-Control %q, want no-store", c.path, r.status, cc)
		}
	}
}
