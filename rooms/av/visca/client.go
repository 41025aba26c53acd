package visca

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"
)

// Well-known ports.
const (
	PortIP  = 52381 // Sony VISCA over IP (UDP)
	PortTCP = 5678  // raw VISCA over TCP (PTZOptics and others)
)

// Defaults for zero Options fields.
const (
	DefaultCommandTimeout  = 5 * time.Second
	DefaultRetransmit      = 2
	DefaultRetransmitAfter = 300 * time.Millisecond
)

// Options tune a Client; the zero value is usable.
type Options struct {
	// CommandTimeout bounds one command from sending to its completion
	// (or an inquiry's answer), retransmissions included. Default 5 s.
	CommandTimeout time.Duration
	// Retransmit is how often a UDP message is sent again, with the same
	// sequence number, while the camera has not answered it. Default 2;
	// negative means never.
	Retransmit int
	// RetransmitAfter is how long to wait for a first reply before
	// resending. Default 300 ms.
	RetransmitAfter time.Duration
	// Logger receives retransmissions, resets and ignored replies; silent
	// by default.
	Logger *slog.Logger
	// Dial replaces the network dialler (tests pass Emulator.Dialer). For
	// UDP the returned conn must keep datagram boundaries: one Read, one
	// datagram.
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
}

func (o Options) withDefaults() Options {
	if o.CommandTimeout <= 0 {
		o.CommandTimeout = DefaultCommandTimeout
	}
	switch {
	case o.Retransmit == 0:
		o.Retransmit = DefaultRetransmit
	case o.Retransmit < 0:
		o.Retransmit = 0
	}
	if o.RetransmitAfter <= 0 {
		o.RetransmitAfter = DefaultRetransmitAfter
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}

// Camera is what a Client offers, for callers that want to substitute a
// fake. Every method is bounded by ctx and Options.CommandTimeout.
type Camera interface {
	Power(ctx context.Context, on bool) error
	PowerState(ctx context.Context) (bool, error)
	RecallPreset(ctx context.Context, n int) error
	StorePreset(ctx context.Context, n int) error
	PanTilt(ctx context.Context, dir Direction, panSpeed, tiltSpeed int) error
	Stop(ctx context.Context) error
	Zoom(ctx context.Context, z ZoomDir, speed int) error
	ZoomTo(ctx context.Context, pos int) error
	AbsolutePosition(ctx context.Context, pan, tilt, panSpeed, tiltSpeed int) error
	Position(ctx context.Context) (pan, tilt int, err error)
	ZoomPosition(ctx context.Context) (int, error)
	Close() error
}

var _ Camera = (*Client)(nil)

// transport carries one exchange at a time; the Client guarantees that.
type transport interface {
	// exchange sends msg and waits for its completion (commands) or answer
	// (inquiries, whose data it returns).
	exchange(ctx context.Context, msg []byte, inquiry bool) ([]byte, error)
	// gone is closed when the connection has ended.
	gone() <-chan struct{}
	close() error
}

// Client is a connection to one camera. It is safe for concurrent use:
// commands queue for the wire one at a time. A Client does not redial;
// after ErrClosed, dial a new one.
type Client struct {
	tr   transport
	opts Options
	// turn holds a token while a command owns the wire: a channel rather
	// than a mutex so that waiting for it honours ctx.
	turn chan struct{}

	mu                  sync.Mutex
	panSpeed, tiltSpeed int // the last drive's speeds, which Stop repeats
}

// DialIP connects to a camera speaking Sony VISCA over IP (UDP; port 52381
// when addr names none) and RESETs its sequence counter.
func DialIP(ctx context.Context, addr string, opts Options) (*Client, error) {
	opts = opts.withDefaults()
	addr = withPort(addr, PortIP)
	dial := opts.Dial
	if dial == nil {
		dial = dialUDP
	}
	conn, err := dial(ctx, "udp", addr)
	if err != nil {
		return nil, fmt.Errorf("visca: dial %s: %w", addr, err)
	}
	t := newUDPTransport(conn, opts)
	ctx, cancel := context.WithTimeoutCause(ctx, opts.CommandTimeout, ErrTimeout)
	defer cancel()
	if err := t.reset(ctx); err != nil {
		t.close()
		return nil, fmt.Errorf("visca: reset %s: %w", addr, err)
	}
	return newClient(t, opts), nil
}

// DialTCP connects to a camera speaking raw VISCA over TCP (port 5678 when
// addr names none).
func DialTCP(ctx context.Context, addr string, opts Options) (*Client, error) {
	opts = opts.withDefaults()
	addr = withPort(addr, PortTCP)
	dial := opts.Dial
	if dial == nil {
		var d net.Dialer
		dial = d.DialContext
	}
	conn, err := dial(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("visca: dial %s: %w", addr, err)
	}
	return newClient(newTCPTransport(conn, opts), opts), nil
}

func newClient(t transport, opts Options) *Client {
	return &Client{tr: t, opts: opts, turn: make(chan struct{}, 1), panSpeed: 1, tiltSpeed: 1}
}

// withPort adds the default port to a bare host.
func withPort(addr string, port int) string {
	if _, _, err := net.SplitHostPort(addr); err == nil {
		return addr
	}
	return net.JoinHostPort(addr, fmt.Sprint(port))
}

// Close ends the connection; commands in flight return ErrClosed.
func (c *Client) Close() error { return c.tr.close() }

// do runs one exchange under the client's turn and the command timeout.
func (c *Client) do(ctx context.Context, op string, msg []byte, inquiry bool) ([]byte, error) {
	select {
	case <-c.tr.gone():
		return nil, fmt.Errorf("visca: %s: %w", op, ErrClosed)
	default:
	}
	// A caller that has given up sends nothing: with the turn free as
	// well, the select below would pick either at random.
	if ctx.Err() != nil {
		return nil, fmt.Errorf("visca: %s: %w", op, context.Cause(ctx))
	}
	select {
	case c.turn <- struct{}{}:
	case <-ctx.Done():
		return nil, fmt.Errorf("visca: %s: %w", op, context.Cause(ctx))
	case <-c.tr.gone():
		return nil, fmt.Errorf("visca: %s: %w", op, ErrClosed)
	}
	defer func() { <-c.turn }()
	ctx, cancel := context.WithTimeoutCause(ctx, c.opts.CommandTimeout, ErrTimeout)
	defer cancel()
	data, err := c.tr.exchange(ctx, msg, inquiry)
	if err != nil {
		return nil, fmt.Errorf("visca: %s: %w", op, err)
	}
	return data, nil
}

func invalid(op, format string, args ...any) error {
	return fmt.Errorf("visca: %s: %s: %w", op, fmt.Sprintf(format, args...), ErrInvalidArgument)
}
