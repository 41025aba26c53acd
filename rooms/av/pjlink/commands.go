package pjlink

import (
	"context"
	"strings"
)

// class2 returns '2' when the device speaks class 2: INPT and INST then use
// %2, so inputs like 6A are reported and listed.
func (c *Client) class2() byte {
	if c.class.Load() >= 2 {
		return '2'
	}
	return '1'
}

func onOff(on bool) string {
	if on {
		return "1"
	}
	return "0"
}

func (c *Client) set(ctx context.Context, class byte, body, param string) error {
	_, err := c.do(ctx, request{class, body, param})
	return err
}

// Power switches the lamp on or off. The device answers at once and then
// warms up or cools down; PowerState shows the progress.
func (c *Client) Power(ctx context.Context, on bool) error {
	return c.set(ctx, '1', "POWR", onOff(on))
}

// PowerState reports off, on, cooling or warming.
func (c *Client) PowerState(ctx context.Context) (PowerState, error) {
	v, err := c.do(ctx, request{'1', "POWR", "?"})
	if err != nil {
		return 0, err
	}
	return parsePower(v)
}

// SetInput selects an input such as "31" (digital 1). Class 2 codes (6x,
// xA–xZ) go out as %2 commands.
func (c *Client) SetInput(ctx context.Context, input string) error {
	switch {
	case validInput(input, 1):
		return c.set(ctx, '1', "INPT", input)
	case validInput(input, 2) && c.class.Load() >= 2:
		return c.set(ctx, '2', "INPT", input)
	}
	return badInput(input)
}

// Input reports the selected input.
func (c *Client) Input(ctx context.Context) (string, error) {
	v, err := c.do(ctx, request{c.class2(), "INPT", "?"})
	if err != nil {
		return "", err
	}
	if !validInput(v, 2) {
		return "", newProtocolError("bad input", v)
	}
	return v, nil
}

// Inputs lists the device's inputs (INST).
func (c *Client) Inputs(ctx context.Context) ([]string, error) {
	v, err := c.do(ctx, request{c.class2(), "INST", "?"})
	if err != nil {
		return nil, err
	}
	if v == "" {
		return nil, nil
	}
	in := strings.Split(v, " ")
	for _, code := range in {
		if !validInput(code, 2) {
			return nil, newProtocolError("bad input list", v)
		}
	}
	return in, nil
}

// SetAVMute mutes or unmutes picture, sound or both.
func (c *Client) SetAVMute(ctx context.Context, m Mute) error {
	if !m.valid() {
		return badMute(m)
	}
	return c.set(ctx, '1', "AVMT", string(m))
}

// AVMute reports the mute state (use its Video and Audio methods).
func (c *Client) AVMute(ctx context.Context) (Mute, error) {
	v, err := c.do(ctx, request{'1', "AVMT", "?"})
	if err != nil {
		return "", err
	}
	if m := Mute(v); m.valid() {
		return m, nil
	}
	return "", newProtocolError("bad mute state", v)
}

// ErrorStatus reports fan, lamp, temperature, cover, filter and other.
func (c *Client) ErrorStatus(ctx context.Context) (ErrorStatus, error) {
	v, err := c.do(ctx, request{'1', "ERST", "?"})
	if err != nil {
		return ErrorStatus{}, err
	}
	return parseErrorStatus(v)
}

// LampHours reports each lamp's hours and whether it is lit. Displays
// without a lamp answer ErrUndefinedCommand.
func (c *Client) LampHours(ctx context.Context) ([]Lamp, error) {
	v, err := c.do(ctx, request{'1', "LAMP", "?"})
	if err != nil {
		return nil, err
	}
	return parseLamps(v)
}

func (c *Client) text(ctx context.Context, class byte, body string) (string, error) {
	return c.do(ctx, request{class, body, "?"})
}

// Name reports the projector's name (NAME).
func (c *Client) Name(ctx context.Context) (string, error) { return c.text(ctx, '1', "NAME") }

// Manufacturer reports INF1.
func (c *Client) Manufacturer(ctx context.Context) (string, error) { return c.text(ctx, '1', "INF1") }

// Model reports the product name (INF2).
func (c *Client) Model(ctx context.Context) (string, error) { return c.text(ctx, '1', "INF2") }

// Info reports other information (INFO).
func (c *Client) Info(ctx context.Context) (string, error) { return c.text(ctx, '1', "INFO") }

// SerialNumber reports SNUM (class 2).
func (c *Client) SerialNumber(ctx context.Context) (string, error) { return c.text(ctx, '2', "SNUM") }

// SoftwareVersion reports SVER (class 2).
func (c *Client) SoftwareVersion(ctx context.Context) (string, error) {
	return c.text(ctx, '2', "SVER")
}

// InputName reports an input terminal's name, e.g. "HDMI 1" (class 2 INNM).
func (c *Client) InputName(ctx context.Context, input string) (string, error) {
	if !validInput(input, 2) {
		return "", badInput(input)
	}
	return c.do(ctx, request{'2', "INNM", "?" + input})
}

// Freeze freezes or unfreezes the picture (class 2 FREZ).
func (c *Client) Freeze(ctx context.Context, on bool) error {
	return c.set(ctx, '2', "FREZ", onOff(on))
}

// Frozen reports whether the picture is frozen (class 2 FREZ).
func (c *Client) Frozen(ctx context.Context) (bool, error) {
	v, err := c.do(ctx, request{'2', "FREZ", "?"})
	if err != nil {
		return false, err
	}
	if v != "0" && v != "1" {
		return false, newProtocolError("bad freeze state", v)
	}
	return v == "1", nil
}
