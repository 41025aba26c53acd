package visca

import (
	"context"
	"fmt"
)

// Power switches the camera on or to standby and waits for the completion,
// which can take seconds while it boots.
func (c *Client) Power(ctx context.Context, on bool) error {
	op := "power standby"
	if on {
		op = "power on"
	}
	_, err := c.do(ctx, op, cmdPower(on), false)
	return err
}

// PowerState reports whether the camera is on (false: standby).
func (c *Client) PowerState(ctx context.Context) (bool, error) {
	const op = "power inquiry"
	data, err := c.do(ctx, op, inqPower, true)
	if err != nil {
		return false, err
	}
	if len(data) != 1 {
		return false, fmt.Errorf("visca: %s: %w", op, newProtocolError("answer is not one byte", data))
	}
	switch data[0] {
	case 0x02:
		return true, nil
	case 0x03:
		return false, nil
	case 0x04:
		return false, fmt.Errorf("visca: %s: %w", op, ErrPowerFault)
	}
	return false, fmt.Errorf("visca: %s: %w", op, newProtocolError("unknown power state", data))
}

// RecallPreset moves to preset n (0–127) and returns when it has arrived.
func (c *Client) RecallPreset(ctx context.Context, n int) error {
	return c.preset(ctx, "recall preset", presetRecall, n)
}

// StorePreset stores the current position as preset n (0–127).
func (c *Client) StorePreset(ctx context.Context, n int) error {
	return c.preset(ctx, "store preset", presetSet, n)
}

func (c *Client) preset(ctx context.Context, verb string, op byte, n int) error {
	name := fmt.Sprintf("%s %d", verb, n)
	if n < 0 || n > MaxPreset {
		return invalid(name, "preset outside 0..%d", MaxPreset)
	}
	_, err := c.do(ctx, name, cmdPreset(op, n), false)
	return err
}

// PanTilt starts driving in dir until Stop (or a limit). Speeds: pan
// 1–0x18, tilt 1–0x14.
func (c *Client) PanTilt(ctx context.Context, dir Direction, panSpeed, tiltSpeed int) error {
	op := "pan-tilt " + dir.String()
	if !dir.valid() {
		return invalid(op, "unknown direction")
	}
	if err := checkSpeeds(op, panSpeed, tiltSpeed); err != nil {
		return err
	}
	c.mu.Lock()
	c.panSpeed, c.tiltSpeed = panSpeed, tiltSpeed
	c.mu.Unlock()
	_, err := c.do(ctx, op, cmdDrive(panSpeed, tiltSpeed, driveBytes[dir]), false)
	return err
}

// Stop ends a pan-tilt drive. The stop message carries speeds the camera
// ignores; it repeats the last drive's, as the spec's example does.
func (c *Client) Stop(ctx context.Context) error {
	c.mu.Lock()
	ps, ts := c.panSpeed, c.tiltSpeed
	c.mu.Unlock()
	_, err := c.do(ctx, "pan-tilt stop", cmdDrive(ps, ts, stopDrivePQ), false)
	return err
}

func checkSpeeds(op string, panSpeed, tiltSpeed int) error {
	if panSpeed < 1 || panSpeed > MaxPanSpeed {
		return invalid(op, "pan speed %d outside 1..%d", panSpeed, MaxPanSpeed)
	}
	if tiltSpeed < 1 || tiltSpeed > MaxTiltSpeed {
		return invalid(op, "tilt speed %d outside 1..%d", tiltSpeed, MaxTiltSpeed)
	}
	return nil
}

// Zoom drives the zoom towards tele or wide at speed 0 (slow) … 7 (fast),
// or stops it (speed ignored).
func (c *Client) Zoom(ctx context.Context, z ZoomDir, speed int) error {
	op := "zoom " + z.String()
	if z > ZoomWide {
		return invalid(op, "unknown zoom direction")
	}
	if z == ZoomStop {
		speed = 0
	}
	if speed < 0 || speed > MaxZoomSpeed {
		return invalid(op, "speed %d outside 0..%d", speed, MaxZoomSpeed)
	}
	_, err := c.do(ctx, op, cmdZoom(z, speed), false)
	return err
}

// ZoomTo moves the zoom to pos (0 wide … about 0x4000 tele, model
// dependent) and returns when it is there.
func (c *Client) ZoomTo(ctx context.Context, pos int) error {
	op := fmt.Sprintf("zoom to %#x", pos)
	if pos < 0 || pos > MaxZoomPosition {
		return invalid(op, "position outside 0..%#x", MaxZoomPosition)
	}
	_, err := c.do(ctx, op, cmdZoomDirect(pos), false)
	return err
}

// AbsolutePosition moves to pan, tilt (signed 16-bit camera units) and
// returns when it is there.
func (c *Client) AbsolutePosition(ctx context.Context, pan, tilt, panSpeed, tiltSpeed int) error {
	op := fmt.Sprintf("absolute position %d,%d", pan, tilt)
	if pan < -0x8000 || pan > 0x7FFF || tilt < -0x8000 || tilt > 0x7FFF {
		return invalid(op, "pan and tilt must fit 16 bits signed")
	}
	if err := checkSpeeds(op, panSpeed, tiltSpeed); err != nil {
		return err
	}
	_, err := c.do(ctx, op, cmdAbsolute(pan, tilt, panSpeed, tiltSpeed), false)
	return err
}

// Position reports pan and tilt. Answers with four pan nibbles (most
// models) and with five (newer Sony) are both understood.
func (c *Client) Position(ctx context.Context) (pan, tilt int, err error) {
	const op = "pan-tilt inquiry"
	data, err := c.do(ctx, op, inqPanTilt, true)
	if err != nil {
		return 0, 0, err
	}
	panNibbles := len(data) - 4
	if panNibbles != 4 && panNibbles != 5 {
		return 0, 0, fmt.Errorf("visca: %s: %w", op, newProtocolError("answer is not 8 or 9 nibbles", data))
	}
	p, ok1 := nibbles(data[:panNibbles])
	t, ok2 := nibbles(data[panNibbles:])
	if !ok1 || !ok2 {
		return 0, 0, fmt.Errorf("visca: %s: %w", op, newProtocolError("answer byte above 0F", data))
	}
	return signExtend(p, 4*uint(panNibbles)), signExtend(t, 16), nil
}

// ZoomPosition reports the zoom position.
func (c *Client) ZoomPosition(ctx context.Context) (int, error) {
	const op = "zoom inquiry"
	data, err := c.do(ctx, op, inqZoomPos, true)
	if err != nil {
		return 0, err
	}
	z, ok := nibbles(data)
	if len(data) != 4 || !ok {
		return 0, fmt.Errorf("visca: %s: %w", op, newProtocolError("answer is not 4 nibbles", data))
	}
	return int(z), nil
}
