// Package web is the HTTP surface: routes with their access rules,
// authentication of callers (sessions, tokens, panels, the control socket),
// RFC 9457 problems through daemon/problems, request decoding, the API
// handlers, the booking page, panel and join pages, server-sent events.
//
// It may import rooms, signaling, integrations, assets and daemon/problems
// and daemon/jobs (for job status); never package main. The daemon builds
// it with New from Options and passes what it owns (store, accounts,
// metrics, meetings, the council import) in explicitly.
package web
