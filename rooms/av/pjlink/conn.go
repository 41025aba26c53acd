package pjlink

import (
	"bufio"
	"context"
	"io"
	"net"
	"sync"
	"time"
)

// aLongTimeAgo is a deadline in the past: setting it makes blocked I/O
// return at once.
var aLongTimeAgo = time.Unix(1, 0)

// conn is one TCP connection to the device. A reader goroutine reads lines
// as they come, so a close by the device (its 30 s idle timeout) is noticed
// while we are idle, and the next command redials instead of finding out
// only after sending — when a lost set command would be ambiguous.
type conn struct {
	nc       net.Conn
	lines    chan string
	dead     chan struct{} // closed when the reader stops; readErr is set then
	quit     chan struct{}
	readErr  error
	digest   string    // auth prefix for the first command; "" once sent
	lastUsed time.Time // guarded by the client's semaphore
	once     sync.Once
}

func newConn(nc net.Conn, br *bufio.Reader, digest string) *conn {
	c := &conn{
		nc:       nc,
		lines:    make(chan string, 1),
		dead:     make(chan struct{}),
		quit:     make(chan struct{}),
		digest:   digest,
		lastUsed: time.Now(),
	}
	go c.readLoop(br)
	return c
}

func (c *conn) readLoop(br *bufio.Reader) {
	defer close(c.dead)
	for {
		line, err := readLine(br, maxReplyLine)
		if err != nil {
			c.readErr = err
			return
		}
		select {
		case c.lines <- line:
		case <-c.quit:
			c.readErr = net.ErrClosed
			return
		}
	}
}

// close closes the socket and waits for the reader, so no goroutine
// outlives the connection.
func (c *conn) close() {
	c.once.Do(func() {
		close(c.quit)
		c.nc.Close()
	})
	<-c.dead
}

func (c *conn) alive() bool {
	select {
	case <-c.dead:
		return false
	default:
		return true
	}
}

// drain discards lines nobody asked for. A reply arrives only after its
// request and every request waits for its reply or drops the connection,
// so anything here came unsolicited and would otherwise be taken for the
// next reply.
func (c *conn) drain() (stale []string) {
	for {
		select {
		case l := <-c.lines:
			stale = append(stale, l)
		default:
			return stale
		}
	}
}

// write sends one line, bounded by deadline and ctx. n > 0 means the device
// may have received (part of) it.
func (c *conn) write(ctx context.Context, deadline time.Time, line string) (int, error) {
	c.nc.SetWriteDeadline(deadline)
	stop := interruptOn(ctx, c.nc.SetWriteDeadline)
	defer stop()
	return io.WriteString(c.nc, line)
}

// await returns the next line, the reader's error, or ctx's end.
func (c *conn) await(ctx context.Context) (string, error) {
	select {
	case l := <-c.lines:
		return l, nil
	case <-c.dead:
		// The reader delivers a line before it stops, so a line and
		// the close can both be ready: the line wins.
		select {
		case l := <-c.lines:
			return l, nil
		default:
			return "", c.readErr
		}
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

// interruptOn makes blocked I/O return once ctx ends by moving a deadline
// into the past. The returned stop waits for that to finish if it already
// began, so it cannot land on a later operation unnoticed.
func interruptOn(ctx context.Context, setDeadline func(time.Time) error) (stop func()) {
	fired := make(chan struct{})
	s := context.AfterFunc(ctx, func() {
		setDeadline(aLongTimeAgo)
		close(fired)
	})
	return func() {
		if !s() {
			<-fired
		}
	}
}
