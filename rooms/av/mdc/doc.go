// Package mdc speaks Samsung's Multiple Display Control protocol over TCP
// port 1515, as written down in docs/protocols/mdc.md, for the flat
// panels of meeting rooms: a Client that switches power, input source,
// volume and sound mute and reads the display's status, and an Emulator
// that behaves like a display for tests and the demo.
//
// Every message is a binary frame (§2): header 0xAA, command, display id,
// data length, data, checksum. The display answers each command with an
// ACK or NAK frame (command 0xFF) naming the command it answers; the
// Client sends one command at a time and matches the answer by that name.
package mdc
