package web

import (
	"fmt"
	"io"
	"net"
	"net/netip"
	"sync"
	"time"
)

// Connection caps at the public listener (docs/security.md, "Limits"):
// without them one client holding tens of thousands of idle connections
// uses up the file descriptors, and then nothing answers, /healthz included.
// A connection past a cap is answered at once and closed, not left waiting
// in the kernel's queue: the client learns to come back later, and the
// daemon holds nothing for it.
const (
	// connRetryAfter is the Retry-After of a refused connection: long
	// enough for idle keep-alives elsewhere to time out, short enough that
	// a browser retrying sees the page soon.
	connRetryAfter = 10 * time.Second
	// connRefusalWrite bounds writing the refusal: it fits in any socket
	// buffer, so only a client that closed at once could make it block.
	connRefusalWrite = time.Second
	// connLinger is how long a refused connection's request is read and
	// dropped after the answer, and connLingering how many may linger at
	// once: closing with an unread request makes the kernel send a reset,
	// which can destroy the answer before the client reads it. Past
	// connLingering (a flood) refusals close at once.
	connLinger    = 500 * time.Millisecond
	connLingering = 64
)

// connLimits counts the open connections of a listener, in all and per
// remote address, and refuses those past either cap.
type connLimits struct {
	net.Listener
	max, perAddr int
	// exempt addresses (trusted reverse proxies) speak for many clients:
	// only the global cap applies to them.
	exempt func(netip.Addr) bool
	// reply: answer a refused connection with a minimal HTTP response.
	// Off when the listener is under TLS (the client expects a handshake,
	// not plain text): the connection is only closed.
	reply bool
	// refused is called for each refused connection (a log line); may be nil.
	refused func(addr netip.Addr, global bool)

	// lingering bounds the refused connections still being drained.
	lingering chan struct{}

	mu     sync.Mutex
	total  int
	byAddr map[netip.Addr]int
}

// LimitConnections caps ln's open connections at max in all and perAddr
// per remote address; exempt addresses (trusted reverse proxies) count in
// all only. Past a cap a connection is answered at once with 503 or 429
// and Retry-After when reply is set (not under TLS, where the client
// expects a handshake), else closed; refused hears of each (may be nil).
func LimitConnections(ln net.Listener, max, perAddr int, exempt []netip.Prefix, reply bool, refused func(addr netip.Addr, global bool)) net.Listener {
	l := newConnLimits(ln, max, perAddr, exempt, reply)
	l.refused = refused
	return l
}

func newConnLimits(ln net.Listener, max, perAddr int, exempt []netip.Prefix, reply bool) *connLimits {
	return &connLimits{Listener: ln, max: max, perAddr: perAddr, reply: reply, byAddr: map[netip.Addr]int{},
		lingering: make(chan struct{}, connLingering),
		exempt:    inPrefixes(exempt)}
}

// Accept returns the next connection within the caps; those past a cap
// are answered and closed here, and Accept goes on to the next.
func (l *connLimits) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		addr := remoteAddr(c)
		ok, global := l.take(addr)
		if ok {
			return &limitedConn{Conn: c, release: func() { l.release(addr) }}, nil
		}
		if l.refused != nil {
			l.refused(addr, global)
		}
		l.refuse(c, global)
	}
}

// take counts a new connection from addr if both caps allow it; global
// says which cap refused it.
func (l *connLimits) take(addr netip.Addr) (ok, global bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.total >= l.max {
		return false, true
	}
	if addr.IsValid() && !l.exempt(addr) {
		if l.byAddr[addr] >= l.perAddr {
			return false, false
		}
		l.byAddr[addr]++
	}
	l.total++
	return true, false
}

func (l *connLimits) release(addr netip.Addr) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.total--
	if n, ok := l.byAddr[addr]; ok {
		if n <= 1 {
			delete(l.byAddr, addr)
		} else {
			l.byAddr[addr] = n - 1
		}
	}
}

// refuse answers 503 (the server is full) or 429 (this address holds its
// share) with Retry-After, in plain words, and closes the connection
// without serving the request.
func (l *connLimits) refuse(c net.Conn, global bool) {
	if !l.reply {
		c.Close()
		return
	}
	status, text := "429 Too Many Requests", "Too many open connections from your address. Close some, or try again shortly.\n"
	if global {
		status, text = "503 Service Unavailable", "The server has too many open connections. Try again shortly.\n"
	}
	_ = c.SetWriteDeadline(time.Now().Add(connRefusalWrite))
	_, _ = fmt.Fprintf(c, "HTTP/1.1 %s\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: %d\r\nRetry-After: %d\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n%s",
		status, len(text), int(connRetryAfter/time.Second), text)
	tc, ok := c.(*net.TCPConn)
	if !ok {
		c.Close()
		return
	}
	select {
	case l.lingering <- struct{}{}:
	default:
		c.Close()
		return
	}
	_ = tc.CloseWrite()
	go func() {
		defer func() { <-l.lingering }()
		defer c.Close()
		_ = c.SetReadDeadline(time.Now().Add(connLinger))
		_, _ = io.Copy(io.Discard, io.LimitReader(c, 64<<10))
	}()
}

// remoteAddr is the connection's peer address without port or IPv4-in-IPv6
// mapping (the invalid Addr for a non-IP peer).
func remoteAddr(c net.Conn) netip.Addr {
	if a, ok := c.RemoteAddr().(*net.TCPAddr); ok {
		if ip, ok := netip.AddrFromSlice(a.IP); ok {
			return ip.Unmap()
		}
	}
	return netip.Addr{}
}

// limitedConn gives its place back when it is closed (once, however often
// Close is called: the HTTP server and a WebSocket may both close it).
type limitedConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *limitedConn) Close() error {
	// The place is free before the peer sees the close, so a client that
	// waits for the end of its connection finds it free.
	c.once.Do(c.release)
	return c.Conn.Close()
}
