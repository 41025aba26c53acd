package pjlink

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

const (
	DefaultDialTimeout    = 3 * time.Second
	DefaultCommandTimeout = 5 * time.Second

	// idleReuse is how long an unused connection is trusted. Devices close
	// after 30 s idle; past 25 s a command would race that close, and a set
	// command losing the race has an unknown outcome, so redial instead.
	idleReuse = 25 * time.Second
)

// Options tune a Client. Zero values mean the defaults.
type Options struct {
	DialTimeout    time.Duration // connect and greeting; default 3 s
	CommandTimeout time.Duration // whole call, redial included; default 5 s
	Logger         *slog.Logger  // default: silent

	// Dial opens the connection; default TCP. Tests hand in net.Pipe ends
	// so that timeouts run on a synctest clock.
	Dial func(ctx context.Context, addr string) (net.Conn, error)
}

// Client talks to one PJLink device over one reused connection. It is safe
// for concurrent use; commands are serialised, as the device answers one at
// a time on a connection.
type Client struct {
	addr     string
	password string
	opts     Options
	log      *slog.Logger

	life  context.Context // cancelled by Close, ends calls in flight
	kill  context.CancelFunc
	once  sync.Once
	class atomic.Int32 // from CLSS at Dial; picks %1 or %2 for INPT/INST

	// sem is a one-slot semaphore (not a Mutex) so that waiting for the
	// connection honours ctx. Holding it owns cn.
	sem chan struct{}
	cn  *conn
}

