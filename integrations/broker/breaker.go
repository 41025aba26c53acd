package broker

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/kogge-project/kogge/integrations/gotomeeting"
	"github.com/kogge-project/kogge/integrations/pexip"
	"github.com/sony/gobreaker/v2"
)

// breakerTrip is how many consecutive outage-like failures open a
// provider's breaker; breakerOpen how long it stays open.
const (
	breakerTrip = 5
	breakerOpen = 30 * time.Second
)

// breaker is one provider's circuit breaker plus its last error.
type breaker struct {
	cb *gobreaker.CircuitBreaker[struct{}]

	mu      sync.Mutex
	lastErr string
}

func newBreaker(name string) *breaker {
	return &breaker{cb: gobreaker.NewCircuitBreaker[struct{}](gobreaker.Settings{
		Name:    name,
		Timeout: breakerOpen,
		ReadyToTrip: func(c gobreaker.Counts) bool {
			return c.ConsecutiveFailures >= breakerTrip
		},
		// A 4xx is the provider answering: it is up, the request is wrong.
		IsSuccessful: func(err error) bool { return err == nil || !outage(err) },
		// Our own shutdown says nothing about the provider.
		IsExcluded: func(err error) bool { return errors.Is(err, context.Canceled) },
	})}
}

// call runs fn through the breaker; an open breaker fails at once.
func (br *breaker) call(fn func() error) error {
	_, err := br.cb.Execute(func() (struct{}, error) { return struct{}{}, fn() })
	br.mu.Lock()
	if err != nil && !errors.Is(err, context.Canceled) {
		br.lastErr = err.Error()
	}
	br.mu.Unlock()
	return err
}

func (br *breaker) open() bool { return br.cb.State() == gobreaker.StateOpen }

func (br *breaker) lastError() string {
	br.mu.Lock()
	defer br.mu.Unlock()
	return br.lastErr
}

// health is "down" (open), "degraded" (half-open, or failing lately) or "up".
func (br *breaker) health() string {
	switch br.cb.State() {
	case gobreaker.StateOpen:
		return "down"
	case gobreaker.StateHalfOpen:
		return "degraded"
	}
	if br.cb.Counts().ConsecutiveFailures > 0 {
		return "degraded"
	}
	return "up"
}

// httpStatus digs the HTTP status out of a client error (0 if none).
func httpStatus(err error) int {
	if e, ok := errors.AsType[*gotomeeting.APIError](err); ok {
		return e.Status
	}
	if e, ok := errors.AsType[*pexip.APIError](err); ok {
		return e.Status
	}
	return 0
}

// outage: 5xx, timeouts, broken connections, ambiguous POSTs and open
// breakers; not 4xx (nor 429: the provider is up, only busy).
func outage(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, gobreaker.ErrOpenState) || errors.Is(err, gobreaker.ErrTooManyRequests) ||
		errors.Is(err, gotomeeting.ErrAmbiguous) || errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	if errors.Is(err, gotomeeting.ErrInvalidGrant) || errors.Is(err, errBackend) {
		return false
	}
	s := httpStatus(err)
	if s >= 400 && s < 500 {
		return false
	}
	return true // 5xx, transport errors
}

// errBackend marks errors of our own configuration (unknown licence, no
// client for an organizer): they do not trip the breaker.
var errBackend = errors.New("broker backend")
