package main

import (
	"context"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/kogge-project/kogge/daemon/config"
	"github.com/kogge-project/kogge/rooms"
	"github.com/kogge-project/kogge/rooms/av"
	"github.com/kogge-project/kogge/rooms/av/tesira"
	"github.com/kogge-project/kogge/rooms/timeline"
)

// roomAV is the AV side of the daemon: the device supervisor, each room's
// devices and scenes, and the hub that streams device changes.
type roomAV struct {
	log       *slog.Logger
	sup       *av.Supervisor
	devices   map[string][]string            // room -> device ids
	deviceKey map[string]av.DeviceConfig     // room/device -> config
	scenes    map[string]map[string]av.Scene // room -> name -> scene
	prep, end map[string]string              // room -> scene name
	hub       fanout[av.Status]
	panel     map[string]*panelControls // room -> what its panel may control
}

func devKey(room, dev string) string { return room + "/" + dev }

// newRoomAV supervises the devices of every configured room; newDriver
// builds the protocol client for one device (drivers.go).
func newRoomAV(log *slog.Logger, cfg *config.Config, newDriver func(av.DeviceConfig) (av.Driver, error)) (*roomAV, error) {
	a := &roomAV{log: log, devices: map[string][]string{}, deviceKey: map[string]av.DeviceConfig{},
		scenes: map[string]map[string]av.Scene{}, prep: map[string]string{}, end: map[string]string{},
		panel: map[string]*panelControls{}}
	a.sup = av.NewSupervisor(log, a.hub.publish)
	for _, r := range cfg.Rooms {
		devs, err := r.DeviceConfigs()
		if err != nil {
			a.sup.Close()
			return nil, err
		}
		for _, dc := range devs {
			drv, err := newDriver(dc)
			if err != nil {
				a.sup.Close()
				return nil, err
			}
			// Device ids are unique per room; the supervisor sees room/device.
			sdc := dc
			sdc.ID = devKey(r.ID, dc.ID)
			if err := a.sup.Add(sdc, drv); err != nil {
				a.sup.Close()
				return nil, err
			}
			a.devices[r.ID] = append(a.devices[r.ID], dc.ID)
			a.deviceKey[sdc.ID] = dc
		}
		a.scenes[r.ID] = map[string]av.Scene{}
		for _, sc := range r.SceneList() {
			a.scenes[r.ID][sc.Name] = sc
		}
		a.prep[r.ID], a.end[r.ID] = r.PrepScene, r.EndScene
		a.panel[r.ID] = panelControlsOf(r)
	}
	return a, nil
}

// statuses lists a room's devices with their room-local ids.
func (a *roomAV) statuses(room string) []av.Status {
	var keys []string
	for _, d := range a.devices[room] {
		keys = append(keys, devKey(room, d))
	}
	if len(keys) == 0 {
		return []av.Status{}
	}
	out := a.sup.Statuses(keys...)
	for i := range out {
		out[i].ID = a.deviceKey[out[i].ID].ID
	}
	return out
}

func (a *roomAV) do(ctx context.Context, room, dev string, cmd av.Command) error {
	return a.sup.Do(ctx, devKey(room, dev), cmd)
}

// runScene runs a room's scene; device names in results are room-local.
func (a *roomAV) runScene(ctx context.Context, room, name string) ([]av.Result, bool) {
	sc, ok := a.scenes[room][name]
	if !ok {
		return nil, false
	}
	global := av.Scene{Name: sc.Name}
	for _, act := range sc.Actions {
		act.Device = devKey(room, act.Device)
		global.Actions = append(global.Actions, act)
	}
	res := a.sup.RunScene(ctx, global, av.DefaultSceneDeadline)
	for i := range res {
		res[i].Device = a.deviceKey[res[i].Device].ID
	}
	return res, true
}

