// Package jobs runs Kogge's maintenance jobs: the `[[jobs]]` tables of the
// configuration on robfig/cron (Scheduler: a job still running is not
// started again, a panicking run is recovered and reported as failed, each
// job's next and last run are kept across a reload), and the built-in
// actions they name (Actions: backup, extend-series, purge, power-off,
// and the council import and provider reconciliation the daemon hands in).
//
// It may import daemon/config and the packages under rooms/ (their types
// and the store), never the daemon, the HTTP handlers or the integrations:
// what an action needs from them arrives in Deps, as a small interface
// declared here (RoomAV, Store, Catalog) or as a closure. See
// docs/architecture.md §5 for where the jobs sit among the time-driven
// work.
//
// The actions change bookings through the booking service (rooms/bookings)
// and tell nobody: every change reaches its listeners through the store's
// change feed (docs/architecture.md §8).
package jobs
