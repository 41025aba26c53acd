// Package web is the HTTP surface: routes with their access rules,
// authentication of callers (sessions, tokens, panels, the control socket),
// RFC 9457 problems through daemon/problems, request decoding, the API
// handlers, the booking page, panel and join pages, server-sent events.
//
// It may import rooms, signaling, integrations, assets and daemon/problems
// and daemon/jobs (for job status); never package main. The daemon builds
// it with New from Options and passes what it owns (store, accounts,
// metrics, meetings, the council import) in explicitly.
//
// Its files stand in layers, each using only those below it. At the
// bottom, what knows nothing of the server: problems and their members,
// request decoding, the caller and access levels, the fan-outs and their
// events, the stream counter, the panels' stream closers, the mail
// notifier, the connection limiter, the control socket, the client's
// address, the services passed in as interfaces. Above them server.go
// (the server, Options, New and Server's methods); then the request
// wrapping (auth.go, cookies.go); then the handlers (api_*.go, the pages,
// panels.go), with what several of them share (api_bookings.go) below
// them; and routes.go at the top, the one file that names every handler.
package web
