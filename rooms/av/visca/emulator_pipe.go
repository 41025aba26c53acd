package visca

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"
)

// Dialer returns a dial function for Options.Dial that connects to this
// emulator in memory: "tcp" through net.Pipe, "udp" through a datagram
// pipe (see newPacketPipe). Tests use it to run clients inside a
// testing/synctest bubble, where real sockets would not let time be fake.
func (e *Emulator) Dialer() func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		switch network {
		case "tcp", "tcp4", "tcp6":
			client, server := net.Pipe()
			if err := e.ServeConn(server); err != nil {
				client.Close()
				server.Close()
				return nil, err
			}
			return client, nil
		case "udp", "udp4", "udp6":
			e.mu.Lock()
			e.pipes++
			n := e.pipes
			e.mu.Unlock()
			client, server := newPacketPipe(memAddr(fmt.Sprintf("client-%d", n)), memAddr(addr))
			if err := e.ServePacket(server); err != nil {
				client.Close()
				server.Close()
				return nil, err
			}
			return client, nil
		}
		return nil, fmt.Errorf("visca emulator: cannot dial %q", network)
	}
}

type memAddr string

func (a memAddr) Network() string { return "mem" }
func (a memAddr) String() string  { return string(a) }

// pipeQueue bounds datagrams in flight per direction; more are lost, as
// on a real network.
const pipeQueue = 64

// newPacketPipe links a client net.Conn (like a connected UDP socket: one
// Write, one datagram; one Read, one datagram) with a server
// net.PacketConn that sees the client as its one peer. It is made of
// channels only, so goroutines blocked on it are durably blocked in a
// synctest bubble. Writes never block; a full queue loses the datagram.
func newPacketPipe(clientAddr, serverAddr memAddr) (*pipeConn, *pipePacketConn) {
	a, b := make(chan []byte, pipeQueue), make(chan []byte, pipeQueue)
	client := &pipeEnd{local: clientAddr, remote: serverAddr, recv: a, send: b, done: make(chan struct{})}
	server := &pipeEnd{local: serverAddr, remote: clientAddr, recv: b, send: a, done: make(chan struct{})}
	return &pipeConn{client}, &pipePacketConn{server}
}

type pipeEnd struct {
	local, remote memAddr
	recv, send    chan []byte
	done          chan struct{}
	once          sync.Once
}

func (p *pipeEnd) read(b []byte) (int, error) {
	select {
	case <-p.done:
		return 0, net.ErrClosed
	default:
	}
	select {
	case d := <-p.recv:
		return copy(b, d), nil
	case <-p.done:
		return 0, net.ErrClosed
	}
}

func (p *pipeEnd) write(b []byte) (int, error) {
	select {
	case <-p.done:
		return 0, net.ErrClosed
	default:
	}
	select {
	case p.send <- bytes.Clone(b):
	default: // lost
	}
	return len(b), nil
}

func (p *pipeEnd) Close() error {
	p.once.Do(func() { close(p.done) })
	return nil
}

func (p *pipeEnd) LocalAddr() net.Addr { return p.local }

// Read deadlines are not supported; nothing here needs them (readers end
// on Close). Writes never block, so a write deadline is trivially met.
func (p *pipeEnd) SetDeadline(time.Time) error      { return errors.ErrUnsupported }
func (p *pipeEnd) SetReadDeadline(time.Time) error  { return errors.ErrUnsupported }
func (p *pipeEnd) SetWriteDeadline(time.Time) error { return nil }

// pipeConn is the client end.
type pipeConn struct{ *pipeEnd }

func (c *pipeConn) Read(b []byte) (int, error)  { return c.read(b) }
func (c *pipeConn) Write(b []byte) (int, error) { return c.write(b) }
func (c *pipeConn) RemoteAddr() net.Addr        { return c.remote }

// pipePacketConn is the server end.
type pipePacketConn struct{ *pipeEnd }

func (c *pipePacketConn) ReadFrom(b []byte) (int, net.Addr, error) {
	n, err := c.read(b)
	if err != nil {
		return 0, nil, err
	}
	return n, c.remote, nil
}

// WriteTo delivers to the one peer; datagrams for any other address are
// lost, as they would be unroutable.
func (c *pipePacketConn) WriteTo(b []byte, addr net.Addr) (int, error) {
	if addr == nil || addr.String() != c.remote.String() {
		return len(b), nil
	}
	return c.write(b)
}
