package web

import (
	"fmt"
	"net/http"
	"sync/atomic"
)

// panelAddrs gives each test panel its own address, so the per-address
// pairing limit does not get in the way of tests that pair many.
var panelAddrs atomic.Int64

// panel pairs a panel device for room through the accounts service and
// returns a client holding its cookie.
func (e *testEnv) panel(room, name string) *client {
	e.t.Helper()
	p, secret, err := e.accounts.CreatePairing(fmt.Sprintf("10.9.%d.%d", panelAddrs.Load()/250, panelAddrs.Add(1)%250))
	if err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.accounts.ApprovePairing(p.Code, room, name, "admin"); err != nil {
		e.t.Fatal(err)
	}
	_, dev, tok, err := e.accounts.ClaimPairing(p.ID, secret)
	if err != nil || dev == nil {
		e.t.Fatalf("claim: %v", err)
	}
	return &client{e: e, cookie: &http.Cookie{Name: panelCookie, Value: tok}}
}
