package visca

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
)

// event is one thing a connection's reader saw: a reply (with its sequence
// number on UDP) or an unparseable message.
type event struct {
	seq uint32
	r   reply
	err error
}

// inboxSize bounds replies waiting for an exchange; more are dropped, since
// with one command in flight nothing legitimate queues that deep.
const inboxSize = 16

// inbox hands replies from a connection's one reader goroutine to the
// exchange holding the client's turn. The reader never writes; the
// exchange is the only writer.
type inbox struct {
	conn   net.Conn
	log    *slog.Logger
	events chan event
	done   chan struct{} // closed when the reader has ended
	err    error         // why it ended; written before done closes

	closing   atomic.Bool
	closeOnce sync.Once
}

func newInbox(conn net.Conn, log *slog.Logger) *inbox {
	return &inbox{conn: conn, log: log, events: make(chan event, inboxSize), done: make(chan struct{})}
}

// post never blocks: a reader stuck on a full inbox would stop reading the
// socket, and a camera flooding garbage must not wedge the client.
func (b *inbox) post(ev event) {
	select {
	case b.events <- ev:
	default:
		b.log.Debug("visca: reply dropped, inbox full")
	}
}

// drain discards replies that arrived before the next message goes out:
// they answer an earlier, abandoned one.
func (b *inbox) drain() {
	for {
		select {
		case ev := <-b.events:
			b.log.Debug("visca: stale reply discarded", "seq", ev.seq, "err", ev.err)
		default:
			return
		}
	}
}

// end records why the reader stopped; call it once, from the reader.
func (b *inbox) end(err error) {
	if b.closing.Load() {
		b.err = ErrClosed
	} else {
		b.err = fmt.Errorf("%w: %v", ErrClosed, err)
	}
	close(b.done)
}

func (b *inbox) gone() <-chan struct{} { return b.done }

// writeFailed turns a failed write into the error to return. On a stream
// a failed write may have left half a message, so the connection is
// closed for good; on UDP only a closed socket is fatal (a refused
// datagram just means the camera is not there now).
func (b *inbox) writeFailed(err error, stream bool) error {
	if b.closing.Load() {
		return ErrClosed
	}
	if stream || errors.Is(err, net.ErrClosed) {
		b.conn.Close()
		return fmt.Errorf("%w: %v", ErrClosed, err)
	}
	return err
}

func (b *inbox) close() error {
	var err error
	b.closeOnce.Do(func() {
		b.closing.Store(true)
		err = b.conn.Close()
	})
	<-b.done
	return err
}
