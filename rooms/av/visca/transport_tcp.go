package visca

import (
	"context"
	"net"
)

// tcpTransport speaks raw VISCA over a byte stream: no header, no sequence
// numbers, messages ended by FF. Replies are matched by socket instead
// (see accept).
type tcpTransport struct {
	*inbox
}

func newTCPTransport(conn net.Conn, opts Options) *tcpTransport {
	t := &tcpTransport{inbox: newInbox(conn, opts.Logger)}
	go t.read()
	return t
}

func (t *tcpTransport) read() {
	var f framer
	buf := make([]byte, 256)
	for {
		n, err := t.conn.Read(buf)
		f.feed(buf[:n], func(msg []byte, err error) {
			if err != nil {
				t.post(event{err: err})
				return
			}
			r, err := parseMessage(msg)
			t.post(event{r: r, err: err})
		})
		if err != nil {
			t.end(err)
			return
		}
	}
}

// framer splits a byte stream at FF. A run longer than any VISCA message
// is reported once and skipped up to the next FF, which resynchronises
// the stream.
type framer struct {
	buf      [maxMessage]byte
	n        int
	overflow bool
}

func (f *framer) feed(p []byte, emit func(msg []byte, err error)) {
	for _, b := range p {
		if f.overflow {
			if b == terminator {
				f.overflow = false
			}
			continue
		}
		if f.n == len(f.buf) {
			emit(nil, newProtocolError("no FF within 16 bytes", f.buf[:f.n]))
			f.n, f.overflow = 0, b != terminator
			continue
		}
		f.buf[f.n] = b
		f.n++
		if b == terminator {
			msg := make([]byte, f.n)
			copy(msg, f.buf[:f.n])
			f.n = 0
			emit(msg, nil)
		}
	}
}

func (t *tcpTransport) exchange(ctx context.Context, msg []byte, inquiry bool) ([]byte, error) {
	t.drain()
	deadline, _ := ctx.Deadline() // zero: none
	t.conn.SetWriteDeadline(deadline)
	if _, err := t.conn.Write(msg); err != nil {
		if ctx.Err() != nil {
			// The deadline cut the write short; the stream may hold half
			// a message now, so it cannot be used further.
			t.conn.Close()
			return nil, context.Cause(ctx)
		}
		return nil, t.writeFailed(err, true)
	}
	socket := -1 // the ACK's socket once it has come
	for {
		select {
		case <-ctx.Done():
			return nil, context.Cause(ctx)
		case <-t.done:
			return nil, t.err
		case ev := <-t.events:
			if ev.err != nil {
				return nil, ev.err
			}
			done, data, err := accept(ev.r, inquiry, &socket)
			if done {
				return data, err
			}
			t.log.Debug("visca: reply ignored", "kind", ev.r.kind, "socket", ev.r.socket)
		}
	}
}

// accept decides whether r answers the message in flight. Without sequence
// numbers a late reply to an abandoned command could pass for ours, so:
// a command's completion counts only on the socket its ACK named;
// "canceled" and "no socket" only on that socket too (before the ACK they
// concern an earlier command); the other errors (syntax, buffer full, not
// executable) come instead of an ACK and count at once.
func accept(r reply, inquiry bool, socket *int) (done bool, data []byte, err error) {
	switch r.kind {
	case replyAck:
		if !inquiry && *socket < 0 {
			*socket = r.socket
		}
	case replyCompletion:
		if inquiry && r.socket == 0 {
			return true, r.data, nil
		}
		if !inquiry && r.socket == *socket {
			return true, nil, nil
		}
	case replyError:
		derr := &DeviceError{Code: r.code, Socket: r.socket}
		if r.code == ErrCommandCanceled.Code || r.code == ErrNoSocket.Code {
			if !inquiry && r.socket == *socket {
				return true, nil, derr
			}
			return false, nil, nil
		}
		return true, nil, derr
	}
	return false, nil, nil
}
