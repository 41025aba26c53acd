// Package tesira speaks the Biamp Tesira Text Protocol (TTP) over Telnet,
// as written down in docs/protocols/tesira.md: a Client that refuses every
// Telnet option, waits for the welcome banner, skips the echo of its own
// command lines and tells command replies (+OK, -ERR) apart from
// subscription publications (! "publishToken":…), and an Emulator that
// behaves like the device, misbehaviours included, for tests and the demo.
//
// TTP has no request identifiers: a reply is matched to a command only by
// order. The Client therefore sends one command at a time, and when a reply
// never comes it closes the connection rather than risk taking that late
// reply for the next command's.
package tesira
