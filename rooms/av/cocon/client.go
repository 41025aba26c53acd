package cocon

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// Options for a Client; the zero value works.
type Options struct {
	// HTTP is the client for the short requests (nil: one with
	// CommandTimeout). Notification requests use their own deadline.
	HTTP *http.Client
	// CommandTimeout bounds Connect, Subscribe, SetState, GetState
	// (default 5 s).
	CommandTimeout time.Duration
	// PollTimeout is how long one Notification request may stay open
	// before the client gives up on it and asks again. The server answers
	// 408 after 30 s by itself (§3.2); default 35 s.
	PollTimeout time.Duration
	// Models to subscribe to (default Microphone and Delegate).
	Models []string
}

// Errors the client returns.
var (
	// ErrPollTimeout: a notification request ended without an event
	// (408, or the client's own deadline): ask again.
	ErrPollTimeout = errors.New("cocon: notification timed out")
	// ErrExpired: the server does not know the connection id (400):
	// connect anew (§3.2).
	ErrExpired = errors.New("cocon: connection id expired or unknown")
	// ErrRefused: the server took the command but said no (result 1 or
	// -1, §3.4).
	ErrRefused = errors.New("cocon: command refused")
)

// Client sends the API's requests to one CoCon server.
type Client struct {
	base string // http://host:port/CoCon
	hc   *http.Client
	opts Options
}

// NewClient talks to the CoCon server at addr (host:port).
func NewClient(addr string, opts Options) *Client {
	if opts.CommandTimeout <= 0 {
		opts.CommandTimeout = 5 * time.Second
	}
	if opts.PollTimeout <= 0 {
		opts.PollTimeout = 35 * time.Second
	}
	if len(opts.Models) == 0 {
		opts.Models = []string{ModelMicrophone, ModelDelegate}
	}
	hc := opts.HTTP
	if hc == nil {
		hc = &http.Client{}
	}
	return &Client{base: "http://" + addr + "/CoCon", hc: hc, opts: opts}
}

// get sends one request; path is below /CoCon, q its query (nil: none).
func (c *Client) get(ctx context.Context, path string, q url.Values, timeout time.Duration) (int, json.RawMessage, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	u := c.base + path
	if q != nil {
		// The server's own examples put "/?" before the query (§4).
		u += "/?" + q.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return 0, nil, err
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return resp.StatusCode, nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return resp.StatusCode, nil, nil
	}
	data, err := unwrap(body)
	return resp.StatusCode, data, err
}

// Connect opens an API connection and returns its id (§3.1).
func (c *Client) Connect(ctx context.Context) (string, error) {
	code, data, err := c.get(ctx, "/Connect", nil, c.opts.CommandTimeout)
	if err != nil {
		return "", fmt.Errorf("cocon connect: %w", err)
	}
	if code != http.StatusOK {
		return "", fmt.Errorf("cocon connect: HTTP %d", code)
	}
	var r struct {
		Connect bool   `json:"Connect"`
		ID      string `json:"id"`
	}
	if err := json.Unmarshal(data, &r); err != nil || !r.Connect || r.ID == "" {
		return "", fmt.Errorf("cocon connect: the server did not give a connection id (%.80s)", data)
	}
	return r.ID, nil
}

// Subscribe asks for the events of one model on connection id.
func (c *Client) Subscribe(ctx context.Context, id, model string) error {
	code, _, err := c.get(ctx, "/Subscribe", url.Values{"Model": {model}, "id": {id}, "details": {"true"}}, c.opts.CommandTimeout)
	switch {
	case err != nil:
		return fmt.Errorf("cocon subscribe %s: %w", model, err)
	case code == http.StatusBadRequest:
		return ErrExpired
	case code != http.StatusOK:
		return fmt.Errorf("cocon subscribe %s: HTTP %d", model, code)
	}
	return nil
}

// Notification waits for the next events of connection id (the long
// poll, §3.2). ErrPollTimeout means none came in time: ask again.
// ErrExpired means the id is gone: Connect again.
func (c *Client) Notification(ctx context.Context, id string) ([]Event, error) {
	code, data, err := c.get(ctx, "/Notification/id="+url.PathEscape(id), nil, c.opts.PollTimeout)
	switch {
	case err != nil && ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded):
		return nil, ErrPollTimeout // our own deadline: the server kept quiet
	case err != nil:
		return nil, fmt.Errorf("cocon notification: %w", err)
	case code == http.StatusRequestTimeout:
		return nil, ErrPollTimeout
	case code == http.StatusBadRequest:
		return nil, ErrExpired
	case code != http.StatusOK:
		return nil, fmt.Errorf("cocon notification: HTTP %d", code)
	}
	return events(data)
}

// MicState is a seat microphone's state as SetState takes it.
type MicState string

const (
	MicOn      MicState = "On"
	MicOff     MicState = "Off"
	MicRequest MicState = "Request"
)

// SetState switches a seat's microphone on or off, or puts it in request
// (§4.1). Switching on takes the seat out of the request list.
func (c *Client) SetState(ctx context.Context, seat int, state MicState) error {
	code, data, err := c.get(ctx, "/Microphone/SetState", url.Values{"State": {string(state)}, "SeatNr": {strconv.Itoa(seat)}}, c.opts.CommandTimeout)
	if err != nil {
		return fmt.Errorf("cocon seat %d %s: %w", seat, state, err)
	}
	if code != http.StatusOK {
		return fmt.Errorf("cocon seat %d %s: HTTP %d", seat, state, code)
	}
	if n, ok := result(data); ok && n != 0 {
		return fmt.Errorf("%w: seat %d %s (result %d)", ErrRefused, seat, state, n)
	}
	return nil
}

// result reads an integer command result (§3.4): a bare number, or an
// object holding one number.
func result(data json.RawMessage) (int, bool) {
	var n int
	if json.Unmarshal(data, &n) == nil {
		return n, true
	}
	var obj map[string]json.RawMessage
	if json.Unmarshal(data, &obj) == nil && len(obj) == 1 {
		for _, v := range obj {
			if json.Unmarshal(v, &n) == nil {
				return n, true
			}
		}
	}
	return 0, false
}

// MicrophoneState asks for the speakers and the request list (§4.2).
func (c *Client) MicrophoneState(ctx context.Context) (Microphones, error) {
	code, data, err := c.get(ctx, "/Microphone/GetState", nil, c.opts.CommandTimeout)
	if err != nil {
		return Microphones{}, fmt.Errorf("cocon microphone state: %w", err)
	}
	if code != http.StatusOK {
		return Microphones{}, fmt.Errorf("cocon microphone state: HTTP %d", code)
	}
	var r struct {
		GetState struct {
			State Microphones `json:"State"`
		} `json:"GetState"`
	}
	if err := json.Unmarshal(data, &r); err != nil {
		return Microphones{}, fmt.Errorf("cocon microphone state: %w", err)
	}
	return r.GetState.State, nil
}

// Disconnect ends an API connection (best effort).
func (c *Client) Disconnect(ctx context.Context, id string) {
	c.get(ctx, "/Disconnect", url.Values{"Id": {id}}, c.opts.CommandTimeout)
}
