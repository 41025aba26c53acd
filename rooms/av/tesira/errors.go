package tesira

import (
	"errors"
	"strings"
)

// Errors a caller sees, to test with errors.Is. A device's -ERR reply is a
// *DeviceError that also matches the sentinel for its kind, so callers can
// branch on "address not found" without parsing the device's message.
var (
	// ErrClosed: the session has ended (Close, the device hung up, or a
	// command timed out and the connection was dropped to stay in step).
	ErrClosed = errors.New("tesira: connection closed")
	// ErrTimeout: no banner within the dial timeout, or no reply within
	// the command timeout.
	ErrTimeout = errors.New("tesira: timed out")
	// ErrProtocol: the device sent something TTP does not allow.
	ErrProtocol = errors.New("tesira: protocol error")
	// ErrInvalidArgument: the command cannot be written in TTP (an empty
	// tag, a tag with '/', '&', a quote or a control character, channel < 1,
	// a level that is not a finite number).
	ErrInvalidArgument = errors.New("tesira: invalid argument")

	// ErrLoginRequired: the device asked for a login and none is
	// configured. ErrLoginFailed: it refused the configured one.
	ErrLoginRequired = errors.New("tesira: the device asks for a login, and none is configured")
	ErrLoginFailed   = errors.New("tesira: the device refused the username or password")

	// Kinds of -ERR replies (docs/protocols/tesira.md §5).
	ErrAddressNotFound   = errors.New("tesira: address not found")
	ErrParse             = errors.New("tesira: parse error")
	ErrInvalidParameter  = errors.New("tesira: invalid parameter")
	ErrNotSupported      = errors.New("tesira: attribute not supported")
	ErrWrongState        = errors.New("tesira: wrong state")
	ErrAlreadySubscribed = errors.New("tesira: already subscribed")
	ErrCannotDeliver     = errors.New("tesira: cannot deliver")
	ErrGeneralFailure    = errors.New("tesira: general failure")
)

// DeviceError is a negative reply from the device. Message is the device's
// own text after "-ERR " (or the code of a bare "-CANNOT_DELIVER"), kept
// verbatim because it is what a technician will search the manual for.
type DeviceError struct {
	Command string // the command line that was refused
	Message string
}

func (e *DeviceError) Error() string {
	if e.Command == "" {
		return "tesira: device error: " + e.Message
	}
	return "tesira: " + e.Command + ": " + e.Message
}

// Is maps the device's message to a sentinel in one place.
func (e *DeviceError) Is(target error) bool {
	return target == e.kind()
}

func (e *DeviceError) kind() error {
	m := e.Message
	switch {
	case strings.HasPrefix(m, "address not found"):
		return ErrAddressNotFound
	case strings.HasPrefix(m, "Parse error"):
		return ErrParse
	case strings.HasPrefix(m, "INVALID_PARAMETER"):
		return ErrInvalidParameter
	case strings.Contains(m, "is not supported by"):
		return ErrNotSupported
	case strings.HasPrefix(m, "WRONG_STATE"):
		return ErrWrongState
	case strings.HasPrefix(m, "ALREADY_SUBSCRIBED"):
		return ErrAlreadySubscribed
	case strings.HasPrefix(m, "CANNOT_DELIVER"):
		return ErrCannotDeliver
	case strings.HasPrefix(m, "GENERAL_FAILURE"):
		return ErrGeneralFailure
	}
	return nil
}
