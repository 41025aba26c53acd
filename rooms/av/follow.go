package av

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"time"
)

// Follow points a camera at whoever speaks: a device reports each
// microphone's gate (a Tesira logic block, a Shure automixer; later a
// discussion system's seats), and the camera recalls that seat's preset.
type Follow struct {
	Camera string // supervisor id of the camera
	// Source is the supervisor id of the device that reports the gates:
	// a configuration problem found while following shows in its health.
	Source string
	// Open starts the session the follower listens on (its own, beside
	// the supervisor's: reports must not wait behind commands), asking
	// for the gates of the given channels. TesiraGates and ShureGates
	// build it.
	Open    func(ctx context.Context, channels []int) (GateSession, error)
	Presets map[int]int // microphone channel -> camera preset
	Default int
	// Hold: after the last microphone closes, wait this long before the
	// default preset. Debounce: a microphone must stay open this long
	// before the camera moves (a cough does not swing it round).
	Hold, Debounce time.Duration
	Log            *slog.Logger
}

// DefaultFollowDebounce keeps a flickering gate from moving the camera.
const DefaultFollowDebounce = 400 * time.Millisecond

// RunFollow follows speakers until ctx ends, reconnecting to the DSP with
// backoff. Camera commands go through the supervisor, so a hung camera
// costs only its own queue.
func RunFollow(ctx context.Context, f Follow, sup *Supervisor) {
	if f.Log == nil {
		f.Log = slog.New(slog.DiscardHandler)
	}
	if f.Debounce <= 0 {
		f.Debounce = DefaultFollowDebounce
	}
	for attempt := 0; ctx.Err() == nil; attempt++ {
		subscribed, err := f.session(ctx, sup)
		if ctx.Err() != nil {
			return
		}
		var cfg *ConfigError
		if errors.As(err, &cfg) {
			// The device answered, and said the configuration does not
			// fit it: retrying cannot help until someone changes one of
			// them (a reload restarts the follower). Say so where an
			// operator looks, the device's health, and stop.
			f.Log.Error("camera follow: configuration problem; not following", "err", err)
			sup.SetProblem(f.Source, "camera follow: "+cfg.Problem)
			<-ctx.Done()
			return
		}
		if subscribed {
			attempt = 0 // a session that worked starts the backoff afresh
		}
		f.Log.Warn("camera follow: DSP session ended", "err", err)
		t := time.NewTimer(backoff(attempt))
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}

// followKeepAlive: neither TTP nor Shure's command strings have a
// keep-alive of their own; asking the device something now and then
// notices one that went silent (docs/protocols/tesira.md §7).
const followKeepAlive = 30 * time.Second

// followRetry is when a failed preset recall is tried again.
const followRetry = 2 * time.Second

func (f Follow) session(ctx context.Context, sup *Supervisor) (subscribed bool, err error) {
	channels := make([]int, 0, len(f.Presets))
	for ch := range f.Presets {
		channels = append(channels, ch)
	}
	slices.Sort(channels)
	c, err := f.Open(ctx, channels)
	if err != nil {
		return false, err
	}
	defer c.Close()
	sup.SetProblem(f.Source, "") // following: whatever was wrong is no more
	d := director{f: f, open: map[int]time.Time{}, current: -1}
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
	alive := time.NewTicker(followKeepAlive)
	defer alive.Stop()
	for {
		select {
		case <-ctx.Done():
			return true, nil
		case <-alive.C:
			if err := c.KeepAlive(ctx); err != nil {
				return true, fmt.Errorf("keep-alive: %w", err)
			}
			continue
		case g, ok := <-c.Gates():
			if !ok {
				return true, c.Err()
			}
			d.mic(g.Channel, g.Open, time.Now())
		case <-timer.C:
		}
		preset, wait, move := d.decide(time.Now())
		if move && cameraOn(sup, f.Camera) {
			err := sup.Do(ctx, f.Camera, Command{Name: "preset.recall", Args: map[string]string{"preset": strconv.Itoa(preset)}})
			if err != nil {
				f.Log.Warn("camera follow: preset recall failed", "preset", preset, "err", err)
				wait = followRetry
			} else {
				d.current = preset
			}
		}
		if wait > 0 {
			// Another microphone may still be debouncing, or the hold
			// running: look again then.
			timer.Reset(wait)
		}
	}
}

// cameraOn: a camera in standby refuses presets; following resumes with
// the next microphone change once a scene has switched it on.
func cameraOn(sup *Supervisor, id string) bool {
	st, err := sup.Status(id)
	return err == nil && st.State["power"] == "on" // unknown (not polled yet) is not on
}

// director decides where the camera looks; it is pure, so its rules are
// tested without a DSP.
type director struct {
	f       Follow
	open    map[int]time.Time // open microphones and since when
	closed  time.Time         // when the last open microphone closed
	current int               // preset the camera was last sent to (-1: none)
}

func (d *director) mic(ch int, on bool, now time.Time) {
	if _, known := d.f.Presets[ch]; !known {
		return
	}
	if on {
		if _, already := d.open[ch]; !already {
			d.open[ch] = now
		}
		return
	}
	delete(d.open, ch)
	if len(d.open) == 0 {
		d.closed = now
	}
}

// decide returns the preset to recall now (move), or how long to wait
// before deciding again (a debounce or hold in progress).
func (d *director) decide(now time.Time) (preset int, wait time.Duration, move bool) {
	// The most recently opened microphone that has been open long enough
	// is the speaker; one that opened just now is still being debounced.
	speaker, since := -1, time.Time{}
	var pending time.Duration
	for ch, at := range d.open {
		if held := now.Sub(at); held < d.f.Debounce {
			if left := d.f.Debounce - held; pending == 0 || left < pending {
				pending = left
			}
			continue
		}
		if at.After(since) || (at.Equal(since) && ch < speaker) {
			speaker, since = ch, at
		}
	}
	switch {
	case speaker >= 0:
		preset = d.f.Presets[speaker]
	case len(d.open) > 0:
		return 0, pending, false // only debouncing microphones: keep looking where we are
	default:
		if left := d.f.Hold - now.Sub(d.closed); left > 0 && d.current >= 0 {
			return 0, left, false
		}
		preset = d.f.Default
	}
	if preset == d.current {
		return 0, pending, false
	}
	return preset, pending, true
}