// followTimeline runs each room's prep scene at a booking's prep event and
// its end scene at teardown, unless the room is still (or again) in use
// then: back-to-back meetings must not see the projector go dark.
//
// Each room's scenes run in their own goroutine, one at a time per room: a
// projector warming up in one room must not delay the next room's prep.
func (a *roomAV) followTimeline(ctx context.Context, events <-chan timeline.Event, inUse func(room string, at time.Time) bool) {
	var wg sync.WaitGroup
	defer wg.Wait()
	locks := map[string]*sync.Mutex{}
	for {
		select {
		case <-ctx.Done():
			return
		case ev, ok := <-events:
			if !ok {
				return
			}
			var scene string
			switch ev.Kind {
			case timeline.Prep:
				scene = a.prep[ev.Room]
			case timeline.Teardown:
				if inUse(ev.Room, ev.At) {
					continue
				}
				scene = a.end[ev.Room]
			}
			if scene == "" {
				continue // the timeline sends a late prep only while the meeting is still ahead
			}
			lock := locks[ev.Room]
			if lock == nil {
				lock = &sync.Mutex{}
				locks[ev.Room] = lock
			}
			wg.Add(1)
			go func(ev timeline.Event, scene string) {
				defer wg.Done()
				lock.Lock()
				defer lock.Unlock()
				res, _ := a.runScene(ctx, ev.Room, scene)
				failed := 0
				for _, r := range res {
					if !r.OK {
						failed++
					}
				}
				a.log.Info("scene run by the timeline", "room", ev.Room, "scene", scene, "event", ev.Kind, "booking", ev.Booking, "failed", failed)
			}(ev, scene)
		}
	}
}

func (a *roomAV) close() { a.sup.Close() }

// inUseAt reports whether a room has a booking occupying it around at
// (its buffers included), for the end scene.
func inUseAt(lookup func(room string, from, to time.Time) ([]rooms.Booking, error)) func(string, time.Time) bool {
	return func(room string, at time.Time) bool {
		bs, err := lookup(room, at, at.Add(time.Minute))
		return err == nil && len(bs) > 0
	}
}

// startAV supervises the configured devices, runs the rooms' prep and end
// scenes from the timeline, and starts camera follow where configured. The
// returned stop ends all of it. Without devices it does nothing.
func (d *daemonProcess) startAV(tl *timeline.Timeline) (stop func(), err error) {
	any := false
	for _, r := range d.cfg.Rooms {
		any = any || len(r.Devices) > 0
	}
	if !any {
		return func() {}, nil
	}
	a, err := newRoomAV(d.log.With("component", "av"), d.cfg, av.NewDriver)
	if err != nil {
		return nil, err
	}
	d.av = a
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	events, unsubscribe := tl.Subscribe("", 64)
	wg.Add(1)
	go func() {
		defer wg.Done()
		a.followTimeline(ctx, events, inUseAt(d.store.Overlapping))
	}()
	for _, r := range d.cfg.Rooms {
		f, ok := cameraFollow(r, d.log)
		if !ok {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			av.RunFollow(ctx, f, a.sup)
		}()
	}
	return func() {
		cancel()
		unsubscribe()
		wg.Wait()
		a.close()
	}, nil
}

// cameraFollow turns a room's camera_follow table into the follower's
// settings.
func cameraFollow(r config.Room, log *slog.Logger) (av.Follow, bool) {
	cf := r.CameraFollow
	if cf.Camera == "" {
		return av.Follow{}, false
	}
	devs, _ := r.DeviceConfigs()
	var dsp av.DeviceConfig
	for _, dc := range devs {
		if dc.ID == cf.DSP {
			dsp = dc
		}
	}
	presets := map[int]int{}
	for ch, p := range cf.Presets {
		if n, err := strconv.Atoi(ch); err == nil {
			presets[n] = p
		}
	}
	return av.Follow{
		Camera: devKey(r.ID, cf.Camera), MicTag: cf.MicTag, Presets: presets, Default: cf.DefaultPreset,
		Hold: time.Duration(cf.HoldMS) * time.Millisecond,
		Log:  log.With("component", "camera-follow", "room", r.ID),
		Dial: func(ctx context.Context) (*tesira.Client, error) {
			return tesira.Dial(ctx, dsp.Address, tesira.Options{DialTimeout: dsp.ConnectTimeout, CommandTimeout: dsp.CommandTimeout})
		},
	}, true
}
