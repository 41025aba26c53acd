// Package bookings is the booking service: every operation on bookings,
// for an actor — a person, a room panel, or the daemon itself (the
// timeline, a job, the council import) — with the rules of who may do
// what, and when, in one place:
//
//   - book, update, cancel (book.go) and "book now" at the room's panel
//     (booknow.go);
//   - the booking's life at the room: check in, extend, end, the no-show
//     release and the finish (life.go), and the timeline's view of them
//     (timeline.go);
//   - imports from another system, such as the council information
//     system's meetings (import.go).
//
// HTTP handlers (daemon/web), the room panel, the timeline and the council
// import call it; none of them writes these changes to the store itself.
//
// The series operations (series.go: create or preview, edit, cancel from
// a date, extend to the horizon) and the purge (purge.go) are here too: a
// series operation applies the single-booking rule to every meeting it
// would touch (Actor.MayAct) and is refused whole if one is out of reach.
//
// It decides and writes; it does not tell anyone. Every change it commits
// reaches its listeners (the timeline, the meetings, the provider broker,
// mail, open pages) through the store's change feed (rooms.Feed), once,
// after the commit.
//
// Refusals are values a caller can show: a *Refusal carries a stable code
// (the API's problem type) and a message key with its values, which the
// HTTP layer words in the reader's language (daemon/problems);
// ErrForbidden says the actor may not act on the booking. It imports only
// rooms.
package bookings
