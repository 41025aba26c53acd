package visca

import (
	"fmt"
	"strings"
)

// VISCA message bytes (docs/protocols/visca.md §4, §5). On IP the camera is
// always address 1: commands start 81, its replies 90.
const (
	cameraAddr = 0x81
	replyAddr  = 0x90
	terminator = 0xFF
	maxMessage = maxPayload // VISCA messages are at most 16 bytes with FF
)

// Argument ranges. Presets: 0–127 as PTZOptics (classic Sony models stop at
// 15 and answer a syntax error beyond). Speeds: pan 01–18, tilt 01–14
// (hex), zoom 0–7. Positions travel as four nibbles: pan and tilt signed
// 16-bit, zoom unsigned.
const (
	MaxPreset       = 127
	MaxPanSpeed     = 0x18
	MaxTiltSpeed    = 0x14
	MaxZoomSpeed    = 7
	MaxZoomPosition = 0xFFFF
)

// Direction is a pan-tilt drive direction.
type Direction uint8

// Directions for PanTilt.
const (
	Up Direction = iota + 1
	Down
	Left
	Right
	UpLeft
	UpRight
	DownLeft
	DownRight
)

// driveBytes are the p q bytes of 81 01 06 01 VV WW 0p 0q FF.
var driveBytes = [...][2]byte{
	Up: {0x03, 0x01}, Down: {0x03, 0x02}, Left: {0x01, 0x03}, Right: {0x02, 0x03},
	UpLeft: {0x01, 0x01}, UpRight: {0x02, 0x01}, DownLeft: {0x01, 0x02}, DownRight: {0x02, 0x02},
}

var directionNames = [...]string{
	Up: "up", Down: "down", Left: "left", Right: "right",
	UpLeft: "up-left", UpRight: "up-right", DownLeft: "down-left", DownRight: "down-right",
}

func (d Direction) valid() bool { return d >= Up && d <= DownRight }

func (d Direction) String() string {
	if !d.valid() {
		return fmt.Sprintf("Direction(%d)", uint8(d))
	}
	return directionNames[d]
}

// ParseDirection reads "up", "down-left", … as String writes them.
func ParseDirection(s string) (Direction, error) {
	for d := Up; d <= DownRight; d++ {
		if strings.EqualFold(s, directionNames[d]) {
			return d, nil
		}
	}
	return 0, fmt.Errorf("direction %q: want one of %s: %w", s, strings.Join(directionNames[Up:], ", "), ErrInvalidArgument)
}

// ZoomDir is a zoom drive: stop, tele (in) or wide (out).
type ZoomDir uint8

// Zoom drives for Zoom.
const (
	ZoomStop ZoomDir = iota
	ZoomTele
	ZoomWide
)

var zoomNames = [...]string{ZoomStop: "stop", ZoomTele: "tele", ZoomWide: "wide"}

func (z ZoomDir) String() string {
	if int(z) >= len(zoomNames) {
		return fmt.Sprintf("ZoomDir(%d)", uint8(z))
	}
	return zoomNames[z]
}

// ParseZoomDir reads "stop", "tele" or "wide".
func ParseZoomDir(s string) (ZoomDir, error) {
	for z, name := range zoomNames {
		if strings.EqualFold(s, name) {
			return ZoomDir(z), nil
		}
	}
	return 0, fmt.Errorf("zoom %q: want stop, tele or wide: %w", s, ErrInvalidArgument)
}

// Preset operations: the byte after 81 01 04 3F.
const (
	presetReset  = 0x00
	presetSet    = 0x01
	presetRecall = 0x02
)

// Inquiries.
var (
	inqPower    = []byte{cameraAddr, 0x09, 0x04, 0x00, terminator}
	inqPanTilt  = []byte{cameraAddr, 0x09, 0x06, 0x12, terminator}
	inqZoomPos  = []byte{cameraAddr, 0x09, 0x04, 0x47, terminator}
	stopDrivePQ = [2]byte{0x03, 0x03}
)

func cmdPower(on bool) []byte {
	p := byte(0x03) // standby
	if on {
		p = 0x02
	}
	return []byte{cameraAddr, 0x01, 0x04, 0x00, p, terminator}
}

func cmdPreset(op byte, n int) []byte {
	return []byte{cameraAddr, 0x01, 0x04, 0x3F, op, byte(n), terminator}
}

