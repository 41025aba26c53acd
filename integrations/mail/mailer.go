package mail

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// QueueSize is how many messages a Mailer holds before Enqueue refuses.
const QueueSize = 256

// Retry policy: five attempts spaced 15 s, 30 s, 1 min, 2 min apart cover
// a relay restart and common greylisting (which wants a retry after a
// minute or more) without holding the queue for long behind one message.
const (
	maxAttempts  = 5
	firstBackoff = 15 * time.Second
	maxBackoff   = 5 * time.Minute
)

var (
	// ErrQueueFull is returned by Enqueue when the mail server has been
	// failing long enough for 256 messages to pile up.
	ErrQueueFull = errors.New("mail: queue full")
	// ErrClosed is returned by Enqueue after Close.
	ErrClosed = errors.New("mail: mailer closed")
)

// Mailer sends messages in the background, one at a time, so that a slow
// or failing mail server never delays a booking.
type Mailer struct {
	cfg  Config
	log  *slog.Logger
	send func(context.Context, Config, Message) error

	attempts int
	backoff  time.Duration

	mu     sync.Mutex // guards closed and sending on queue vs. closing it
	closed bool
	queue  chan Message

	ctx    context.Context // cancelled when Close gives up
	cancel context.CancelFunc
	done   chan struct{}

	sent, failed atomic.Int64
}

// NewMailer starts the sender goroutine; Close stops it. A nil log
// discards.
func NewMailer(cfg Config, log *slog.Logger) *Mailer {
	return newMailer(cfg, log, Send)
}

func newMailer(cfg Config, log *slog.Logger, send func(context.Context, Config, Message) error) *Mailer {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	m := &Mailer{
		cfg: cfg.withDefaults(), log: log, send: send,
		attempts: maxAttempts, backoff: firstBackoff,
		queue: make(chan Message, QueueSize),
		done:  make(chan struct{}),
	}
	m.ctx, m.cancel = context.WithCancel(context.Background())
	go m.run()
	return m
}

// Enqueue validates msg and queues it. It never blocks: a full queue is an
// error for the caller to log, not a reason to stall a request.
func (m *Mailer) Enqueue(msg Message) error {
	from, err := m.cfg.validate()
	if err != nil {
		return err
	}
	// Rendering now reports a bad address or header at the call site,
	// where the booking that caused it is known.
	if _, err := msg.build(from, time.Now()); err != nil {
		return err
	}
	// The caller may reuse its slices once we return.
	msg.To = slices.Clone(msg.To)
	msg.ICS = bytes.Clone(msg.ICS)

	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return ErrClosed
	}
	select {
	case m.queue <- msg:
		return nil
	default:
		return ErrQueueFull
	}
}

// Sent counts messages the server accepted.
func (m *Mailer) Sent() int64 { return m.sent.Load() }

// Failed counts messages given up: permanent errors, retries exhausted,
// and messages still queued when Close gave up.
func (m *Mailer) Failed() int64 { return m.failed.Load() }

// Close stops accepting messages and sends those queued. If ctx ends
// first, it abandons the current attempt and the rest of the queue (they
// count as failed) and returns ctx's error. Either way the sender
// goroutine has exited when Close returns. Close may be called again.
func (m *Mailer) Close(ctx context.Context) error {
	m.mu.Lock()
	if !m.closed {
		m.closed = true
		close(m.queue)
	}
	m.mu.Unlock()
	defer m.cancel()
	select {
	case <-m.done:
		return nil
	case <-ctx.Done():
		m.cancel()
		<-m.done // prompt: every wait in the sender watches m.ctx
		return ctx.Err()
	}
}

func (m *Mailer) run() {
	defer close(m.done)
	for msg := range m.queue {
		if m.ctx.Err() != nil {
			m.failed.Add(1)
			m.log.Warn("mail: dropped at shutdown", "recipients", len(msg.To))
			continue
		}
		m.deliver(msg)
	}
}

func (m *Mailer) deliver(msg Message) {
	wait := m.backoff
	for attempt := 1; ; attempt++ {
		err := m.send(m.ctx, m.cfg, msg)
		if err == nil {
			m.sent.Add(1)
			m.log.Debug("mail: sent", "recipients", len(msg.To), "attempt", attempt)
			return
		}
		// Recipients' addresses stay out of the log: a booking's invitees
		// are personal data, and the count is enough to correlate.
		if !IsTemporary(err) || attempt >= m.attempts || m.ctx.Err() != nil {
			m.failed.Add(1)
			m.log.Error("mail: not sent", "recipients", len(msg.To), "attempts", attempt, "err", err)
			return
		}
		m.log.Warn("mail: will retry", "recipients", len(msg.To), "attempt", attempt, "in", wait, "err", err)
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-m.ctx.Done():
			t.Stop()
			m.failed.Add(1)
			m.log.Error("mail: not sent, shutting down", "recipients", len(msg.To), "attempts", attempt, "err", err)
			return
		}
		wait = min(2*wait, maxBackoff)
	}
}
