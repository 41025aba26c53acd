package main

import (
	"context"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/kogge-project/kogge/daemon/config"
	"github.com/kogge-project/kogge/rooms/av"
	"github.com/kogge-project/kogge/rooms/av/roomav"
	"github.com/kogge-project/kogge/rooms/timeline"
)

// avRooms translates the configured rooms into what their AV is built
// from: devices resolved (addresses with ports, passwords read from their
// files), labels, scenes, prep and end scenes, camera follow.
func avRooms(cfg *config.Config) ([]roomav.Room, error) {
	var out []roomav.Room
	for _, r := range cfg.Rooms {
		devs, err := r.DeviceConfigs()
		if err != nil {
			return nil, err
		}
		labels := map[string]string{}
		for _, d := range r.Devices {
			if d.Label != "" {
				labels[d.ID] = d.Label
			}
		}
		var scenes []roomav.Scene
		for i, sc := range r.SceneList() {
			scenes = append(scenes, roomav.Scene{Name: sc.Name, Label: r.Scenes[i].Label, Actions: sc.Actions})
		}
		cf := r.CameraFollow
		presets := map[int]int{}
		for ch, p := range cf.Presets {
			if n, err := strconv.Atoi(ch); err == nil {
				presets[n] = p
			}
		}
		out = append(out, roomav.Room{ID: r.ID, Devices: devs, Labels: labels, Scenes: scenes, Prep: r.PrepScene, End: r.EndScene,
			Follow: roomav.CameraFollow{Camera: cf.Camera, DSP: cf.DSP, MicTag: cf.MicTag, Presets: presets,
				DefaultPreset: cf.DefaultPreset, Hold: time.Duration(cf.HoldMS) * time.Millisecond}})
	}
	return out, nil
}

// newRoomAV supervises the devices of every configured room; newDriver
// builds the protocol client for one device (rooms/av/driver_*.go).
func newRoomAV(log *slog.Logger, cfg *config.Config, newDriver func(av.DeviceConfig) (av.Driver, error)) (*roomav.AV, error) {
	rs, err := avRooms(cfg)
	if err != nil {
		return nil, err
	}
	return roomav.New(log, rs, newDriver)
}

// prepareAV builds the AV of the rooms whose AV config changed in cfg
// (roomav.AV.Prepare); the reload commits or aborts it.
func prepareAV(a *roomav.AV, cfg *config.Config) (*roomav.Change, error) {
	rs, err := avRooms(cfg)
	if err != nil {
		return nil, err
	}
	return a.Prepare(rs)
}

// startAV supervises the configured devices, runs the rooms' prep and end
// scenes from the timeline, and starts camera follow where configured. The
// returned stop ends all of it. Without devices it connects nothing, but
// is there for a reload that adds some.
func (d *daemonProcess) startAV(tl *timeline.Timeline) (stop func(), err error) {
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
		a.FollowTimeline(ctx, events, roomav.InUseAt(d.store.Overlapping))
	}()
	a.StartFollowers(ctx)
	return func() {
		cancel()
		unsubscribe()
		wg.Wait()
		a.Close()
	}, nil
}
