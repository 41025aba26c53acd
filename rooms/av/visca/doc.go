// Package visca drives PTZ cameras with Sony's VISCA: over IP (UDP 52381,
// an 8-byte header with sequence numbers) and as raw VISCA over TCP (port
// 5678, messages ended by FF), behind one Client. An Emulator in the same
// package behaves like a camera, misbehaviour included, for tests and the
// demo.
//
// The wire format is the one in shared/design/PROTOCOLS.md §4; the byte
// examples there are reproduced by the tests.
//
// A Client sends one command at a time and waits for its completion (or
// an inquiry's answer): the camera has two sockets, and serialising keeps
// replies unambiguous on TCP, where they carry no sequence number.
package visca
