package pexip

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"time"

	"golang.org/x/time/rate"
)

// Client talks to one Pexip Infinity Management Node with HTTP Basic auth.
// Create it with New; the exported fields may be adjusted before first use.
type Client struct {
	BaseURL  string // e.g. https://pexmgr.example, without /api/...
	Username string
	Password string
	HTTP     *http.Client

	// MaxAttempts bounds tries for idempotent requests (GET, PUT, DELETE).
	// POST and PATCH are sent once: a lost response could hide a created
	// VMR, and Kogge reconciles by name instead of guessing.
	MaxAttempts int
	// AttemptTimeout caps each try so a hung node counts as a failure.
	AttemptTimeout time.Duration
	// BaseBackoff doubles per retry up to MaxBackoff; half of it is jitter
	// so that several Kogge workers do not retry in lockstep.
	BaseBackoff, MaxBackoff time.Duration
	// Limiter keeps us under Pexip's 1000 requests / 60 s per node.
	Limiter *rate.Limiter
	// jitter returns a value in [0, d); replaced in tests.
	jitter func(d time.Duration) time.Duration
}

// New returns a client with conservative defaults.
func New(baseURL, username, password string) *Client {
	return &Client{
		BaseURL:        strings.TrimRight(baseURL, "/"),
		Username:       username,
		Password:       password,
		HTTP:           &http.Client{},
		MaxAttempts:    4,
		AttemptTimeout: 15 * time.Second,
		BaseBackoff:    500 * time.Millisecond,
		MaxBackoff:     8 * time.Second,
		// 15/s sustained with a small burst stays below 1000/60 s even
		// with other admin tools sharing the node.
		Limiter: rate.NewLimiter(rate.Limit(15), 10),
		jitter:  func(d time.Duration) time.Duration { return rand.N(d) },
	}
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func idempotent(method string) bool {
	return method == http.MethodGet || method == http.MethodPut || method == http.MethodDelete
}

// send is the only place that performs HTTP. It is unexported on purpose:
// callers go through the typed list/object helpers, so a PUT or DELETE on a
// ListURL cannot be expressed outside this file set.
func (c *Client) send(ctx context.Context, method, pathQuery string, body []byte) (*response, error) {
	attempts := 1
	if idempotent(method) && c.MaxAttempts > 1 {
		attempts = c.MaxAttempts
	}
	var lastErr error
	for i := range attempts {
		if i > 0 {
			if err := c.sleep(ctx, c.backoff(i)); err != nil {
				return nil, errors.Join(lastErr, err)
			}
		}
		resp, err := c.once(ctx, method, pathQuery, body)
		if err == nil {
			return resp, nil
		}
		lastErr = err
		if ctx.Err() != nil || !retryable(err) {
			return nil, err
		}
	}
	return nil, lastErr
}

func retryable(err error) bool {
	var e *APIError
	if errors.As(err, &e) {
		return e.Temporary()
	}
	return true // transport error or per-attempt timeout
}

func (c *Client) backoff(retry int) time.Duration {
	d := c.BaseBackoff << (retry - 1)
	if d > c.MaxBackoff || d <= 0 {
		d = c.MaxBackoff
	}
	if half := d / 2; half > 0 && c.jitter != nil {
		return half + c.jitter(half)
	}
	return d
}

func (c *Client) sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (c *Client) once(ctx context.Context, method, pathQuery string, body []byte) (*response, error) {
	if c.Limiter != nil {
		if err := c.Limiter.Wait(ctx); err != nil {
			return nil, err
		}
	}
	if c.AttemptTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.AttemptTimeout)
		defer cancel()
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.BaseURL+pathQuery, rd)
	if err != nil {
		return nil, err
	}
	req.SetBasicAuth(c.Username, c.Password)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	hr, err := c.HTTP.Do(req)
	if err != nil {
		return nil, fmt.Errorf("pexip: %s %s: %w", method, pathQuery, err)
	}
	defer hr.Body.Close()
	data, err := io.ReadAll(io.LimitReader(hr.Body, 32<<20))
	if err != nil {
		return nil, fmt.Errorf("pexip: %s %s: reading body: %w", method, pathQuery, err)
	}
	if hr.StatusCode >= 400 {
		return nil, parseAPIError(method, pathQuery, hr.StatusCode, data)
	}
	return &response{status: hr.StatusCode, header: hr.Header, body: data}, nil
}
