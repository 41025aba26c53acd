package av

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/kogge-project/kogge/rooms/av/cocon"
	"github.com/kogge-project/kogge/rooms/av/shure"
	"github.com/kogge-project/kogge/rooms/av/tesira"
)

// Gate is one microphone opening or closing.
type Gate struct {
	Channel int
	Open    bool
}

// GateSession is a device session that reports microphone gates to the
// camera follower. Its channel is closed when the session ends; Err then
// says why.
type GateSession interface {
	Gates() <-chan Gate
	Err() error
	// KeepAlive asks the device something cheap, to notice silence.
	KeepAlive(ctx context.Context) error
	Close() error
}

// ConfigError is a device that answers but does not accept what Kogge's
// configuration asks of it: a wrong login, a block that cannot report
// what camera follow needs. Retrying cannot mend it, so it is shown in
// the device's health in words (Problem) rather than retried for ever.
type ConfigError struct {
	Problem string // a sentence for an operator
	Err     error
}

func (e *ConfigError) Error() string { return e.Problem + " (" + e.Err.Error() + ")" }
func (e *ConfigError) Unwrap() error { return e.Err }

// TesiraGates opens gate sessions on a Tesira: dial (with its login) and
// subscribe to the state of each channel of the block tagged tag, which
// must be one that publishes state, such as a Logic Meter fed by the
// automixer's logic outputs (docs/protocols/tesira.md §6, §11).
func TesiraGates(tag string, dial func(ctx context.Context) (*tesira.Client, error)) func(context.Context, []int) (GateSession, error) {
	return func(ctx context.Context, channels []int) (GateSession, error) {
		c, err := dial(ctx)
		if err != nil {
			return nil, tesiraLoginProblem(err)
		}
		for _, ch := range channels {
			err := c.Subscribe(ctx, tag, "state", ch, tesiraToken(ch), 0)
			if err == nil || errors.Is(err, tesira.ErrAlreadySubscribed) {
				continue
			}
			c.Close()
			var de *tesira.DeviceError
			if errors.As(err, &de) {
				// An -ERR is the design's answer, not a passing fault.
				return nil, &ConfigError{Problem: fmt.Sprintf("the block %q cannot report which microphone is open on channel %d; camera_follow.mic_tag must name a block that publishes state, such as a Logic Meter fed by the automixer", tag, ch), Err: err}
			}
			return nil, fmt.Errorf("subscribing to %s channel %d: %w", tag, ch, err)
		}
		g := &tesiraGates{c: c, gates: make(chan Gate, 64)}
		go g.run()
		return g, nil
	}
}

// tesiraLoginProblem turns a refused login into a configuration problem.
func tesiraLoginProblem(err error) error {
	switch {
	case errors.Is(err, tesira.ErrLoginFailed):
		return &ConfigError{Problem: "the DSP refused the username or password in the configuration", Err: err}
	case errors.Is(err, tesira.ErrLoginRequired):
		return &ConfigError{Problem: "the DSP asks for a login, and the configuration names no username and password", Err: err}
	}
	return err
}

func tesiraToken(ch int) string { return "kogge-mic-" + strconv.Itoa(ch) }

type tesiraGates struct {
	c     *tesira.Client
	gates chan Gate
}

func (g *tesiraGates) run() {
	defer close(g.gates)
	for p := range g.c.Publications() {
		s, found := strings.CutPrefix(p.Token, "kogge-mic-")
		if !found {
			continue
		}
		ch, err := strconv.Atoi(s)
		if err != nil {
			continue
		}
		on, err := p.Bool()
		if err != nil {
			continue
		}
		g.gates <- Gate{Channel: ch, Open: on}
	}
}

func (g *tesiraGates) Gates() <-chan Gate { return g.gates }
func (g *tesiraGates) Err() error         { return g.c.Err() }
func (g *tesiraGates) KeepAlive(ctx context.Context) error {
	_, err := g.c.Version(ctx)
	return err
}
func (g *tesiraGates) Close() error { return g.c.Close() }

