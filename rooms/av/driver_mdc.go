package av

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/kogge-project/kogge/rooms/av/mdc"
)

// mdcDriver adapts a Samsung MDC client to the supervisor: a flat panel
// takes the scene commands of a PJLink display (power, input, mute) and
// a volume.
type mdcDriver struct {
	cfg DeviceConfig
	s   session[*mdc.Client]
}

func newMDCDriver(cfg DeviceConfig) Driver { return &mdcDriver{cfg: cfg} }

func (d *mdcDriver) Connect(ctx context.Context) error {
	id, _ := strconv.Atoi(d.cfg.Options["display_id"]) // validated by the config
	return d.s.dial(ctx, func(ctx context.Context) (*mdc.Client, error) {
		return mdc.Dial(ctx, d.cfg.Address, mdc.Options{DialTimeout: d.cfg.ConnectTimeout, CommandTimeout: d.cfg.CommandTimeout, ID: byte(id)})
	})
}

func (d *mdcDriver) Exec(ctx context.Context, cmd Command) error {
	return refusal[*mdc.NAKError](d.exec(ctx, cmd))
}

func (d *mdcDriver) exec(ctx context.Context, cmd Command) error {
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
		return c.SetPower(ctx, on)
	case "input":
		code, err := MDCInput(cmd.Args["input"])
		if err != nil {
			return err
		}
		return c.SetInput(ctx, code)
	case "volume":
		v, err := strconv.Atoi(cmd.Args["volume"])
		if err != nil {
			return fmt.Errorf("volume %q is not a number", cmd.Args["volume"])
		}
		return c.SetVolume(ctx, v)
	case "mute":
		on, err := boolArg(cmd, "mute")
		if err != nil {
			return err
		}
		return c.SetMute(ctx, on)
	}
	return fmt.Errorf("an mdc device has no command %q", cmd.Name)
}

// MDCInput reads an input as scenes name it: "hdmi1", "displayport", …
// (docs/protocols/mdc.md §4) or a source code such as "0x21".
func MDCInput(s string) (byte, error) {
	if c, ok := mdc.Inputs[strings.ToLower(s)]; ok {
		return c, nil
	}
	if n, err := strconv.ParseUint(s, 0, 8); err == nil && strings.HasPrefix(s, "0x") {
		return byte(n), nil
	}
	return 0, fmt.Errorf("input %q is not an MDC input (hdmi1, hdmi2, hdmi3, displayport, dvi, pc, … or a code like 0x21)", s)
}

// Poll reads the status: power, input, volume and mute in one answer.
func (d *mdcDriver) Poll(ctx context.Context) (State, error) {
	c, err := d.s.client()
	if err != nil {
		return nil, err
	}
	st, err := c.Status(ctx)
	var nak *mdc.NAKError
	if errors.As(err, &nak) {
		return nil, &RefusedError{Err: err}
	}
	if err != nil {
		return nil, err
	}
	power := "off"
	if st.Power {
		power = "on"
	}
	return State{"power": power, "input": mdc.InputName(st.Input), "volume": strconv.Itoa(st.Volume), "mute": strconv.FormatBool(st.Mute)}, nil
}

func (d *mdcDriver) Close() error { return d.s.close() }
