package av

import (
	"context"
	"fmt"
	"strconv"

	"github.com/kogge-project/kogge/rooms/av/visca"
)

// Default drive speeds when a command names none: slow enough to frame a
// speaker from a touch panel.
const (
	viscaPanSpeed  = 8
	viscaTiltSpeed = 8
	viscaZoomSpeed = 3
)

// viscaDriver adapts a VISCA camera (over IP or raw TCP) to the supervisor.
type viscaDriver struct {
	cfg DeviceConfig
	s   session[*visca.Client]
}

func newVISCADriver(cfg DeviceConfig) Driver { return &viscaDriver{cfg: cfg} }

func (d *viscaDriver) Connect(ctx context.Context) error {
	return d.s.dial(ctx, func(ctx context.Context) (*visca.Client, error) {
		opts := visca.Options{CommandTimeout: d.cfg.CommandTimeout}
		if d.cfg.Kind == KindVISCATCP {
			return visca.DialTCP(ctx, d.cfg.Address, opts)
		}
		return visca.DialIP(ctx, d.cfg.Address, opts)
	})
}

func (d *viscaDriver) Exec(ctx context.Context, cmd Command) error {
	return refusal[*visca.DeviceError](d.exec(ctx, cmd))
}

func (d *viscaDriver) exec(ctx context.Context, cmd Command) error {
	c, err := d.s.client()
	if err != nil {
		return err
	}
	switch cmd.Name {
	case "power":
		on, err := boolArg(cmd, "on")
		if err != nil {
			return err
		}
		return c.Power(ctx, on)
	case "preset.recall", "preset.store":
		n, err := intArg(cmd, "preset")
		if err != nil {
			return err
		}
		if cmd.Name == "preset.recall" {
			return c.RecallPreset(ctx, n)
		}
		return c.StorePreset(ctx, n)
	case "pan":
		dir, err := visca.ParseDirection(cmd.Args["direction"])
		if err != nil {
			return err
		}
		speed := optIntArg(cmd, "speed", viscaPanSpeed)
		return c.PanTilt(ctx, dir, speed, optIntArg(cmd, "speed", viscaTiltSpeed))
	case "stop":
		return c.Stop(ctx)
	case "zoom":
		z, err := visca.ParseZoomDir(cmd.Args["direction"])
		if err != nil {
			return err
		}
		return c.Zoom(ctx, z, optIntArg(cmd, "speed", viscaZoomSpeed))
	case "position":
		pan, err := intArg(cmd, "pan")
		if err != nil {
			return err
		}
		tilt, err := intArg(cmd, "tilt")
		if err != nil {
			return err
		}
		return c.AbsolutePosition(ctx, pan, tilt, optIntArg(cmd, "speed", viscaPanSpeed), optIntArg(cmd, "speed", viscaTiltSpeed))
	}
	return fmt.Errorf("a visca camera has no command %q", cmd.Name)
}

// Poll reads power and, when on, the position.
func (d *viscaDriver) Poll(ctx context.Context) (State, error) {
	c, err := d.s.client()
	if err != nil {
		return nil, err
	}
	on, err := c.PowerState(ctx)
	if err != nil {
		return nil, err
	}
	st := State{"power": "off"}
	if on {
		st["power"] = "on"
		if pan, tilt, err := c.Position(ctx); err == nil {
			st["pan"], st["tilt"] = strconv.Itoa(pan), strconv.Itoa(tilt)
		}
	}
	return st, nil
}

func (d *viscaDriver) Close() error { return d.s.close() }

func intArg(cmd Command, name string) (int, error) {
	n, err := strconv.Atoi(cmd.Args[name])
	if err != nil {
		return 0, fmt.Errorf("%s %q is not a number", name, cmd.Args[name])
	}
	return n, nil
}

func optIntArg(cmd Command, name string, def int) int {
	if n, err := strconv.Atoi(cmd.Args[name]); err == nil {
		return n
	}
	return def
}

// NewDriver builds the protocol client for a configured device.
func NewDriver(cfg DeviceConfig) (Driver, error) {
	switch cfg.Kind {
	case KindPJLink:
		return newPJLinkDriver(cfg), nil
	case KindVISCAIP, KindVISCATCP:
		return newVISCADriver(cfg), nil
	case KindTesira:
		return newTesiraDriver(cfg), nil
	case KindShure:
		return newShureDriver(cfg), nil
	case KindMDC:
		return newMDCDriver(cfg), nil
	case KindCoCon:
		return newCoConDriver(cfg), nil
	}
	return nil, fmt.Errorf("device %s: unknown kind %q", cfg.ID, cfg.Kind)
}
