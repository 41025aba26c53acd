// Package metrics is Kogge's Prometheus registry and what the daemon
// itself measures: HTTP requests by route and status (package web reports
// them through its web.Metrics interface), store transaction timings,
// booking counts by status read at scrape time, maintenance job results,
// and the video providers' pools, health and reconcile findings
// (Providers). Other parts add their own collectors with MustRegister
// (the built-in SFU's meetings, signaling/meetings).
//
// Its own registry, never the global default one, so tests can build as
// many as they like. It imports rooms (the statuses) and the provider
// broker and Pexip client of integrations for their reports; never the
// daemon (docs/architecture.md §2).
package metrics