func cmdDrive(panSpeed, tiltSpeed int, pq [2]byte) []byte {
	return []byte{cameraAddr, 0x01, 0x06, 0x01, byte(panSpeed), byte(tiltSpeed), pq[0], pq[1], terminator}
}

// cmdZoom always uses the variable-speed form (2p / 3p): the standard
// tele/wide bytes 02 / 03 are speed 2 on most models anyway.
func cmdZoom(z ZoomDir, speed int) []byte {
	b := byte(0x00)
	switch z {
	case ZoomTele:
		b = 0x20 | byte(speed)
	case ZoomWide:
		b = 0x30 | byte(speed)
	}
	return []byte{cameraAddr, 0x01, 0x04, 0x07, b, terminator}
}

func cmdZoomDirect(pos int) []byte {
	b := []byte{cameraAddr, 0x01, 0x04, 0x47}
	b = appendNibbles(b, uint16(pos))
	return append(b, terminator)
}

func cmdAbsolute(pan, tilt, panSpeed, tiltSpeed int) []byte {
	b := []byte{cameraAddr, 0x01, 0x06, 0x02, byte(panSpeed), byte(tiltSpeed)}
	b = appendNibbles(b, uint16(int16(pan)))
	b = appendNibbles(b, uint16(int16(tilt)))
	return append(b, terminator)
}

// appendNibbles writes v as 0p 0q 0r 0s, most significant first, so no
// data byte can be FF.
func appendNibbles(dst []byte, v uint16) []byte {
	return append(dst, byte(v>>12)&0x0F, byte(v>>8)&0x0F, byte(v>>4)&0x0F, byte(v)&0x0F)
}

// nibbles reads 0p 0q … back; ok is false if a byte has its high nibble set.
func nibbles(b []byte) (v uint32, ok bool) {
	for _, x := range b {
		if x > 0x0F {
			return 0, false
		}
		v = v<<4 | uint32(x)
	}
	return v, true
}

// signExtend reads the low bits of v as two's complement.
func signExtend(v uint32, bits uint) int {
	shift := 32 - bits
	return int(int32(v<<shift) >> shift)
}

// replyKind classifies what the camera sent.
type replyKind uint8

const (
	replyAck        replyKind = iota + 1 // 90 4y FF
	replyCompletion                      // 90 5y FF, or 90 50 data FF answering an inquiry
	replyError                           // 90 6y ee FF
	replyOther                           // another sender, e.g. 88 38 FF network change: ignored
	replyResetAck                        // control 01
	replySeqError                        // control 0F 01
	replyTypeError                       // control 0F 02
)

type reply struct {
	kind   replyKind
	socket int
	code   byte   // replyError
	data   []byte // replyCompletion on socket 0: the inquiry's answer
}

// parseMessage parses one VISCA reply, FF included. Messages from other
// addresses are replyOther so the caller can ignore them; anything not
// shaped like VISCA is a *ProtocolError.
func parseMessage(b []byte) (reply, error) {
	switch {
	case len(b) < 2:
		return reply{}, newProtocolError("message too short", b)
	case len(b) > maxMessage:
		return reply{}, newProtocolError("message longer than 16 bytes", b)
	case b[len(b)-1] != terminator:
		return reply{}, newProtocolError("message not terminated by FF", b)
	case b[0]&0x80 == 0 || b[0] == terminator:
		return reply{}, newProtocolError("first byte is not a VISCA address", b)
	}
	for _, x := range b[1 : len(b)-1] {
		if x == terminator {
			return reply{}, newProtocolError("FF inside a message", b)
		}
	}
	if b[0] != replyAddr {
		return reply{kind: replyOther}, nil
	}
	if len(b) < 3 {
		return reply{}, newProtocolError("message too short", b)
	}
	socket := int(b[1] & 0x0F)
	switch b[1] & 0xF0 {
	case 0x40:
		if len(b) == 3 {
			return reply{kind: replyAck, socket: socket}, nil
		}
	case 0x50:
		if len(b) == 3 || socket == 0 {
			return reply{kind: replyCompletion, socket: socket, data: b[2 : len(b)-1]}, nil
		}
	case 0x60:
		if len(b) == 4 {
			return reply{kind: replyError, socket: socket, code: b[2]}, nil
		}
	}
	return reply{}, newProtocolError("not an ACK, completion or error reply", b)
}
