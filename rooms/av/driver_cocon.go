package av

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/kogge-project/kogge/rooms/av/cocon"
)

// coconDriver adapts a Televic CoCon discussion system to the supervisor.
// Its session long-polls for the Microphone and Delegate models
// (docs/protocols/cocon.md §3); every change is handed to the supervisor
// at once (Reporter) as the state:
//
//	"speakers": "3,7"     seats whose microphone is on, in switching order
//	"requests": "5,2"     the request list, in the chamber's order
//	"seat.5":   "Name"    who sits at a seat (the config's seats, else the
//	                      delegate data)
//
// The room's AV reads the request list from it for the speaker queue.
type coconDriver struct {
	cfg DeviceConfig
	s   session[*cocon.Session]
	c   *cocon.Client

	mu     sync.Mutex
	state  State
	report func(State)
}

// Keys of a CoCon device's state.
const (
	StateSpeakers = "speakers"
	StateRequests = "requests"
	stateSeat     = "seat."
)

func newCoConDriver(cfg DeviceConfig) Driver {
	d := &coconDriver{cfg: cfg, state: State{}}
	for seat, name := range cfg.Seats {
		d.state[SeatKey(seat)] = name
	}
	d.c = cocon.NewClient(cfg.Address, cocon.Options{HTTP: &http.Client{}, CommandTimeout: cfg.CommandTimeout})
	return d
}

// SeatKey is the state key naming who sits at a seat.
func SeatKey(seat int) string { return stateSeat + strconv.Itoa(seat) }

func (d *coconDriver) OnReport(report func(State)) { d.report = report }

func (d *coconDriver) Connect(ctx context.Context) error {
	return d.s.dial(ctx, func(ctx context.Context) (*cocon.Session, error) {
		s, err := cocon.Open(ctx, d.c)
		if err != nil {
			return nil, err
		}
		go d.listen(s)
		return s, nil
	})
}

// listen keeps the state from one session's events until it ends. Other
// models' events (Voting, when council votes come from the units) pass by
// here untouched: a listener for them reads Event.Data itself.
func (d *coconDriver) listen(s *cocon.Session) {
	for ev := range s.Events() {
		d.mu.Lock()
		changed := false
		if m, ok := ev.Microphones(); ok {
			d.state[StateSpeakers], d.state[StateRequests] = seatList(m.Speakers), seatList(m.Requests)
			changed = true
		}
		if sc, ok := ev.SeatChange(); ok {
			if _, fixed := d.cfg.Seats[sc.Seat]; !fixed {
				// The config's names win: they are how the council
				// wants its members called.
				if name := sc.Delegate.FullName(); sc.OnSeat && name != "" {
					d.state[SeatKey(sc.Seat)] = name
				} else {
					delete(d.state, SeatKey(sc.Seat))
				}
				changed = true
			}
		}
		st := maps.Clone(d.state)
		report := d.report
		d.mu.Unlock()
		if changed && report != nil {
			report(st)
		}
	}
}

func seatList(seats []int) string {
	parts := make([]string, len(seats))
	for i, s := range seats {
		parts[i] = strconv.Itoa(s)
	}
	return strings.Join(parts, ",")
}

// Exec: "mic" {seat, on} switches a seat's microphone on (which takes it
// off the request list) or off.
func (d *coconDriver) Exec(ctx context.Context, cmd Command) error {
	if _, err := d.s.client(); err != nil {
		return err
	}
	if cmd.Name != "mic" {
		return fmt.Errorf("a cocon device has no command %q", cmd.Name)
	}
	seat, err := strconv.Atoi(cmd.Args["seat"])
	if err != nil {
		return fmt.Errorf("seat %q is not a number", cmd.Args["seat"])
	}
	on, err := boolArg(cmd, "on")
	if err != nil {
		return err
	}
	state := cocon.MicOff
	if on {
		state = cocon.MicOn
	}
	err = d.c.SetState(ctx, seat, state)
	if errors.Is(err, cocon.ErrRefused) {
		return &RefusedError{Err: err}
	}
	return err
}

// Poll asks for the microphone state (proof of life; the session keeps
// it current in between).
func (d *coconDriver) Poll(ctx context.Context) (State, error) {
	if _, err := d.s.client(); err != nil {
		return nil, err
	}
	m, err := d.c.MicrophoneState(ctx)
	if err != nil {
		return nil, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.state[StateSpeakers], d.state[StateRequests] = seatList(m.Speakers), seatList(m.Requests)
	return maps.Clone(d.state), nil
}

func (d *coconDriver) Close() error { return d.s.close() }

// SeatsOf reads a seat list ("5,2") from a CoCon device's state.
func SeatsOf(st State, key string) []int { return channelList(st[key]) }
