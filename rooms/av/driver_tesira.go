package av

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"

	"github.com/kogge-project/kogge/rooms/av/tesira"
)

// tesiraDriver adapts a Tesira Text Protocol client to the supervisor.
type tesiraDriver struct {
	cfg DeviceConfig
	mu  sync.Mutex // guards c; the supervisor calls from one goroutine, Close may come from another
	c   *tesira.Client
}

func newTesiraDriver(cfg DeviceConfig) Driver { return &tesiraDriver{cfg: cfg} }

func (d *tesiraDriver) Connect(ctx context.Context) error {
	d.Close()
	c, err := tesira.Dial(ctx, d.cfg.Address, tesira.Options{DialTimeout: d.cfg.ConnectTimeout, CommandTimeout: d.cfg.CommandTimeout})
	if err != nil {
		return err
	}
	d.mu.Lock()
	d.c = c
	d.mu.Unlock()
	return nil
}

func (d *tesiraDriver) client() (*tesira.Client, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.c == nil {
		return nil, fmt.Errorf("not connected")
	}
	return d.c, nil
}

func (d *tesiraDriver) Exec(ctx context.Context, cmd Command) error {
	err := d.exec(ctx, cmd)
	var de *tesira.DeviceError
	if errors.As(err, &de) {
		return &RefusedError{Err: err}
	}
	return err
}

func (d *tesiraDriver) exec(ctx context.Context, cmd Command) error {
	c, err := d.client()
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
	c, err := d.client()
	if err != nil {
		return nil, err
	}
	v, err := c.Version(ctx)
	if err != nil {
		return nil, err
	}
	return State{"version": v}, nil
}

func (d *tesiraDriver) Close() error {
	d.mu.Lock()
	c := d.c
	d.c = nil
	d.mu.Unlock()
	if c != nil {
		return c.Close()
	}
	return nil
}
