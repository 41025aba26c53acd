package visca

import (
	"context"
	"errors"
	"fmt"
)

// DeviceError is an error reply from the camera, 90 6y ee FF: ee is the
// code, y the socket (0 when the command never got one). Compare with
// errors.Is against the sentinels below; Is matches by code, so a reply on
// any socket matches.
type DeviceError struct {
	Code   byte
	Socket int
}

// The error replies docs/protocols/visca.md §4 lists.
var (
	ErrMessageLength     = &DeviceError{Code: 0x01}
	ErrSyntax            = &DeviceError{Code: 0x02}
	ErrCommandBufferFull = &DeviceError{Code: 0x03}
	ErrCommandCanceled   = &DeviceError{Code: 0x04}
	ErrNoSocket          = &DeviceError{Code: 0x05}
	ErrNotExecutable     = &DeviceError{Code: 0x41}
)

var deviceErrorText = map[byte]string{
	0x01: "message length error",
	0x02: "syntax error: the camera did not understand the command",
	0x03: "command buffer full: both of the camera's sockets are busy",
	0x04: "command canceled by a later one",
	0x05: "no socket: nothing to cancel",
	0x41: "command not executable now (camera in standby or busy)",
}

func (e *DeviceError) Error() string {
	text, ok := deviceErrorText[e.Code]
	if !ok {
		text = "unknown error"
	}
	return fmt.Sprintf("%s (90 6%X %02X FF)", text, e.Socket&0x0F, e.Code)
}

// Is reports whether target is a DeviceError with the same code.
func (e *DeviceError) Is(target error) bool {
	t, ok := target.(*DeviceError)
	return ok && t.Code == e.Code
}

// Errors of the client itself. Every error a Client returns is wrapped as
// "visca: <command>: <cause>".
var (
	// ErrTimeout: no reply within Options.CommandTimeout, or none at all
	// after the last retransmission. It also matches
	// context.DeadlineExceeded.
	ErrTimeout error = timeoutError{}
	// ErrClosed: the client was closed or the connection is gone; dial
	// again.
	ErrClosed = errors.New("connection closed")
	// ErrSequence: the camera rejected the sequence number (0F 01) even
	// right after a RESET.
	ErrSequence = errors.New("camera rejected the sequence number (0F 01)")
	// ErrMessageType: the camera found the message abnormal (0F 02), e.g.
	// an inquiry sent with the command payload type.
	ErrMessageType = errors.New("camera reports an abnormal message (0F 02)")
	// ErrPowerFault: the power inquiry answered "power error" (90 50 04 FF).
	ErrPowerFault = errors.New("camera reports a power error")
	// ErrInvalidArgument: a preset, speed or position outside the ranges
	// VISCA can carry; nothing was sent.
	ErrInvalidArgument = errors.New("invalid argument")
)

type timeoutError struct{}

func (timeoutError) Error() string { return "no reply from the camera in time" }
func (timeoutError) Timeout() bool { return true }

// Is lets callers that only know context test for a deadline.
func (timeoutError) Is(target error) bool { return target == context.DeadlineExceeded }

// ProtocolError is a reply that is not VISCA: garbage, a bad header, a
// message without its terminator.
type ProtocolError struct {
	Reason string
	Data   []byte // at most maxErrorData bytes of what was received
}

const maxErrorData = 32

func newProtocolError(reason string, data []byte) *ProtocolError {
	if len(data) > maxErrorData {
		data = data[:maxErrorData]
	}
	return &ProtocolError{Reason: reason, Data: append([]byte(nil), data...)}
}

func (e *ProtocolError) Error() string {
	return fmt.Sprintf("protocol error: %s (% X)", e.Reason, e.Data)
}
