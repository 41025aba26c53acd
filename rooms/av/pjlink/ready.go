package pjlink

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// readyPoll is how often SetInputWhenReady asks again while the projector
// warms up (typically 30–90 s). Each poll also keeps the connection from
// the device's idle close.
const readyPoll = 2 * time.Second

// SetInputWhenReady selects input, retrying while the projector refuses with
// ERR3 because it is still warming up, until it takes the input or deadline
// has passed. Between tries it asks POWR, so it gives up at once when the
// projector is off or cooling down: waiting would not help.
func (c *Client) SetInputWhenReady(ctx context.Context, input string, deadline time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, deadline)
	defer cancel()
	var refused error // the device's last ERR3
	for {
		err := c.SetInput(ctx, input)
		if err != nil && expired(ctx) && refused != nil {
			return notReady(ctx, input, deadline, refused)
		}
		if !errors.Is(err, ErrUnavailableTime) {
			return err
		}
		refused = err
		state, perr := c.PowerState(ctx)
		if perr != nil {
			if expired(ctx) {
				return notReady(ctx, input, deadline, err)
			}
			return perr
		}
		if state == PowerOff || state == PowerCooling {
			return fmt.Errorf("pjlink: input %s: the projector is %s, not warming up: %w", input, state, ErrUnavailableTime)
		}
		t := time.NewTimer(readyPoll)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return notReady(ctx, input, deadline, err)
		}
	}
}

// notReady wraps both why we stopped (deadline or the caller's cancel) and
// the device's last refusal.
func notReady(ctx context.Context, input string, deadline time.Duration, last error) error {
	why := ctx.Err()
	if why == nil {
		why = context.DeadlineExceeded // past the deadline, timer not yet fired
	}
	return fmt.Errorf("pjlink: input %s: not taken within %v (%w): %w", input, deadline, why, last)
}