// ShureGates opens gate sessions on a Shure microphone (an MXA's
// automixer): dial, ask for each channel's gate once, and then listen to
// the reports the device sends by itself (docs/protocols/shure.md §5).
func ShureGates(dial func(ctx context.Context) (*shure.Client, error)) func(context.Context, []int) (GateSession, error) {
	return func(ctx context.Context, channels []int) (GateSession, error) {
		c, err := dial(ctx)
		if err != nil {
			return nil, err
		}
		g := &shureGates{c: c, gates: make(chan Gate, 64), want: map[int]bool{}}
		for _, ch := range channels {
			g.want[ch] = true
		}
		go g.run()
		for _, ch := range channels {
			if _, err := c.Gate(ctx, ch); err != nil {
				c.Close()
				if errors.Is(err, shure.ErrRefused) {
					return nil, &ConfigError{Problem: fmt.Sprintf("the microphone does not report an automix gate for channel %d; camera_follow.presets must name its automixer channels", ch), Err: err}
				}
				return nil, err
			}
		}
		return g, nil
	}
}

type shureGates struct {
	c     *shure.Client
	gates chan Gate
	want  map[int]bool
}

// run turns the device's gate reports (answers and unasked ones alike)
// into gates.
func (g *shureGates) run() {
	defer close(g.gates)
	for r := range g.c.Reports() {
		if r.Param != shure.ParamGate || !g.want[r.Channel] {
			continue
		}
		g.gates <- Gate{Channel: r.Channel, Open: r.Value == "ON"}
	}
}

func (g *shureGates) Gates() <-chan Gate { return g.gates }
func (g *shureGates) Err() error         { return g.c.Err() }
func (g *shureGates) KeepAlive(ctx context.Context) error {
	_, err := g.c.Model(ctx)
	return err
}
func (g *shureGates) Close() error { return g.c.Close() }

// CoConGates opens gate sessions on a discussion system: a seat whose
// microphone is switched on opens its "gate" (the seat number is the
// channel), one switched off closes it. The session's first event is the
// state as it is, so a seat already speaking is followed at once; the
// director's rule that the most recently opened wins is the chamber's
// "last one switched on" (docs/protocols/cocon.md §5.1).
func CoConGates(open func(ctx context.Context) (*cocon.Session, error)) func(context.Context, []int) (GateSession, error) {
	return func(ctx context.Context, channels []int) (GateSession, error) {
		s, err := open(ctx)
		if err != nil {
			return nil, err
		}
		g := &coconGates{s: s, gates: make(chan Gate, 64), channels: channels}
		go g.run()
		return g, nil
	}
}

type coconGates struct {
	s        *cocon.Session
	gates    chan Gate
	channels []int // the seats camera follow asked for
}

func (g *coconGates) run() {
	defer close(g.gates)
	on := map[int]bool{}
	first := true
	for ev := range g.s.Events() {
		m, ok := ev.Microphones()
		if !ok {
			continue
		}
		now := map[int]bool{}
		for _, seat := range m.Speakers {
			now[seat] = true
		}
		if first {
			// The state on connecting: the seats not speaking are
			// closed, so the follower starts at the default preset.
			first = false
			for _, seat := range g.channels {
				if !now[seat] {
					g.gates <- Gate{Channel: seat, Open: false}
				}
			}
		}
		for seat := range on {
			if !now[seat] {
				g.gates <- Gate{Channel: seat, Open: false}
			}
		}
		// In the server's order: the seat switched on last comes last.
		for _, seat := range m.Speakers {
			if !on[seat] {
				g.gates <- Gate{Channel: seat, Open: true}
			}
		}
		on = now
	}
}

func (g *coconGates) Gates() <-chan Gate { return g.gates }

// Err: the session reconnects by itself and never ends on its own; its
// last failure says why it is quiet.
func (g *coconGates) Err() error { return g.s.Err() }

// KeepAlive: the long poll is the keep-alive; a session that cannot reach
// the server says so.
func (g *coconGates) KeepAlive(ctx context.Context) error { return g.s.Err() }
func (g *coconGates) Close() error                        { return g.s.Close() }
