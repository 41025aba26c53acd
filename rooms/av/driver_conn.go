package av

import (
	"context"
	"errors"
	"io"
	"sync"
)

// session holds a driver's one protocol client. The supervisor calls a
// driver from its device goroutine, but Close can come from another, so
// the client sits behind a mutex; the three adapters share this.
type session[C io.Closer] struct {
	mu sync.Mutex
	c  C
	ok bool
}

var errNotConnected = errors.New("not connected")

// dial replaces the client with a new one (closing the old first).
func (s *session[C]) dial(ctx context.Context, open func(context.Context) (C, error)) error {
	s.close()
	c, err := open(ctx)
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.c, s.ok = c, true
	s.mu.Unlock()
	return nil
}

func (s *session[C]) client() (C, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.ok {
		var zero C
		return zero, errNotConnected
	}
	return s.c, nil
}

func (s *session[C]) close() error {
	s.mu.Lock()
	c, ok := s.c, s.ok
	var zero C
	s.c, s.ok = zero, false
	s.mu.Unlock()
	if ok {
		return c.Close()
	}
	return nil
}

// refusal marks err as the device's own answer when it is one of the
// protocol's refusal errors (see RefusedError).
func refusal[E error](err error) error {
	var e E
	if errors.As(err, &e) {
		return &RefusedError{Err: err}
	}
	return err
}
