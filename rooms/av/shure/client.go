package shure

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"
)

// Defaults, named so the tests and the driver agree.
const (
	DefaultPort           = "2202"
	DefaultDialTimeout    = 3 * time.Second
	DefaultCommandTimeout = 5 * time.Second
	// ReportBuffer bounds the reports waiting for a reader; when it is
	// full the oldest goes, so a slow reader still learns the latest.
	ReportBuffer = 256
)

// Errors a caller sees, to test with errors.Is.
var (
	ErrClosed  = errors.New("shure: connection closed")
	ErrTimeout = errors.New("shure: no report in time")
	// ErrRefused: the device answered `< REP ERR >` (§4): it does not
	// know the command, or not for that channel.
	ErrRefused = errors.New("shure: the device refused the command")
	// ErrNotConfirmed: a SET was answered with a report of another value.
	ErrNotConfirmed = errors.New("shure: the device reported a different state")
)

// Options tune a Client; the zero value works.
type Options struct {
	DialTimeout, CommandTimeout time.Duration
	// ChannelDigits pads channel numbers: MXA ceiling arrays take "1",
	// some receivers and processors "01" (§4). 0 or 1: no padding.
	ChannelDigits int
	// Dial replaces net.Dialer (tests hand out one end of a net.Pipe).
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
}

// Client is one connection to a Shure device. Commands go one at a time;
// reports, asked for or not, are also delivered on Reports.
type Client struct {
	conn    net.Conn
	opts    Options
	slot    chan struct{}
	reports chan Report
	done    chan struct{}
	wg      sync.WaitGroup

	mu      sync.Mutex
	waiting *waiter
	err     error
}

// waiter is a command waiting for its report.
type waiter struct {
	channel int // -1: a device parameter
	param   string
	res     chan reply
}

type reply struct {
	r   Report
	err error
}

// Dial connects to a Shure device at addr (port 2202 by default). The
// device sends nothing on connect, so a connection is all it takes.
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
		return nil, fmt.Errorf("shure: dial %s: %w", addr, err)
	}
	c := &Client{conn: conn, opts: opts, slot: make(chan struct{}, 1), reports: make(chan Report, ReportBuffer), done: make(chan struct{})}
	c.wg.Add(1)
	go c.readLoop()
	return c, nil
}

// Reports delivers every report in order; it is closed when the
// connection ends.
func (c *Client) Reports() <-chan Report { return c.reports }

// Done is closed when the connection has ended; Err then says why.
func (c *Client) Done() <-chan struct{} { return c.done }

// Err is nil while connected, afterwards why the connection ended.
func (c *Client) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// Close ends the connection and waits for the reader.
func (c *Client) Close() error {
	c.shutdown(ErrClosed)
	c.wg.Wait()
	return nil
}

func (c *Client) shutdown(cause error) {
	c.mu.Lock()
	if c.err != nil {
		c.mu.Unlock()
		return
	}
	if !errors.Is(cause, ErrClosed) {
		cause = fmt.Errorf("%w: %w", ErrClosed, cause)
	}
	c.err = cause
	close(c.done)
	w := c.waiting
	c.waiting = nil
	c.mu.Unlock()
	c.conn.Close()
	if w != nil {
		w.res <- reply{err: cause}
	}
}

func (c *Client) readLoop() {
	defer c.wg.Done()
	defer close(c.reports)
	var f framer
	buf := make([]byte, 4096)
	for {
		n, err := c.conn.Read(buf)
		for _, msg := range f.feed(buf[:n]) {
			c.dispatch(msg)
		}
		if err != nil {
			c.shutdown(fmt.Errorf("read: %w", err))
			return
		}
	}
}

// dispatch hands a report to the command waiting for it, and to Reports.
func (c *Client) dispatch(msg string) {
	r, ok := parseReport(msg)
	if !ok {
		return
	}
	c.mu.Lock()
	w := c.waiting
	match := w != nil && (r.Param == "ERR" || r.Param == w.param && (w.channel < 0 || r.Channel == w.channel))
	if match {
		c.waiting = nil
	}
	c.mu.Unlock()
	if match {
		if r.Param == "ERR" {
			w.res <- reply{err: ErrRefused}
		} else {
			w.res <- reply{r: r}
		}
	}
	if r.Param == "ERR" {
		return
	}
	for {
		select {
		case c.reports <- r:
			return
		default:
		}
		select {
		case <-c.reports: // full: the oldest goes
		default:
		}
	}
}

