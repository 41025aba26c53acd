package mdc

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"
)

// Defaults.
const (
	DefaultPort           = "1515"
	DefaultDialTimeout    = 3 * time.Second
	DefaultCommandTimeout = 5 * time.Second
)

// Errors a caller sees, to test with errors.Is.
var (
	ErrClosed  = errors.New("mdc: connection closed")
	ErrTimeout = errors.New("mdc: no answer in time")
)

// NAKError is the display's refusal of a command, with its error code.
type NAKError struct {
	Command, Code byte
}

func (e *NAKError) Error() string {
	return fmt.Sprintf("mdc: the display refused command %#02x (error code %d)", e.Command, e.Code)
}

// Options tune a Client; the zero value works.
type Options struct {
	DialTimeout, CommandTimeout time.Duration
	// ID is the display's id (0 by default, as set in its menu).
	ID   byte
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
}

// Status is what the status command reports (§3).
type Status struct {
	Power  bool
	Volume int
	Mute   bool
	Input  byte
}

// Client is one connection to a display; commands go one at a time.
type Client struct {
	conn net.Conn
	br   *bufio.Reader
	opts Options
	mu   sync.Mutex // one command at a time
	err  error
}

// Dial connects to the display at addr (port 1515 by default).
func Dial(ctx context.Context, addr string, opts Options) (*Client, error) {
	if opts.DialTimeout <= 0 {
		opts.DialTimeout = DefaultDialTimeout
	}
	if opts.CommandTimeout <= 0 {
		opts.CommandTimeout = DefaultCommandTimeout
	}
	if opts.Dial == nil {
		var d net.Dialer
		opts.Dial = d.DialContext
	}
	if _, _, err := net.SplitHostPort(addr); err != nil {
		addr = net.JoinHostPort(addr, DefaultPort)
	}
	dctx, cancel := context.WithTimeout(ctx, opts.DialTimeout)
	defer cancel()
	conn, err := opts.Dial(dctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("mdc: dial %s: %w", addr, err)
	}
	return &Client{conn: conn, br: bufio.NewReader(conn), opts: opts}, nil
}

// Close ends the connection.
func (c *Client) Close() error { return c.conn.Close() }

// do sends a command and returns the data of its ACK after the echoed
// command byte. A NAK is a *NAKError; a wrong or missing answer ends the
// connection, since a late answer could be taken for the next command's.
func (c *Client) do(ctx context.Context, cmd byte, data ...byte) ([]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		return nil, c.err
	}
	deadline := time.Now().Add(c.opts.CommandTimeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	c.conn.SetDeadline(deadline)
	stop := context.AfterFunc(ctx, func() { c.conn.SetDeadline(time.Now()) })
	defer stop()
	if _, err := c.conn.Write(frame{cmd: cmd, id: c.opts.ID, data: data}.encode()); err != nil {
		return nil, c.fail(ctx, err)
	}
	for {
		f, err := readFrame(c.br)
		if err != nil {
			return nil, c.fail(ctx, err)
		}
		if f.cmd != cmdReply || len(f.data) < 2 || f.data[1] != cmd {
			continue // not the answer to this command (another display's, or noise)
		}
		switch f.data[0] {
		case ack:
			return f.data[2:], nil
		case nak:
			code := byte(0)
			if len(f.data) > 2 {
				code = f.data[2]
			}
			return nil, &NAKError{Command: cmd, Code: code}
		}
		return nil, c.fail(ctx, fmt.Errorf("%w: answer %q is neither ACK nor NAK", ErrProtocol, f.data[0]))
	}
}

// fail ends the connection after a broken exchange.
func (c *Client) fail(ctx context.Context, err error) error {
	var ne net.Error
	switch {
	case ctx.Err() != nil:
		err = ctx.Err()
	case errors.As(err, &ne) && ne.Timeout():
		err = fmt.Errorf("%w within %v", ErrTimeout, c.opts.CommandTimeout)
	}
	c.err = fmt.Errorf("%w: %w", ErrClosed, err)
	c.conn.Close()
	return err
}

// Status reads power, volume, mute and input source at once.
func (c *Client) Status(ctx context.Context) (Status, error) {
	d, err := c.do(ctx, CmdStatus)
	if err != nil {
		return Status{}, err
	}
	if len(d) < 4 {
		return Status{}, fmt.Errorf("%w: status with %d values", ErrProtocol, len(d))
	}
	return Status{Power: d[0] == 1, Volume: int(d[1]), Mute: d[2] == 1, Input: d[3]}, nil
}

// SetPower switches the display on or off.
func (c *Client) SetPower(ctx context.Context, on bool) error {
	_, err := c.do(ctx, CmdPower, b2b(on))
	return err
}

// SetVolume sets the volume (0–100).
func (c *Client) SetVolume(ctx context.Context, v int) error {
	if v < 0 || v > 100 {
		return fmt.Errorf("mdc: volume %d is not from 0 to 100", v)
	}
	_, err := c.do(ctx, CmdVolume, byte(v))
	return err
}

// SetMute mutes or unmutes the sound.
func (c *Client) SetMute(ctx context.Context, on bool) error {
	_, err := c.do(ctx, CmdMute, b2b(on))
	return err
}

// SetInput selects an input source by its code (Inputs).
func (c *Client) SetInput(ctx context.Context, code byte) error {
	_, err := c.do(ctx, CmdInput, code)
	return err
}

func b2b(on bool) byte {
	if on {
		return 1
	}
	return 0
}

// Inputs are the input source codes by name (§4).
var Inputs = map[string]byte{
	"pc": 0x14, "dvi": 0x18, "av": 0x0C, "component": 0x08, "magicinfo": 0x20,
	"hdmi1": 0x21, "hdmi2": 0x23, "hdmi3": 0x31, "displayport": 0x25,
}

// getOnly are codes a display reports but will not take (§4).
var getOnly = map[byte]string{0x1F: "dvi_video", 0x22: "hdmi1_pc", 0x24: "hdmi2_pc", 0x32: "hdmi3_pc"}

// InputName names an input code ("hdmi1"), or gives it in hex.
func InputName(code byte) string {
	for n, c := range Inputs {
		if c == code {
			return n
		}
	}
	if n, ok := getOnly[code]; ok {
		return n
	}
	return fmt.Sprintf("%#02x", code)
}
