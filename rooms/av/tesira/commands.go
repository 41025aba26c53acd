package tesira

import (
	"context"
	"fmt"
	"strconv"
	"time"
)

// SetMute mutes or unmutes one channel of a Level or Mute block:
// `Mute1 set mute 1 true`.
func (c *Client) SetMute(ctx context.Context, instanceTag string, channel int, mute bool) error {
	line, err := command(tagArg(instanceTag), lit("set"), lit("mute"), indexArg(channel), lit(strconv.FormatBool(mute)))
	if err != nil {
		return err
	}
	_, err = c.do(ctx, line)
	return err
}

// Mute reads one channel's mute: `Mute1 get mute 1`.
func (c *Client) Mute(ctx context.Context, instanceTag string, channel int) (bool, error) {
	v, err := c.get(ctx, instanceTag, "mute", channel)
	if err != nil {
		return false, err
	}
	return parseBool(v)
}

// SetLevel sets one channel's level in dB: `Level1 set level 1 -12.5`.
// The device clamps it to the block's range.
func (c *Client) SetLevel(ctx context.Context, instanceTag string, channel int, dB float64) error {
	v, err := formatLevel(dB)
	if err != nil {
		return err
	}
	line, err := command(tagArg(instanceTag), lit("set"), lit("level"), indexArg(channel), lit(v))
	if err != nil {
		return err
	}
	_, err = c.do(ctx, line)
	return err
}

// Level reads one channel's level in dB: `Level1 get level 1`.
func (c *Client) Level(ctx context.Context, instanceTag string, channel int) (float64, error) {
	v, err := c.get(ctx, instanceTag, "level", channel)
	if err != nil {
		return 0, err
	}
	return parseFloat(v)
}

func (c *Client) get(ctx context.Context, tag, attr string, channel int) (string, error) {
	line, err := command(tagArg(tag), lit("get"), attrArg(attr), indexArg(channel))
	if err != nil {
		return "", err
	}
	return c.do(ctx, line)
}

// Subscribe asks the device to publish an attribute under token, at most
// once per minRate (0 leaves the device's default): e.g.
// `LogicMeter1 subscribe state 1 mic1 100` for a microphone's logic
// state, or `Level1 subscribe mute 1 m1 0`. The current value arrives at
// once on Publications(), later changes as they happen. A repeated
// subscription fails with ErrAlreadySubscribed, which a caller
// re-subscribing may ignore. Subscriptions end with the session.
func (c *Client) Subscribe(ctx context.Context, instanceTag, attr string, index int, token string, minRate time.Duration) error {
	if minRate < 0 {
		return fmt.Errorf("%w: negative minRate %v", ErrInvalidArgument, minRate)
	}
	parts := []func() (string, error){tagArg(instanceTag), lit("subscribe"), attrArg(attr), indexArg(index), labelArg(token)}
	if minRate > 0 {
		// Round up: a rate below one millisecond must not become 0.
		ms := (minRate + time.Millisecond - 1) / time.Millisecond
		parts = append(parts, lit(strconv.FormatInt(int64(ms), 10)))
	}
	line, err := command(parts...)
	if err != nil {
		return err
	}
	_, err = c.do(ctx, line)
	return err
}

// Unsubscribe ends a subscription: `Level1 unsubscribe level 1 lvl1`.
func (c *Client) Unsubscribe(ctx context.Context, instanceTag, attr string, index int, token string) error {
	line, err := command(tagArg(instanceTag), lit("unsubscribe"), attrArg(attr), indexArg(index), labelArg(token))
	if err != nil {
		return err
	}
	_, err = c.do(ctx, line)
	return err
}

// RecallPreset recalls a device preset by number: `DEVICE recallPreset 1001`.
func (c *Client) RecallPreset(ctx context.Context, preset int) error {
	line, err := command(lit("DEVICE"), lit("recallPreset"), indexArg(preset))
	if err != nil {
		return err
	}
	_, err = c.do(ctx, line)
	return err
}

// Version asks the firmware version (`DEVICE get version`); it doubles as
// the keep-alive the spec recommends every 30–60 s.
func (c *Client) Version(ctx context.Context) (string, error) {
	v, err := c.do(ctx, "DEVICE get version")
	if err != nil {
		return "", err
	}
	return unquote(v), nil
}
