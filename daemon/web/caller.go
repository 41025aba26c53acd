package web

import (
	"net/http"

	"github.com/kogge-project/kogge/rooms/accounts"
)

// Who made a request (caller), and what a route declares: who it admits
// (access) and what answers it (handlerFunc). auth.go finds the caller and
// checks the access, routes.go lists the routes; these types know nothing
// of the server, so every layer may name them.

// caller is who made a request. A nil *caller is anonymous.
type caller struct {
	user    accounts.User
	session *accounts.Session // set for cookie sessions
	token   bool              // authenticated with an API token
	local   bool              // came over the control socket (see control.go)
	panel   *accounts.Panel   // a room's paired panel (user.Role is RolePanel)
}

// name is what the audit log records as the actor.
func (c *caller) name() string {
	switch {
	case c == nil:
		return "anonymous"
	case c.token:
		return c.user.Name + " (token)"
	case c.panel != nil:
		// Names need not be unique; the id tells which device to revoke.
		return "panel:" + c.panel.Name + " (" + c.panel.ID + ")"
	}
	return c.user.Name
}

func (c *caller) isAdmin() bool { return c != nil && c.user.Role == accounts.RoleAdmin }

// access is a route's declaration of who may call it. Every route has one;
// the route × role test fails on a route without.
type access struct {
	public bool            // anyone, logged in or not
	roles  []accounts.Role // otherwise: these roles
	// sessionOnly routes refuse API tokens (a token must not mint tokens or
	// change the account's second factor).
	sessionOnly bool
	// enrolOK routes stay open to a session that must still enrol a second
	// factor (login state, logout, TOTP setup); every other route refuses it.
	enrolOK bool
	// roomBound routes name a {room}; a panel may call them for its own
	// room only (checked in authorise, the one place).
	roomBound bool
}

var (
	public     = access{public: true}
	staff      = access{roles: []accounts.Role{accounts.RoleAdmin, accounts.RoleSecretary}}
	adminOnly  = access{roles: []accounts.Role{accounts.RoleAdmin}}
	anyLoginOK = access{roles: []accounts.Role{accounts.RoleAdmin, accounts.RoleSecretary}, enrolOK: true}
	// panelOrStaff: the panel API of /api/v1/panel/{room}/…, for that
	// room's panel and for staff.
	panelOrStaff = access{roles: []accounts.Role{accounts.RoleAdmin, accounts.RoleSecretary, accounts.RolePanel}, roomBound: true}
)

// handlerFunc is a route's handler: it returns an error instead of writing
// one, so that every error goes through toProblem.
type handlerFunc func(w http.ResponseWriter, r *http.Request, c *caller) error

type route struct {
	method  string
	pattern string
	access  access
	handle  handlerFunc
}
