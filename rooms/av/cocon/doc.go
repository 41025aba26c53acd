// Package cocon speaks the Televic CoCon API (REST/JSON over HTTP, port
// 8890) as written down in docs/protocols/cocon.md, for a council
// chamber's discussion system (Confidea, Plixus): which seats' microphones
// are on, which seats ask to speak, who sits where, and switching a seat's
// microphone on or off.
//
// The API is a publish/subscribe model over plain HTTP (§3): Connect
// returns a connection id, Subscribe picks the models (Microphone,
// Delegate, later Voting), and the client keeps one long-poll Notification
// request open; the server answers it with an event, or with 408 after
// its timeout, and the client asks again at once. A 400 means the id has
// expired: connect anew. A Session does all of that and hands out the
// events in order; an Emulator behaves like a CoCon server for tests and
// the demo.
package cocon
