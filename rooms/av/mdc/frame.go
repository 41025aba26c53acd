package mdc

import (
	"bufio"
	"errors"
	"fmt"
	"io"
)

// Frame bytes and commands (docs/protocols/mdc.md §2, §3).
const (
	header   = 0xAA
	cmdReply = 0xFF // ACK or NAK from the display

	CmdStatus = 0x00
	CmdPower  = 0x11
	CmdVolume = 0x12
	CmdMute   = 0x13
	CmdInput  = 0x14

	ack = 'A'
	nak = 'N'
)

// Broadcast addresses every display on a daisy chain; none of them
// answers (§2), so Kogge never uses it.
const Broadcast = 0xFE

// ErrProtocol: the display sent a frame the protocol does not allow.
var ErrProtocol = errors.New("mdc: protocol error")

// frame is one message: command, display id and data.
type frame struct {
	cmd, id byte
	data    []byte
}

// checksum is the sum of every byte after the header, modulo 256 (§2).
func checksum(b []byte) byte {
	var s byte
	for _, x := range b {
		s += x
	}
	return s
}

// encode writes a frame with its header, length and checksum.
func (f frame) encode() []byte {
	b := []byte{header, f.cmd, f.id, byte(len(f.data))}
	b = append(b, f.data...)
	return append(b, checksum(b[1:]))
}

// readFrame reads the next frame, skipping bytes before a header; a
// frame is complete however the stream was cut into segments.
func readFrame(r *bufio.Reader) (frame, error) {
	for {
		b, err := r.ReadByte()
		if err != nil {
			return frame{}, err
		}
		if b == header {
			break
		}
	}
	var head [3]byte
	if _, err := io.ReadFull(r, head[:]); err != nil {
		return frame{}, err
	}
	body := make([]byte, int(head[2])+1)
	if _, err := io.ReadFull(r, body); err != nil {
		return frame{}, err
	}
	f := frame{cmd: head[0], id: head[1], data: body[:len(body)-1]}
	if want := checksum(append(head[:], f.data...)); body[len(body)-1] != want {
		return frame{}, fmt.Errorf("%w: checksum %#02x, want %#02x", ErrProtocol, body[len(body)-1], want)
	}
	return f, nil
}
