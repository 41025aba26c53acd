package av

import (
	"context"
	"fmt"
	"strconv"

	"github.com/kogge-project/kogge/rooms/av/tesira"
)

// tesiraDriver adapts a Tesira Text Protocol client to the supervisor.
type tesiraDriver struct {
	cfg DeviceConfig
	s   session[*tesira.Client]
}

func newTesiraDriver(cfg DeviceConfig) Driver { return &tesiraDriver{cfg: cfg} }

func (d *tesiraDriver) Connect(ctx context.Context) error {
	return d.s.dial(ctx, func(ctx context.Context) (*tesira.Client, error) {
		return tesira.Dial(ctx, d.cfg.Address, tesira.Options{DialTimeout: d.cfg.ConnectTimeout, CommandTimeout: d.cfg.CommandTimeout})
	})
}

func (d *tesiraDriver) Exec(ctx context.Context, cmd Command) error {
	return refusal[*tesira.DeviceError](d.exec(ctx, cmd))
}

func (d *tesiraDriver) exec(ctx context.Context, cmd Command) error {
	c, err := d.s.client()
	if err != nil {
		return err
	}
	ch, err := strconv.Atoi(cmd.Args["channel"])
	if err != nil {
		return fmt.Errorf("channel %q is not a number", cmd.Args["channel"])
	}
	switch cmd.Name {
	case "mute":
		on, err := boolArg(cmd, "mute")
		if err != nil {
			return err
		}
		return c.SetMute(ctx, cmd.Args["tag"], ch, on)
	case "level":
		db, err := strconv.ParseFloat(cmd.Args["db"], 64)
		if err != nil {
			return fmt.Errorf("db %q is not a number", cmd.Args["db"])
		}
		return c.SetLevel(ctx, cmd.Args["tag"], ch, db)
	}
	return fmt.Errorf("a tesira device has no command %q", cmd.Name)
}

// Poll asks for the firmware version: cheap, and it proves the session
// still answers (TTP has no other keep-alive).
func (d *tesiraDriver) Poll(ctx context.Context) (State, error) {
	c, err := d.s.client()
	if err != nil {
		return nil, err
	}
	v, err := c.Version(ctx)
	if err != nil {
		return nil, err
	}
	return State{"version": v}, nil
}

func (d *tesiraDriver) Close() error { return d.s.close() }