// Dial connects to the device at addr (host:port), authenticates if it asks
// to, and asks its class. A wrong password fails here with ErrAuth.
func Dial(ctx context.Context, addr, password string, opts Options) (*Client, error) {
	if !validPassword(password) {
		return nil, fmt.Errorf("pjlink: password must be at most %d printable ASCII characters", maxPassword)
	}
	if opts.DialTimeout <= 0 {
		opts.DialTimeout = DefaultDialTimeout
	}
	if opts.CommandTimeout <= 0 {
		opts.CommandTimeout = DefaultCommandTimeout
	}
	if opts.Dial == nil {
		var d net.Dialer
		opts.Dial = func(ctx context.Context, addr string) (net.Conn, error) {
			return d.DialContext(ctx, "tcp", addr)
		}
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	c := &Client{
		addr:     addr,
		password: password,
		opts:     opts,
		log:      log.With("pjlink", addr),
		sem:      make(chan struct{}, 1),
	}
	c.life, c.kill = context.WithCancel(context.Background())
	if _, err := c.Class(ctx); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// Close ends calls in flight, closes the connection and makes later calls
// fail with ErrClosed.
func (c *Client) Close() error {
	c.once.Do(func() {
		c.kill()
		c.sem <- struct{}{} // held for good: nothing runs after Close
		if c.cn != nil {
			c.cn.close()
			c.cn = nil
		}
	})
	return nil
}

func (c *Client) acquire(ctx context.Context) error {
	if c.life.Err() != nil {
		return ErrClosed
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	select {
	case c.sem <- struct{}{}:
		if c.life.Err() != nil { // Close ran while we waited
			<-c.sem
			return ErrClosed
		}
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-c.life.Done():
		return ErrClosed
	}
}

// do sends one request and returns the reply's value. The whole call —
// waiting for the connection, redial, retry — is bounded by CommandTimeout
// and ctx.
func (c *Client) do(ctx context.Context, req request) (string, error) {
	if !validParam(req.param) {
		return "", fmt.Errorf("pjlink %s: %w", req, ErrOutOfParameter)
	}
	callCtx, cancel := context.WithTimeout(ctx, c.opts.CommandTimeout)
	defer cancel()
	stop := context.AfterFunc(c.life, cancel)
	defer stop()

	if err := c.acquire(callCtx); err != nil {
		return "", c.wrap(ctx, callCtx, req, err, false)
	}
	defer func() { <-c.sem }()
	if expired(callCtx) {
		// Do not start (and then abandon) an exchange on a good
		// connection with no time left.
		return "", c.wrap(ctx, callCtx, req, context.DeadlineExceeded, false)
	}
	v, sent, err := c.exchange(callCtx, req)
	if err != nil {
		return "", c.wrap(ctx, callCtx, req, err, sent)
	}
	return v, nil
}

// expired reports whether ctx is done or past its deadline. The second can
// hold a moment before ctx's own timer fires, while I/O deadlines taken
// from it have fired already; checking both keeps the verdict stable.
func expired(ctx context.Context) bool {
	if ctx.Err() != nil {
		return true
	}
	d, ok := ctx.Deadline()
	return ok && !time.Now().Before(d)
}

// wrap gives an error the request it belongs to, and turns an ended call
// into the reason: Close, the caller's ctx, or our CommandTimeout.
func (c *Client) wrap(parent, call context.Context, req request, err error, sent bool) error {
	if expired(call) {
		switch {
		case c.life.Err() != nil:
			err = ErrClosed
		case parent.Err() != nil:
			err = parent.Err()
		case expired(parent):
			err = context.DeadlineExceeded
		default:
			err = fmt.Errorf("no reply within %v: %w", c.opts.CommandTimeout, context.DeadlineExceeded)
		}
	}
	if sent && !req.query() && !errors.Is(err, ErrOutcomeUnknown) && lost(err) {
		err = fmt.Errorf("%w: %w", ErrOutcomeUnknown, err)
	}
	return fmt.Errorf("pjlink %s: %w", req, err)
}

// lost reports whether err means the reply went missing (connection gone or
// timed out) rather than the device answering something.
func lost(err error) bool {
	var pe *ProtocolError
	if errors.As(err, &pe) || errors.Is(err, ErrAuth) {
		return false
	}
	for _, e := range deviceErrors {
		if errors.Is(err, e) {
			return false
		}
	}
	return true
}

// exchange runs the request on the current connection, redialling once if
// that is known to be safe. sent reports whether the device may have seen
// the request.
func (c *Client) exchange(ctx context.Context, req request) (v string, sent bool, err error) {
	for attempt := 0; ; attempt++ {
		cn, err := c.connection(ctx)
		if err != nil {
			return "", false, err
		}
		line, wrote, err := c.roundTrip(ctx, cn, req)
		if err == nil {
			v, err := c.check(cn, req, line)
			return v, true, err
		}
		c.drop(cn)
		if expired(ctx) || !lost(err) {
			return "", wrote, err
		}
		// Not delivered: safe to send again. Delivered but unanswered:
		// only a query may be asked again.
		if attempt == 0 && (!wrote || req.query()) {
			c.log.Debug("connection lost, redialling", "request", req.String(), "err", err)
			continue
		}
		return "", wrote, err
	}
}

func (c *Client) roundTrip(ctx context.Context, cn *conn, req request) (line string, wrote bool, err error) {
	deadline, _ := ctx.Deadline()
	n, err := cn.write(ctx, deadline, cn.digest+req.String()+"\r")
	if err != nil {
		return "", n > 0, err
	}
	cn.digest = "" // only the first command of a connection carries it
	line, err = cn.await(ctx)
	return line, true, err
}

// check parses the reply and makes sure it answers req. After ERRA (the
// device closes) or garbage (the stream is out of step) the connection is
// dropped, so the next command starts afresh.
func (c *Client) check(cn *conn, req request, line string) (string, error) {
	r, err := parseReply(line)
	var pe *ProtocolError
	switch {
	case errors.Is(err, ErrAuth):
		c.drop(cn)
		return "", err
	case errors.As(err, &pe):
		c.drop(cn)
		c.log.Warn("protocol error", "request", req.String(), "err", err)
		return "", err
	case r.class != req.class || r.body != req.body:
		c.drop(cn)
		err = newProtocolError("reply does not answer "+req.String(), line)
		c.log.Warn("protocol error", "err", err)
		return "", err
	}
	cn.lastUsed = time.Now()
	if err != nil {
		return "", err // ERR1–ERR4: the device answered, the connection is fine
	}
	return r.value, nil
}

// connection returns a usable connection, redialling when the device closed
// the old one or it sat idle too long.
func (c *Client) connection(ctx context.Context) (*conn, error) {
	if cn := c.cn; cn != nil {
		if stale := cn.drain(); len(stale) > 0 {
			c.log.Warn("discarded unsolicited lines", "count", len(stale), "first", stale[0])
		}
		switch {
		case !cn.alive():
			c.log.Debug("device closed the connection; redialling")
			c.drop(cn)
		case time.Since(cn.lastUsed) > idleReuse:
			c.log.Debug("connection idle too long; redialling")
			c.drop(cn)
		default:
			return cn, nil
		}
	}
	cn, err := c.dial(ctx)
	if err != nil {
		return nil, err
	}
	c.cn = cn
	return cn, nil
}

func (c *Client) drop(cn *conn) {
	cn.close()
	if c.cn == cn {
		c.cn = nil
	}
}

// dial connects and reads the greeting. With authentication the digest is
// kept for the first command, as the spec has no separate auth step.
func (c *Client) dial(ctx context.Context) (*conn, error) {
	dctx, cancel := context.WithTimeout(ctx, c.opts.DialTimeout)
	defer cancel()
	nc, err := c.opts.Dial(dctx, c.addr)
	if err != nil {
		return nil, fmt.Errorf("connect: %w", err)
	}
	br := bufio.NewReaderSize(nc, maxReplyLine)
	deadline, _ := dctx.Deadline()
	nc.SetReadDeadline(deadline)
	stop := interruptOn(dctx, nc.SetReadDeadline)
	line, err := readLine(br, maxReplyLine)
	stop()
	if err != nil {
		nc.Close()
		// The read deadline is dctx's, so a timeout here is dctx
		// running out, even if its own timer has not fired yet.
		if errors.Is(err, os.ErrDeadlineExceeded) || dctx.Err() != nil {
			return nil, fmt.Errorf("no greeting within %v: %w", c.opts.DialTimeout, context.DeadlineExceeded)
		}
		return nil, fmt.Errorf("read greeting: %w", err)
	}
	nc.SetReadDeadline(time.Time{})
	seed, auth, err := parseGreeting(line)
	if err != nil {
		nc.Close()
		return nil, err
	}
	var dg string
	if auth {
		if c.password == "" {
			nc.Close()
			return nil, fmt.Errorf("the projector requires a password: %w", ErrAuth)
		}
		dg = digest(seed, c.password)
	}
	c.log.Debug("connected", "auth", auth)
	return newConn(nc, br, dg), nil
}

// Class asks the device's PJLink class (1 or 2) and remembers it for the
// commands whose form depends on it.
func (c *Client) Class(ctx context.Context) (int, error) {
	v, err := c.do(ctx, request{'1', "CLSS", "?"})
	if err != nil {
		return 0, err
	}
	n, perr := strconv.Atoi(v)
	if perr != nil || n < 1 || n > 9 {
		return 0, newProtocolError("bad class", v)
	}
	c.class.Store(int32(n))
	return n, nil
}
