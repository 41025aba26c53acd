package av

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/kogge-project/kogge/rooms/av/tesira"
)

// tesiraDriver adapts a Tesira Text Protocol client to the supervisor.
type tesiraDriver struct {
	cfg DeviceConfig
	s   session[*tesira.Client]
}

func newTesiraDriver(cfg DeviceConfig) Driver { return &tesiraDriver{cfg: cfg} }

func (d *tesiraDriver) Connect(ctx context.Context) error {
	return tesiraLoginProblem(d.s.dial(ctx, func(ctx context.Context) (*tesira.Client, error) {
		return tesira.Dial(ctx, d.cfg.Address, TesiraOptions(d.cfg))
	}))
}

// TesiraOptions are the client options of a configured Tesira, its login
// included (docs/protocols/tesira.md §10); camera follow dials with them too.
func TesiraOptions(cfg DeviceConfig) tesira.Options {
	return tesira.Options{DialTimeout: cfg.ConnectTimeout, CommandTimeout: cfg.CommandTimeout, Username: cfg.Username, Password: cfg.Password}
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

// Poll asks for the firmware version (cheap, and proof the session still
// answers: TTP has no other keep-alive) and the mute of the channels the
// room's scenes switch (Options["mutes"], "Mics:1,Mics:2"), so that the
// pages show what the DSP says, not what Kogge last asked of it.
func (d *tesiraDriver) Poll(ctx context.Context) (State, error) {
	c, err := d.s.client()
	if err != nil {
		return nil, err
	}
	v, err := c.Version(ctx)
	if err != nil {
		return nil, err
	}
	st := State{"version": v}
	for _, m := range strings.Split(d.cfg.Options["mutes"], ",") {
		tag, chs, ok := strings.Cut(m, ":")
		ch, err := strconv.Atoi(chs)
		if !ok || err != nil {
			continue
		}
		muted, err := c.Mute(ctx, tag, ch)
		if err != nil {
			continue // a wrong tag is the scene's refusal to report, not the poll's
		}
		st["mute."+tag+"."+chs] = strconv.FormatBool(muted)
	}
	return st, nil
}

func (d *tesiraDriver) Close() error { return d.s.close() }
