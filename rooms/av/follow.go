package av

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kogge-project/kogge/rooms/av/tesira"
)

// Follow points a camera at whoever speaks: the DSP publishes each
// microphone's gate state, and the camera recalls that seat's preset.
type Follow struct {
	Camera string // supervisor id of the camera
	// Dial opens the DSP session the follower subscribes on (its own,
	// beside the supervisor's: publications must not wait behind commands).
	Dial    func(ctx context.Context) (*tesira.Client, error)
	MicTag  string
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

func token(ch int) string { return "kogge-mic-" + strconv.Itoa(ch) }

// followKeepAlive: TTP has no keep-alive of its own; asking for the
// version now and then notices a DSP that went silent
// (docs/protocols/tesira.md §7).
const followKeepAlive = 30 * time.Second

// followRetry is when a failed preset recall is tried again.
const followRetry = 2 * time.Second

func (f Follow) session(ctx context.Context, sup *Supervisor) (subscribed bool, err error) {
	c, err := f.Dial(ctx)
	if err != nil {
		return false, err
	}
	defer c.Close()
	channels := make([]int, 0, len(f.Presets))
	for ch := range f.Presets {
		channels = append(channels, ch)
	}
	slices.Sort(channels)
	for _, ch := range channels {
		if err := c.Subscribe(ctx, f.MicTag, "state", ch, token(ch), 0); err != nil && !errors.Is(err, tesira.ErrAlreadySubscribed) {
			return false, fmt.Errorf("subscribing to %s channel %d: %w", f.MicTag, ch, err)
		}
	}
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
		case <-c.Done():
			return true, c.Err()
		case <-alive.C:
			if _, err := c.Version(ctx); err != nil {
				return true, fmt.Errorf("keep-alive: %w", err)
			}
			continue
		case p, ok := <-c.Publications():
			if !ok {
				return true, c.Err()
			}
			ch, on, ok := parsePublication(p)
			if !ok {
				continue
			}
			d.mic(ch, on, time.Now())
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

func parsePublication(p tesira.Publication) (ch int, on bool, ok bool) {
	s, found := strings.CutPrefix(p.Token, "kogge-mic-")
	if !found {
		return 0, false, false
	}
	ch, err := strconv.Atoi(s)
	if err != nil {
		return 0, false, false
	}
	on, err = p.Bool()
	return ch, on, err == nil
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
