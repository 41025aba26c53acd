package visca

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"syscall"
	"time"
)

// udpTransport speaks Sony VISCA over IP. The conn is connected to the
// camera (net.Dial "udp", or an in-memory datagram pipe in tests) so every
// Read is one datagram from it.
type udpTransport struct {
	*inbox
	opts Options
	seq  uint32 // the last sequence number sent; owned by the turn holder
	buf  []byte // reused send buffer
}

func newUDPTransport(conn net.Conn, opts Options) *udpTransport {
	t := &udpTransport{inbox: newInbox(conn, opts.Logger), opts: opts, buf: make([]byte, 0, maxDatagram)}
	go t.read()
	return t
}

// dialUDP binds local port 52381 when it is free, since some cameras answer
// there whatever the sender's port (docs/protocols/visca.md §3); otherwise
// any port.
func dialUDP(ctx context.Context, network, addr string) (net.Conn, error) {
	d := net.Dialer{LocalAddr: &net.UDPAddr{Port: PortIP}}
	if c, err := d.DialContext(ctx, network, addr); err == nil {
		return c, nil
	}
	var any net.Dialer
	return any.DialContext(ctx, network, addr)
}

// readBuf is larger than any valid datagram so oversized garbage is seen
// whole and rejected rather than truncated into something plausible.
const readBuf = 1500

func (t *udpTransport) read() {
	buf := make([]byte, readBuf)
	for {
		n, err := t.conn.Read(buf)
		if err != nil {
			// A connected UDP socket reports an ICMP port unreachable as
			// ECONNREFUSED on the next read: the camera is off, not the
			// socket broken. Fail the exchange, keep reading.
			if errors.Is(err, syscall.ECONNREFUSED) && !t.closing.Load() {
				t.post(event{err: fmt.Errorf("camera unreachable: %w", err)})
				continue
			}
			t.end(err)
			return
		}
		seq, r, err := parseReply(bytes.Clone(buf[:n]))
		t.post(event{seq: seq, r: r, err: err})
	}
}

// reset sends RESET (sequence 0) and waits for its ack; the next message
// is then sequence 1.
func (t *udpTransport) reset(ctx context.Context) error {
	_, err := t.transact(ctx, typeControl, 0, controlReset, func(ev event) (bool, []byte, error) {
		return ev.r.kind == replyResetAck, nil, nil
	})
	if err == nil {
		t.seq = 0
	}
	return err
}

func (t *udpTransport) exchange(ctx context.Context, msg []byte, inquiry bool) ([]byte, error) {
	data, err := t.send(ctx, msg, inquiry)
	if errors.Is(err, ErrSequence) {
		// The camera lost track (rebooted, or another controller reset
		// it): RESET and try once more.
		t.log.Warn("visca: camera rejected sequence number, resetting", "seq", t.seq)
		if err := t.reset(ctx); err != nil {
			return nil, fmt.Errorf("reset after sequence error: %w", err)
		}
		data, err = t.send(ctx, msg, inquiry)
		if errors.Is(err, ErrSequence) {
			return nil, fmt.Errorf("%w, even after RESET", err)
		}
	}
	return data, err
}

// send sends one VISCA message under the next sequence number and waits for
// the replies carrying it.
func (t *udpTransport) send(ctx context.Context, msg []byte, inquiry bool) ([]byte, error) {
	t.seq++
	seq, typ := t.seq, typeCommand
	if inquiry {
		typ = typeInquiry
	}
	return t.transact(ctx, typ, seq, msg, func(ev event) (bool, []byte, error) {
		if ev.seq != seq {
			t.log.Debug("visca: reply for another sequence number ignored", "seq", ev.seq, "want", seq)
			return false, nil, nil
		}
		switch ev.r.kind {
		case replySeqError:
			return true, nil, ErrSequence
		case replyTypeError:
			return true, nil, ErrMessageType
		case replyError:
			return true, nil, &DeviceError{Code: ev.r.code, Socket: ev.r.socket}
		case replyCompletion:
			if inquiry && ev.r.socket != 0 {
				return true, nil, newProtocolError("inquiry answered by a socket completion", nil)
			}
			return true, ev.r.data, nil
		}
		return false, nil, nil // ACK: keep waiting for the completion
	})
}

// transact sends one datagram and feeds replies to match until it decides.
// While nothing at all has come back for this datagram it is resent every
// RetransmitAfter with the same sequence number, at most Retransmit times;
// after that the exchange fails with ErrTimeout. Any reply for seq (an ACK)
// shows the camera has it and stops the resending; the wait for the
// completion is then bounded by ctx alone.
func (t *udpTransport) transact(ctx context.Context, typ payloadType, seq uint32, payload []byte,
	match func(event) (done bool, data []byte, err error)) ([]byte, error) {
	t.buf = appendDatagram(t.buf[:0], typ, seq, payload)
	t.drain()
	if _, err := t.conn.Write(t.buf); err != nil {
		return nil, t.writeFailed(err, false)
	}
	timer := time.NewTimer(t.opts.RetransmitAfter)
	defer timer.Stop()
	sent := 1
	for {
		select {
		case <-ctx.Done():
			return nil, context.Cause(ctx)
		case <-t.done:
			return nil, t.err
		case <-timer.C:
			if sent > t.opts.Retransmit {
				return nil, fmt.Errorf("%w: nothing back after %d sends of sequence %d", ErrTimeout, sent, seq)
			}
			t.log.Debug("visca: retransmitting", "seq", seq, "attempt", sent)
			if _, err := t.conn.Write(t.buf); err != nil {
				return nil, t.writeFailed(err, false)
			}
			sent++
			timer.Reset(t.opts.RetransmitAfter)
		case ev := <-t.events:
			if ev.err != nil {
				return nil, ev.err
			}
			if ev.r.kind == replyOther {
				continue
			}
			done, data, err := match(ev)
			if done {
				return data, err
			}
			if ev.seq == seq {
				timer.Stop()
			}
		}
	}
}
