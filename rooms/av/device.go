package av

import (
	"context"
	"errors"
	"time"
)

// Driver is one device's protocol client as the supervisor sees it. The
// protocol packages (pjlink, visca, tesira) are adapted to it in
// driver_pjlink.go, driver_visca.go and driver_tesira.go. Every call must
// honour ctx: the supervisor bounds each one.
type Driver interface {
	// Connect dials (and authenticates), closing any previous connection;
	// the supervisor calls it again after failures, with backoff.
	Connect(ctx context.Context) error
	// Exec runs one command ("power", "input", "mute", "preset.recall", …).
	Exec(ctx context.Context, cmd Command) error
	// Poll reads the device's state for the health view.
	Poll(ctx context.Context) (State, error)
	Close() error
}

// Command is one instruction to a device, as scenes and the API name it.
type Command struct {
	Name string            `json:"command" toml:"command"`
	Args map[string]string `json:"args,omitempty" toml:"args"`
}

// State is what a device last reported ("power": "on", "input": "31").
type State map[string]string

// Health summarises whether a device can be used.
type Health string

const (
	Online   Health = "online"   // the last contact worked
	Degraded Health = "degraded" // reachable, but commands or polls fail
	Offline  Health = "offline"  // unreachable, or its breaker is open
)

// Status is one device as the API and the events stream show it.
type Status struct {
	ID        string `json:"id"`
	Kind      string `json:"kind"`
	Health    Health `json:"health"`
	State     State  `json:"state,omitempty"`
	LastError string `json:"last_error,omitempty"`
	// Problem is a configuration problem in words (a refused login, a
	// DSP block camera follow cannot use): the device answers, but not
	// as configured, and retrying will not change that.
	Problem  string    `json:"problem,omitempty"`
	LastSeen time.Time `json:"last_seen,omitzero"`
	Since    time.Time `json:"since"` // when Health last changed
}

// DeviceConfig is one [[rooms.devices]] table, resolved.
type DeviceConfig struct {
	ID, Room, Kind, Address string
	// Label names the device in the errors people read ("Beamer"); the
	// id when empty.
	Label              string
	Username, Password string // PJLink: password; Tesira: both
	Options            map[string]string
	// Seats names the members at a discussion system's seats (seat
	// number -> name); the delegate data fills in the others.
	Seats          map[int]string
	ConnectTimeout time.Duration // default 3 s
	CommandTimeout time.Duration // default 5 s
	PollEvery      time.Duration // default per kind, 30 s
}

// Limits and defaults, named so the tests and the docs agree.
const (
	DefaultConnectTimeout = 3 * time.Second
	DefaultCommandTimeout = 5 * time.Second
	DefaultPollEvery      = 30 * time.Second
	// QueueLength bounds each device's waiting commands: past it a caller
	// gets ErrBusy at once instead of piling up behind a hung device.
	QueueLength = 16
	// MaxBackoff caps the wait between reconnection attempts.
	MaxBackoff = 60 * time.Second
	// BreakerFailures consecutive failures open a device's breaker; it
	// half-opens after BreakerCooldown.
	BreakerFailures = 3
	BreakerCooldown = 30 * time.Second
)

// RefusedError is a device's explicit "no" (PJLink ERR2, a VISCA error
// reply, a Tesira -ERR): the device is there and answering, so a refusal
// neither drops the connection nor counts towards its circuit breaker.
// Drivers wrap such answers in it.
type RefusedError struct{ Err error }

func (e *RefusedError) Error() string { return e.Err.Error() }
func (e *RefusedError) Unwrap() error { return e.Err }

// Timeouter is implemented by drivers with commands that may legitimately
// take longer than the device's command timeout (a projector that waits
// for its lamp before it takes an input).
type Timeouter interface {
	Timeout(cmd Command) time.Duration
}

// Reporter is implemented by drivers whose device reports changes by
// itself (a Shure microphone's REP): the supervisor hands over a function
// that records a new state at once, so a panel hears of a mute pressed at
// the device without waiting for the next poll. report must not block.
type Reporter interface {
	OnReport(report func(State))
}

// Errors a caller of the supervisor sees.
var (
	ErrUnknownDevice = errors.New("no such device")
	ErrBusy          = errors.New("the device has too many commands waiting")
	ErrOffline       = errors.New("the device is offline; commands are refused until it answers again")
	ErrClosed        = errors.New("the device supervisor has stopped")
)
