package av

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/kogge-project/kogge/rooms/av/pjlink"
)

// pjlinkWarmUp bounds how long an input command waits for a projector
// that is still warming up (ERR3) before giving up.
const pjlinkWarmUp = 90 * time.Second

// pjlinkDriver adapts a PJLink client to the supervisor.
type pjlinkDriver struct {
	cfg DeviceConfig
	s   session[*pjlink.Client]
}

func newPJLinkDriver(cfg DeviceConfig) Driver { return &pjlinkDriver{cfg: cfg} }

func (d *pjlinkDriver) Connect(ctx context.Context) error {
	return d.s.dial(ctx, func(ctx context.Context) (*pjlink.Client, error) {
		return pjlink.Dial(ctx, d.cfg.Address, d.cfg.Password, pjlink.Options{DialTimeout: d.cfg.ConnectTimeout, CommandTimeout: d.cfg.CommandTimeout})
	})
}

// Timeout lets an input command wait for the lamp.
func (d *pjlinkDriver) Timeout(cmd Command) time.Duration {
	if cmd.Name == "input" {
		return pjlinkWarmUp
	}
	return 0
}

func (d *pjlinkDriver) Exec(ctx context.Context, cmd Command) error {
	return pjlinkRefusal(d.exec(ctx, cmd))
}

// pjlinkRefusal marks the projector's ERR answers as refusals.
func pjlinkRefusal(err error) error {
	for _, e := range []error{pjlink.ErrUndefinedCommand, pjlink.ErrOutOfParameter, pjlink.ErrUnavailableTime, pjlink.ErrProjectorFailure} {
		if errors.Is(err, e) {
			return &RefusedError{Err: err}
		}
	}
	return err
}

func (d *pjlinkDriver) exec(ctx context.Context, cmd Command) error {
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
	case "input":
		// A projector just switched on answers ERR3 until warm: retry
		// within the warm-up bound, but never past the caller's deadline.
		return c.SetInputWhenReady(ctx, cmd.Args["input"], pjlinkWarmUp)
	case "mute":
		on, err := boolArg(cmd, "mute")
		if err != nil {
			return err
		}
		m := pjlink.MuteOff
		if on {
			m = pjlink.MuteOn
		}
		return c.SetAVMute(ctx, m)
	case "freeze":
		on, err := boolArg(cmd, "on")
		if err != nil {
			return err
		}
		return c.Freeze(ctx, on)
	}
	return fmt.Errorf("a pjlink device has no command %q", cmd.Name)
}

// Poll reads power, input and the error status: what a panel shows.
func (d *pjlinkDriver) Poll(ctx context.Context) (State, error) {
	c, err := d.s.client()
	if err != nil {
		return nil, err
	}
	p, err := c.PowerState(ctx)
	if err != nil {
		return nil, err
	}
	st := State{"power": p.String()}
	if p == pjlink.PowerOn {
		if in, err := c.Input(ctx); err == nil {
			st["input"] = in
		}
	}
	if es, err := c.ErrorStatus(ctx); err == nil {
		st["errors"] = strconv.FormatBool(!es.OK())
	}
	if lamps, err := c.LampHours(ctx); err == nil && len(lamps) > 0 {
		st["lamp_hours"] = strconv.Itoa(lamps[0].Hours)
	}
	return st, nil
}

func (d *pjlinkDriver) Close() error { return d.s.close() }

func boolArg(cmd Command, name string) (bool, error) {
	v, err := strconv.ParseBool(cmd.Args[name])
	if err != nil {
		return false, fmt.Errorf("%s %q is not true or false", name, cmd.Args[name])
	}
	return v, nil
}
