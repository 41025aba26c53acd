package visca

import (
	"encoding/binary"
	"fmt"
)

// Sony's VISCA-over-IP header (docs/protocols/visca.md §3): payload type,
// payload length and sequence number, all big endian, then the payload.
const (
	headerLen   = 8
	maxPayload  = 16 // the header's length field is 1..16
	maxDatagram = headerLen + maxPayload
)

type payloadType uint16

const (
	typeCommand       payloadType = 0x0100 // C→cam 81 01 …
	typeInquiry       payloadType = 0x0110 // C→cam 81 09 …
	typeReply         payloadType = 0x0111 // cam→C ACK, completion, error, answer
	typeDeviceSetting payloadType = 0x0120 // C→cam broadcasts; unused here
	typeControl       payloadType = 0x0200 // C→cam RESET
	typeControlReply  payloadType = 0x0201 // cam→C RESET ack, 0F 01, 0F 02
)

// Control payloads.
var (
	controlReset     = []byte{0x01}       // RESET, and its ack
	controlSeqError  = []byte{0x0F, 0x01} // abnormality in sequence number
	controlTypeError = []byte{0x0F, 0x02} // abnormality in message (type)
)

// datagram is one parsed VISCA-over-IP packet; payload aliases the input.
type datagram struct {
	typ     payloadType
	seq     uint32
	payload []byte
}

// appendDatagram appends the header and payload to dst.
func appendDatagram(dst []byte, typ payloadType, seq uint32, payload []byte) []byte {
	dst = binary.BigEndian.AppendUint16(dst, uint16(typ))
	dst = binary.BigEndian.AppendUint16(dst, uint16(len(payload)))
	dst = binary.BigEndian.AppendUint32(dst, seq)
	return append(dst, payload...)
}

// parseDatagram checks the header: the length field must be 1..16 and match
// what follows the header exactly, as the camera checks it too.
func parseDatagram(b []byte) (datagram, error) {
	if len(b) < headerLen {
		return datagram{}, newProtocolError(fmt.Sprintf("datagram of %d bytes is shorter than the header", len(b)), b)
	}
	d := datagram{
		typ:     payloadType(binary.BigEndian.Uint16(b[0:2])),
		seq:     binary.BigEndian.Uint32(b[4:8]),
		payload: b[headerLen:],
	}
	n := int(binary.BigEndian.Uint16(b[2:4]))
	if n < 1 || n > maxPayload {
		return datagram{}, newProtocolError(fmt.Sprintf("payload length %d outside 1..%d", n, maxPayload), b)
	}
	if n != len(d.payload) {
		return datagram{}, newProtocolError(fmt.Sprintf("header says %d payload bytes, datagram has %d", n, len(d.payload)), b)
	}
	return d, nil
}

// parseReply parses a datagram from the camera: a VISCA reply or a control
// reply. r.kind says which.
func parseReply(b []byte) (seq uint32, r reply, err error) {
	d, err := parseDatagram(b)
	if err != nil {
		return 0, reply{}, err
	}
	switch d.typ {
	case typeReply:
		r, err = parseMessage(d.payload)
		return d.seq, r, err
	case typeControlReply:
		switch string(d.payload) {
		case string(controlReset):
			return d.seq, reply{kind: replyResetAck}, nil
		case string(controlSeqError):
			return d.seq, reply{kind: replySeqError}, nil
		case string(controlTypeError):
			return d.seq, reply{kind: replyTypeError}, nil
		}
		return 0, reply{}, newProtocolError("unknown control reply", b)
	}
	return 0, reply{}, newProtocolError(fmt.Sprintf("unexpected payload type %04X", uint16(d.typ)), b)
}
