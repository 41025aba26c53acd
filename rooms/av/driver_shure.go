package av

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strconv"
	"strings"
	"sync"

	"github.com/kogge-project/kogge/rooms/av/shure"
)

// shureDriver adapts a Shure command-string client to the supervisor.
// The device reports changes by itself (docs/protocols/shure.md §4), so
// the driver keeps the mute state from those reports and hands every
// change to the supervisor at once (Reporter).
type shureDriver struct {
	cfg DeviceConfig
	s   session[*shure.Client]

	mu     sync.Mutex
	state  State
	report func(State)
}

func newShureDriver(cfg DeviceConfig) Driver { return &shureDriver{cfg: cfg, state: State{}} }

func (d *shureDriver) OnReport(report func(State)) { d.report = report }

func (d *shureDriver) Connect(ctx context.Context) error {
	digits, _ := strconv.Atoi(d.cfg.Options["channel_digits"])
	return d.s.dial(ctx, func(ctx context.Context) (*shure.Client, error) {
		c, err := shure.Dial(ctx, d.cfg.Address, shure.Options{DialTimeout: d.cfg.ConnectTimeout, CommandTimeout: d.cfg.CommandTimeout, ChannelDigits: digits})
		if err != nil {
			return nil, err
		}
		go d.listen(c)
		return c, nil
	})
}

// listen records the mute reports of one connection until it ends.
func (d *shureDriver) listen(c *shure.Client) {
	for r := range c.Reports() {
		if r.Param != shure.ParamMute || r.Channel < 1 || (r.Value != "ON" && r.Value != "OFF") {
			continue // gates change every few words: camera follow listens to them, the panel not
		}
		d.mu.Lock()
		d.state["mute."+strconv.Itoa(r.Channel)] = strconv.FormatBool(r.Value == "ON")
		st := maps.Clone(d.state)
		report := d.report
		d.mu.Unlock()
		if report != nil {
			report(st)
		}
	}
}

func (d *shureDriver) Exec(ctx context.Context, cmd Command) error {
	c, err := d.s.client()
	if err != nil {
		return err
	}
	if cmd.Name != "mute" {
		return fmt.Errorf("a shure device has no command %q", cmd.Name)
	}
	ch, err := strconv.Atoi(cmd.Args["channel"])
	if err != nil {
		return fmt.Errorf("channel %q is not a number", cmd.Args["channel"])
	}
	on, err := boolArg(cmd, "mute")
	if err != nil {
		return err
	}
	// SetMute returns once the device reported the new state: the
	// scene's mute is confirmed by the microphone, not assumed.
	return shureAnswer(c.SetMute(ctx, ch, on))
}

// shureAnswer marks the device's refusals (an unknown channel, a report of
// another state) as its answers.
func shureAnswer(err error) error {
	if errors.Is(err, shure.ErrRefused) || errors.Is(err, shure.ErrNotConfirmed) {
		return &RefusedError{Err: err}
	}
	return err
}

// Poll asks for the model (proof of life) and the mute of the channels
// the room uses (Options["channels"], "1,2,3"), which the reports then
// keep current.
func (d *shureDriver) Poll(ctx context.Context) (State, error) {
	c, err := d.s.client()
	if err != nil {
		return nil, err
	}
	model, err := c.Model(ctx)
	if err != nil {
		return nil, shureAnswer(err)
	}
	d.mu.Lock()
	d.state["model"] = model
	d.mu.Unlock()
	for _, ch := range channelList(d.cfg.Options["channels"]) {
		m, err := c.Mute(ctx, ch)
		if errors.Is(err, shure.ErrRefused) {
			continue // not a channel of this model
		}
		if err != nil {
			return nil, err
		}
		d.mu.Lock()
		d.state["mute."+strconv.Itoa(ch)] = strconv.FormatBool(m)
		d.mu.Unlock()
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	return maps.Clone(d.state), nil
}

func (d *shureDriver) Close() error { return d.s.close() }

// channelList reads "1,2,5" (blanks and bad entries skipped).
func channelList(s string) []int {
	var out []int
	for _, f := range strings.Split(s, ",") {
		if n, err := strconv.Atoi(strings.TrimSpace(f)); err == nil && n > 0 {
			out = append(out, n)
		}
	}
	return out
}
