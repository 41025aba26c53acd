package gotomeeting

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Config is shared by the clients of all organizers.
type Config struct {
	// BaseURL of the meeting API; default https://api.getgo.com/G2M/rest.
	BaseURL string
	// JoinURLBase builds join links for meetings found by reference (GET
	// does not return joinURL); default https://global.gotomeeting.com/join/.
	JoinURLBase string
	OAuth       OAuthConfig
	Store       TokenStore
	HTTPClient  *http.Client
	// Limiter is shared by all organizers' clients: GoTo's 10 requests/s
	// is per API. Nil means NewLimiter().
	Limiter *rate.Limiter
	// MaxAttempts bounds tries per request (default 5).
	MaxAttempts int
	// AttemptTimeout bounds one HTTP exchange (default 20s) so a hung
	// server turns into a retry (or, for a POST, a lookup).
	AttemptTimeout time.Duration
	// BackoffBase/BackoffMax shape exponential backoff (default 250ms/10s).
	BackoffBase, BackoffMax time.Duration
	// MaxRetryAfter caps how long a 429's Retry-After is honoured (default
	// 60s); longer waits are returned to the caller as errors.
	MaxRetryAfter time.Duration
	// Jitter returns a value in [0,1); default math/rand/v2. Tests pin it.
	Jitter func() float64
}

const (
	DefaultBaseURL     = "https://api.getgo.com/G2M/rest"
	DefaultJoinURLBase = "https://global.gotomeeting.com/join/"
	// RequestsPerSecond is GoTo's documented default limit per API.
	RequestsPerSecond = 10
)

// NewLimiter is a limiter matching GoTo's documented rate limit. The burst
// equals the rate so a full second's budget is never exceeded.
func NewLimiter() *rate.Limiter { return rate.NewLimiter(RequestsPerSecond, RequestsPerSecond) }

// Client talks to the meeting API as one organizer.
type Client struct {
	cfg       Config
	organizer string
	hc        *http.Client

	tokMu sync.Mutex
	tok   Token
}

// New returns a client acting for organizer, whose tokens live in
// cfg.Store under that name.
func New(cfg Config, organizer string) *Client {
	if cfg.BaseURL == "" {
		cfg.BaseURL = DefaultBaseURL
	}
	if cfg.JoinURLBase == "" {
		cfg.JoinURLBase = DefaultJoinURLBase
	}
	if cfg.Limiter == nil {
		cfg.Limiter = NewLimiter()
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 5
	}
	if cfg.AttemptTimeout <= 0 {
		cfg.AttemptTimeout = 20 * time.Second
	}
	if cfg.BackoffBase <= 0 {
		cfg.BackoffBase = 250 * time.Millisecond
	}
	if cfg.BackoffMax <= 0 {
		cfg.BackoffMax = 10 * time.Second
	}
	if cfg.MaxRetryAfter <= 0 {
		cfg.MaxRetryAfter = time.Minute
	}
	if cfg.Jitter == nil {
		cfg.Jitter = rand.Float64
	}
	if cfg.Store == nil {
		cfg.Store = &MemoryTokenStore{}
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = http.DefaultClient
	}
	return &Client{cfg: cfg, organizer: organizer, hc: hc}
}

// Organizer is the name this client acts for.
func (c *Client) Organizer() string { return c.organizer }

// backoff is "equal jitter": half fixed, half random, so retries of many
// clients spread out but each still waits a meaningful minimum.
func (c *Client) backoff(attempt int) time.Duration {
	d := c.cfg.BackoffBase << attempt
	if d > c.cfg.BackoffMax || d <= 0 {
		d = c.cfg.BackoffMax
	}
	return d/2 + time.Duration(c.cfg.Jitter()*float64(d/2))
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// do runs one API call with the retry policy:
//   - 401 / 403 InvalidToken: refresh once and retry (the request was not
//     processed, so this is safe for POST too);
//   - 429: wait Retry-After (or backoff) and retry; the gateway rejected the
//     request before processing, so also safe for POST;
//   - 5xx, timeouts, transport errors: retry with backoff only if the
//     method is idempotent; a POST returns ErrAmbiguous instead.
func (c *Client) do(ctx context.Context, method, path string, in, out any) error {
	idempotent := method != http.MethodPost
	var body []byte
	if in != nil {
		var err error
		if body, err = json.Marshal(in); err != nil {
			return err
		}
	}
	refreshed := false
	tok, err := c.accessToken(ctx)
	if err != nil {
		return err
	}
	var lastErr error
	for attempt := 0; attempt < c.cfg.MaxAttempts; attempt++ {
		if err := c.cfg.Limiter.Wait(ctx); err != nil {
			return err
		}
		status, h, rb, err := c.exchange(ctx, method, path, body, tok)
		if err != nil {
			if !idempotent {
				return fmt.Errorf("%w: %s %s: %w", ErrAmbiguous, method, path, err)
			}
			if ctx.Err() != nil {
				return ctx.Err()
			}
			lastErr = err
			if err := sleep(ctx, c.backoff(attempt)); err != nil {
				return err
			}
			continue
		}
		if status >= 200 && status < 300 {
			if out == nil || status == http.StatusNoContent {
				return nil
			}
			if err := json.Unmarshal(rb, out); err != nil {
				return fmt.Errorf("gotomeeting: %s %s: decoding: %w", method, path, err)
			}
			return nil
		}
		apiErr := parseAPIError(status, rb, h, time.Now())
		lastErr = apiErr
		switch {
		case apiErr.isTokenError() && !refreshed:
			refreshed = true
			if tok, err = c.forceRefresh(ctx, tok); err != nil {
				return err
			}
			attempt-- // a token refresh is not a failed attempt
			continue
		case status == http.StatusTooManyRequests:
			wait := apiErr.RetryAfter
			if wait == 0 {
				wait = c.backoff(attempt)
			}
			if wait > c.cfg.MaxRetryAfter {
				return apiErr
			}
			if err := sleep(ctx, wait); err != nil {
				return err
			}
			continue
		case status >= 500:
			if !idempotent {
				return fmt.Errorf("%w: %w", ErrAmbiguous, apiErr)
			}
			if err := sleep(ctx, c.backoff(attempt)); err != nil {
				return err
			}
			continue
		default:
			return apiErr
		}
	}
	return fmt.Errorf("gotomeeting: %s %s: giving up after %d attempts: %w", method, path, c.cfg.MaxAttempts, lastErr)
}

// exchange is one HTTP round trip bounded by AttemptTimeout.
func (c *Client) exchange(ctx context.Context, method, path string, body []byte, tok string) (int, http.Header, []byte, error) {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.AttemptTimeout)
	defer cancel()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.cfg.BaseURL+path, rd)
	if err != nil {
		return 0, nil, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	rb, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return 0, nil, nil, err
	}
	return resp.StatusCode, resp.Header, rb, nil
}
