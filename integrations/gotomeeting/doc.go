// Package gotomeeting is a client for the GoToMeeting "G2M/rest" v1 API and
// an in-process emulator of the same API (docs/protocols/gotomeeting.md).
//
// The client is built for a licence pool: one Client per organizer (each
// organizer authorises the app once and we keep its newest refresh token),
// sharing one rate limiter because GoTo limits requests per API, not per
// user. Creating a meeting is not idempotent on GoTo's side, so the client
// never blindly retries a POST: the caller supplies a reference that is
// embedded in the subject, and after an ambiguous failure the client looks
// the meeting up by that reference before trying again.
package gotomeeting
