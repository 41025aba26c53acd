// Package bookings is the booking service: the operations on bookings that
// follow a booking's life at the room (check in, extend, end, the
// no-show release), for an actor — a person, a room panel, or the daemon
// itself — with the rules of who may do what, and when, in one place.
// HTTP handlers, the room panel and the timeline call it; none of them
// writes these changes to the store itself.
//
// The series operations (series.go: create or preview, edit, cancel from
// a date, extend to the horizon) and the purge (purge.go) are here too: a
// series operation applies the single-booking rule to every meeting it
// would touch (Actor.MayAct) and is refused whole if one is out of reach.
//
// It decides and writes; it does not tell anyone. Every change it commits
// reaches its listeners through the store's change feed (rooms.Feed).
//
// Refusals are values a caller can show: a *Refusal carries a stable code
// (the API's problem type) and a message key with its values, which the
// HTTP layer words in the reader's language (daemon/problems). It imports
// only rooms.
package bookings
