package pjlink

import (
	"errors"
	"fmt"
	"strings"
)

// The device's error codes, one sentinel each, so callers can branch with
// errors.Is and show the message to an operator as it is.
var (
	ErrUndefinedCommand = errors.New("the projector does not know that command (ERR1: undefined command)")
	ErrOutOfParameter   = errors.New("the projector rejected the value (ERR2: out of parameter)")
	ErrUnavailableTime  = errors.New("the projector cannot do that now (ERR3: busy or warming up)")
	ErrProjectorFailure = errors.New("the projector reports a failure (ERR4: projector/display failure)")
	ErrAuth             = errors.New("the projector refused the password (PJLINK ERRA)")
)

// ErrOutcomeUnknown is wrapped into the error of a set command whose reply
// never came (connection lost or timed out after the command was sent). The
// device may or may not have acted on it, so the client does not resend it:
// repeating "power on" into a cooling projector is not harmless. Query the
// state to find out.
var ErrOutcomeUnknown = errors.New("the connection was lost before the projector answered; the command may or may not have taken effect")

// ErrClosed is returned by calls on a closed Client.
var ErrClosed = errors.New("pjlink: client closed")

// deviceErrors maps the value a device sends in place of a result.
var deviceErrors = map[string]error{
	"ERR1": ErrUndefinedCommand,
	"ERR2": ErrOutOfParameter,
	"ERR3": ErrUnavailableTime,
	"ERR4": ErrProjectorFailure,
}

// maxQuoted bounds the copy of a bad reply kept in a ProtocolError, so a
// device flooding garbage cannot make log lines or API answers huge.
const maxQuoted = 64

// ProtocolError reports a reply that is not PJLink: bad framing, a line too
// long, a reply to another command, or a value the command cannot have.
type ProtocolError struct {
	Reason string
	Reply  string // truncated copy of what the device sent
}

func newProtocolError(reason, reply string) *ProtocolError {
	if len(reply) > maxQuoted {
		reply = reply[:maxQuoted] + "…"
	}
	return &ProtocolError{Reason: reason, Reply: reply}
}

func (e *ProtocolError) Error() string {
	var b strings.Builder
	b.WriteString("pjlink: protocol error: ")
	b.WriteString(e.Reason)
	fmt.Fprintf(&b, " (device sent %q)", e.Reply)
	return b.String()
}