// do sends one command and waits for the report that answers it. A
// command whose report does not come ends the connection: a late report
// could otherwise be taken for the next command's answer.
func (c *Client) do(ctx context.Context, verb string, channel int, param, value string) (Report, error) {
	select {
	case c.slot <- struct{}{}:
	case <-ctx.Done():
		return Report{}, ctx.Err()
	case <-c.done:
		return Report{}, c.Err()
	}
	defer func() { <-c.slot }()
	w := &waiter{channel: channel, param: param, res: make(chan reply, 1)}
	c.mu.Lock()
	if c.err != nil {
		err := c.err
		c.mu.Unlock()
		return Report{}, err
	}
	c.waiting = w
	c.mu.Unlock()
	c.conn.SetWriteDeadline(time.Now().Add(c.opts.CommandTimeout))
	if _, err := c.conn.Write([]byte(command(verb, channel, param, value, c.opts.ChannelDigits))); err != nil {
		c.shutdown(fmt.Errorf("write: %w", err))
		return Report{}, c.Err()
	}
	t := time.NewTimer(c.opts.CommandTimeout)
	defer t.Stop()
	select {
	case rp := <-w.res:
		return rp.r, rp.err
	case <-t.C:
		err := fmt.Errorf("%w: %s %s", ErrTimeout, verb, param)
		c.shutdown(err)
		return Report{}, err
	case <-ctx.Done():
		// The report may still come; nobody can tell it from the next
		// command's, so the connection goes.
		c.shutdown(ctx.Err())
		return Report{}, ctx.Err()
	}
}

// Mute reads a channel's mute.
func (c *Client) Mute(ctx context.Context, channel int) (bool, error) {
	r, err := c.do(ctx, "GET", channel, ParamMute, "")
	if err != nil {
		return false, err
	}
	return onOff(r)
}

// SetMute mutes or unmutes a channel and returns once the device has
// reported the new state: its report, not the request, is the answer.
func (c *Client) SetMute(ctx context.Context, channel int, on bool) error {
	v := "OFF"
	if on {
		v = "ON"
	}
	r, err := c.do(ctx, "SET", channel, ParamMute, v)
	if err != nil {
		return err
	}
	got, err := onOff(r)
	if err != nil {
		return err
	}
	if got != on {
		return fmt.Errorf("%w: channel %d is %s", ErrNotConfirmed, channel, r.Value)
	}
	return nil
}

// Gate reads whether the automixer has a channel's gate open.
func (c *Client) Gate(ctx context.Context, channel int) (bool, error) {
	r, err := c.do(ctx, "GET", channel, ParamGate, "")
	if err != nil {
		return false, err
	}
	return onOff(r)
}

// Model asks for the model name: cheap, and proof the device answers.
func (c *Client) Model(ctx context.Context) (string, error) {
	r, err := c.do(ctx, "GET", -1, ParamModel, "")
	if err != nil {
		return "", err
	}
	return trimValue(r.Value), nil
}

func onOff(r Report) (bool, error) {
	switch r.Value {
	case "ON":
		return true, nil
	case "OFF":
		return false, nil
	}
	return false, fmt.Errorf("shure: %s of channel %d is %q, not ON or OFF", r.Param, r.Channel, r.Value)
}

// trimValue drops the braces and padding of a string value ("{MXA910 }").
func trimValue(v string) string {
	if len(v) >= 2 && v[0] == '{' && v[len(v)-1] == '}' {
		v = v[1 : len(v)-1]
	}
	return trimSpace(v)
}

func trimSpace(s string) string {
	for len(s) > 0 && s[len(s)-1] == ' ' {
		s = s[:len(s)-1]
	}
	for len(s) > 0 && s[0] == ' ' {
		s = s[1:]
	}
	return s
}
