package tesira

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"
)

// Defaults, named so tests and the supervisor agree.
const (
	DefaultPort           = "23"
	DefaultDialTimeout    = 3 * time.Second
	DefaultCommandTimeout = 5 * time.Second
	// PublicationBuffer bounds the publications waiting for a reader.
	// When it is full the oldest is dropped, not the newest: a subscriber
	// that fell behind still learns the latest state of a microphone.
	PublicationBuffer = 256
	// outQueue bounds what waits for the writer: at most one command plus
	// refusals of option requests; more means the peer floods negotiation.
	outQueue = 16
)

// Options tune a Client; the zero value is usable.
type Options struct {
	// DialTimeout bounds connecting and waiting for the banner (3 s).
	DialTimeout time.Duration
	// CommandTimeout bounds each command from sending to its reply, and
	// each write (5 s).
	CommandTimeout time.Duration
	// Username and Password answer the login prompt of a protected
	// system (docs/protocols/tesira.md §10); without them a prompt ends
	// the dial with ErrLoginRequired.
	Username, Password string
	// Logger receives protocol oddities; silent by default.
	Logger *slog.Logger
	// Dial replaces net.Dialer (tests hand out one end of a net.Pipe).
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
}

func (o Options) withDefaults() Options {
	if o.DialTimeout <= 0 {
		o.DialTimeout = DefaultDialTimeout
	}
	if o.CommandTimeout <= 0 {
		o.CommandTimeout = DefaultCommandTimeout
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Dial == nil {
		var d net.Dialer
		o.Dial = d.DialContext
	}
	return o
}

// Client is one TTP session. It is safe for concurrent use; commands are
// sent one at a time because TTP matches replies to commands by order.
//
// One goroutine reads the connection and routes each line (replies to the
// waiting command, publications to Publications()); one writes, with a
// deadline per write. Nothing else touches the socket.
type Client struct {
	conn net.Conn
	opts Options
	log  *slog.Logger

	slot   chan struct{} // holds a token while a command is in flight
	out    chan []byte   // to the writer
	pubs   chan Publication
	banner chan struct{} // closed when the welcome banner arrived
	done   chan struct{} // closed when the session ends
	wg     sync.WaitGroup

	// login is how far the login has come; only the read loop touches it.
	login loginState

	mu      sync.Mutex
	pending *call
	err     error // why the session ended
}

// call is one command waiting for its reply.
type call struct {
	line  string
	res   chan result // buffered: whoever completes the call never blocks
	timer *time.Timer
}

type result struct {
	value string
	err   error
}

// Dial connects to a Tesira at addr (host or host:port, port 23 by
// default), refuses the Telnet options it proposes and returns once the
// welcome banner has arrived.
func Dial(ctx context.Context, addr string, opts Options) (*Client, error) {
	opts = opts.withDefaults()
	if _, _, err := net.SplitHostPort(addr); err != nil {
		addr = net.JoinHostPort(addr, DefaultPort)
	}
	dctx, cancel := context.WithTimeout(ctx, opts.DialTimeout)
	defer cancel()
	conn, err := opts.Dial(dctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("tesira: dial %s: %w", addr, err)
	}
	c := newClient(conn, opts.Logger.With("device", addr), opts)
	select {
	case <-c.banner:
		return c, nil
	case <-c.done:
		err = c.Err()
	case <-dctx.Done():
		err = dctx.Err()
		if errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil {
			err = fmt.Errorf("%w: no banner within %v", ErrTimeout, opts.DialTimeout)
		}
	}
	c.Close()
	return nil, fmt.Errorf("tesira: dial %s: %w", addr, err)
}

func newClient(conn net.Conn, log *slog.Logger, opts Options) *Client {
	c := &Client{
		conn:   conn,
		opts:   opts,
		log:    log,
		slot:   make(chan struct{}, 1),
		out:    make(chan []byte, outQueue),
		pubs:   make(chan Publication, PublicationBuffer),
		banner: make(chan struct{}),
		done:   make(chan struct{}),
	}
	c.wg.Add(2)
	go c.readLoop()
	go c.writeLoop()
	return c
}

// Publications delivers what subscriptions push, in order. It is closed
// when the session ends; subscriptions do not survive that (make them
// again after redialling).
func (c *Client) Publications() <-chan Publication { return c.pubs }

// Done is closed when the session has ended; Err then says why.
func (c *Client) Done() <-chan struct{} { return c.done }

// Err is nil while the session is up, and afterwards the reason it ended.
func (c *Client) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// Close ends the session and waits for its goroutines.
func (c *Client) Close() error {
	c.shutdown(ErrClosed)
	c.wg.Wait()
	return nil
}

// shutdown ends the session once, failing the command in flight.
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
	p := c.pending
	c.mu.Unlock()
	c.conn.Close()
	if p != nil {
		c.complete(p, result{err: cause})
	}
}

// do sends one command line and waits for its reply. If ctx ends first
// the caller goes, but the command keeps its slot until the reply has
// been read or the command timeout passes, so a late reply can never be
// taken for the next command's.
func (c *Client) do(ctx context.Context, line string) (string, error) {
	select {
	case c.slot <- struct{}{}:
	case <-ctx.Done():
		return "", ctx.Err()
	case <-c.done:
		return "", c.Err()
	}
	cl := &call{line: line, res: make(chan result, 1)}
	c.mu.Lock()
	if c.err != nil {
		err := c.err
		c.mu.Unlock()
		<-c.slot
		return "", err
	}
	c.pending = cl
	cl.timer = time.AfterFunc(c.opts.CommandTimeout, func() { c.expire(cl) })
	c.mu.Unlock()

	select {
	case c.out <- []byte(line + "\n"):
	case <-c.done:
		// shutdown completed the call.
	case <-ctx.Done():
		// Not sent, so no reply will come: give the slot back now.
		c.complete(cl, result{err: ctx.Err()})
	}
	select {
	case r := <-cl.res:
		return r.value, r.err
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

// complete ends a call exactly once and frees the slot for the next.
func (c *Client) complete(cl *call, r result) {
	c.mu.Lock()
	if c.pending != cl {
		c.mu.Unlock()
		return
	}
	c.pending = nil
	cl.timer.Stop()
	c.mu.Unlock()
	cl.res <- r
	<-c.slot
}

// expire fires when a command got no reply in time. The reply may still
// come, and nothing would tell it from the next command's, so the
// connection goes: the caller redials and subscribes again.
func (c *Client) expire(cl *call) {
	c.mu.Lock()
	mine := c.pending == cl
	c.mu.Unlock()
	if !mine {
		return
	}
	err := fmt.Errorf("%w: no reply to %q within %v", ErrTimeout, cl.line, c.opts.CommandTimeout)
	c.complete(cl, result{err: err})
	c.log.Warn("tesira: command timed out; dropping the connection to stay in step", "command", cl.line)
	c.shutdown(err)
}

// writeLoop is the only writer: commands and option refusals.
func (c *Client) writeLoop() {
	defer c.wg.Done()
	for {
		select {
		case b := <-c.out:
			c.conn.SetWriteDeadline(time.Now().Add(c.opts.CommandTimeout))
			if _, err := c.conn.Write(b); err != nil {
				c.shutdown(fmt.Errorf("write: %w", err))
				return
			}
		case <-c.done:
			return
		}
	}
}
