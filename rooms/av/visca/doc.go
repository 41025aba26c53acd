// Package visca drives PTZ cameras with Sony's VISCA: over IP (UDP 52381,
// an 8-byte header with sequence numbers) and as raw VISCA over TCP (port
// 5678, messages ended by FF), behind one Client. An Emulator in the same
// package behaves like a camera, misbehaviour included, for tests and the
// demo.
//
// The wire format is the one in docs/protocols/visca.md; the byte
// examples there are reproduced by the tests (TestSpecSessionUDP,
// TestEncoding).
//
// # Exchanges
//
// A Client sends one message at a time and waits for the command's
// completion, or the inquiry's answer: the camera ACKs at once and
// completes when the move ends, and serialising keeps replies unambiguous
// on TCP, where they carry no sequence number (there a completion counts
// only on the socket its ACK named). Options.CommandTimeout bounds the
// whole exchange, so it must exceed the camera's longest move.
//
// On UDP, while nothing has come back for a message it is resent with the
// same sequence number every RetransmitAfter, Retransmit times at most;
// then the command fails with ErrTimeout, well before CommandTimeout. An
// ACK ends the resending. A sequence error (0F 01) leads to one RESET and
// one retry. Replies with another sequence number answer abandoned
// messages and are ignored.
//
// A Client does not redial: after ErrClosed the owner (the supervisor)
// dials again.
//
// # Testing without sockets
//
// Emulator.Dialer returns an Options.Dial that connects in memory: TCP
// through net.Pipe, UDP through a datagram pipe made of channels (a
// net.Conn for the client, a net.PacketConn for the emulator, one
// datagram per Read and Write). Both block only on channels, so clients
// and emulator run inside a testing/synctest bubble and every timeout,
// retransmission and move happens in fake time.
package visca
