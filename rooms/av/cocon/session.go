package cocon

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"time"
)

// Session is one API connection kept alive: it connects, subscribes,
// reads the microphone state once (handed out as a MicrophoneState event,
// so a listener starts from the truth) and then long-polls for events.
// It survives what the API lets happen (§3.2): a 408 or a silent poll is
// asked again at once; a 400 (the id expired, or the server restarted) is
// a new Connect, subscriptions and a fresh state; a server that cannot be
// reached is tried again with backoff until Close. Events come in the
// server's order on one channel.
type Session struct {
	c      *Client
	events chan Event
	cancel context.CancelFunc
	done   chan struct{}

	mu        sync.Mutex
	err       error // the last failure (nil while polling works)
	reconnect int   // connections opened after the first
}

// Open connects (failing if the server cannot be reached) and starts the
// session.
func Open(ctx context.Context, c *Client) (*Session, error) {
	id, first, err := c.start(ctx)
	if err != nil {
		return nil, err
	}
	sctx, cancel := context.WithCancel(context.Background())
	s := &Session{c: c, events: make(chan Event, 64), cancel: cancel, done: make(chan struct{})}
	go s.run(sctx, id, first)
	return s, nil
}

// start connects, subscribes and reads the current microphone state.
func (c *Client) start(ctx context.Context) (string, Event, error) {
	id, err := c.Connect(ctx)
	if err != nil {
		return "", Event{}, err
	}
	for _, m := range c.opts.Models {
		if err := c.Subscribe(ctx, id, m); err != nil {
			return "", Event{}, err
		}
	}
	mics, err := c.MicrophoneState(ctx)
	if err != nil {
		return "", Event{}, err
	}
	data, _ := json.Marshal(mics)
	return id, Event{Name: "MicrophoneState", Data: data}, nil
}

// Events are the server's notifications; closed after Close.
func (s *Session) Events() <-chan Event { return s.events }

// Err is the last failure of the notification loop (nil while it works).
func (s *Session) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// Reconnects counts the connections opened after the first (tests).
func (s *Session) Reconnects() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.reconnect
}

// Close ends the session and waits for its loop.
func (s *Session) Close() error {
	s.cancel()
	<-s.done
	return nil
}

func (s *Session) setErr(err error) {
	s.mu.Lock()
	s.err = err
	s.mu.Unlock()
}

// Backoff between attempts against a server that cannot be reached.
const (
	minRetry = 200 * time.Millisecond
	maxRetry = 5 * time.Second
)

func (s *Session) run(ctx context.Context, id string, first Event) {
	defer close(s.done)
	defer close(s.events)
	defer func() {
		if id != "" {
			dctx, cancel := context.WithTimeout(context.Background(), time.Second)
			s.c.Disconnect(dctx, id)
			cancel()
		}
	}()
	emit := func(ev Event) bool {
		select {
		case s.events <- ev:
			return true
		case <-ctx.Done():
			return false
		}
	}
	if !emit(first) {
		return
	}
	wait := minRetry
	pause := func() bool {
		t := time.NewTimer(wait)
		defer t.Stop()
		wait = min(wait*2, maxRetry)
		select {
		case <-t.C:
			return true
		case <-ctx.Done():
			return false
		}
	}
	for ctx.Err() == nil {
		if id == "" {
			// Connect anew: the old id is gone.
			nid, ev, err := s.c.start(ctx)
			if err != nil {
				s.setErr(err)
				if !pause() {
					return
				}
				continue
			}
			id, wait = nid, minRetry
			s.mu.Lock()
			s.reconnect++
			s.err = nil
			s.mu.Unlock()
			if !emit(ev) {
				return
			}
		}
		evs, err := s.c.Notification(ctx, id)
		switch {
		case err == nil:
			wait = minRetry
			s.setErr(nil)
			for _, ev := range evs {
				if !emit(ev) {
					return
				}
			}
		case errors.Is(err, ErrPollTimeout):
			// Nothing happened: ask again at once.
		case errors.Is(err, ErrExpired):
			id = ""
		default:
			if ctx.Err() != nil {
				return
			}
			// Unreachable for now: the server keeps our events for a
			// while (§3.2), so the same id is tried again; if it has
			// expired meanwhile, the 400 leads to a new Connect.
			s.setErr(err)
			if !pause() {
				return
			}
		}
	}
}
