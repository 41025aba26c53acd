package backends

import (
	"log/slog"
	"strconv"
	"time"

	"github.com/kogge-project/kogge/daemon/config"
	"github.com/kogge-project/kogge/rooms/av"
	"github.com/kogge-project/kogge/rooms/av/roomav"
)

// AVRooms translates the configured rooms into what their AV is built
// from: devices resolved (addresses with ports, passwords read from their
// files), labels, scenes, prep and end scenes, camera follow.
func AVRooms(cfg *config.Config) ([]roomav.Room, error) {
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

// NewRoomAV supervises the devices of every configured room; newDriver
// builds the protocol client for one device (rooms/av/driver_*.go).
func NewRoomAV(log *slog.Logger, cfg *config.Config, newDriver func(av.DeviceConfig) (av.Driver, error)) (*roomav.AV, error) {
	rs, err := AVRooms(cfg)
	if err != nil {
		return nil, err
	}
	return roomav.New(log, rs, newDriver)
}
