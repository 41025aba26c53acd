// Package pjlink drives projectors and displays over PJLink class 1 and 2
// (TCP 4352), and emulates such a device for tests and the demo.
//
// The wire format, authentication and error codes follow
// docs/protocols/pjlink.md (§2, §3) byte for byte: CR-terminated ASCII
// lines, "%<class><BODY> <param>" requests, "%<class><BODY>=<value>" replies,
// ERR1–ERR4 in place of the value, and "PJLINK ERRA" for a wrong password.
//
// A Client keeps one connection and reuses it while commands keep coming;
// the device closes idle connections after 30 s, so the client redials on
// the next command. Queries are retried once when the connection is lost
// before their reply; set commands never are, because the device may have
// acted on them (see ErrOutcomeUnknown).
package pjlink
