package main

import (
	"slices"
	"strconv"
	"sync"

	"github.com/kogge-project/kogge/daemon/config"
	"github.com/kogge-project/kogge/rooms/av"
)

// panelControls is what a room's panel may do with its AV beyond scenes:
// recall a camera preset and mute the microphones. Both come from the
// room's configuration; without it the panel shows no such buttons.
type panelControls struct {
	Camera  string // a VISCA device, "" if none
	Presets []int
	Mics    []micChannel // the DSP mute channels the room's scenes switch

	mu    sync.Mutex
	muted *bool // as last set through Kogge; nil: unknown
}

// micChannel is one DSP mute channel.
type micChannel struct{ Device, Tag, Channel string }

// defaultPresets are offered for a camera without camera_follow presets.
var defaultPresets = []int{1, 2, 3, 4, 5, 6}

// panelControlsOf reads a room's panel controls from its configuration:
// the camera of camera_follow (or the room's first VISCA camera) with the
// presets camera_follow uses (or 1–6), and every Tesira mute channel the
// room's scenes switch (the DSP's microphone mute block).
func panelControlsOf(r config.Room) *panelControls {
	pc := &panelControls{}
	devs, _ := r.DeviceConfigs()
	kinds := map[string]string{}
	for _, d := range devs {
		kinds[d.ID] = d.Kind
		if pc.Camera == "" && (d.Kind == av.KindVISCAIP || d.Kind == av.KindVISCATCP) {
			pc.Camera = d.ID
		}
	}
	if cf := r.CameraFollow; cf.Camera != "" {
		pc.Camera = cf.Camera
		for _, p := range cf.Presets {
			pc.Presets = append(pc.Presets, p)
		}
		if cf.DefaultPreset > 0 {
			pc.Presets = append(pc.Presets, cf.DefaultPreset)
		}
		slices.Sort(pc.Presets)
		pc.Presets = slices.Compact(pc.Presets)
	}
	if pc.Camera != "" && len(pc.Presets) == 0 {
		pc.Presets = defaultPresets
	}
	for _, sc := range r.Scenes {
		for _, a := range sc.Actions {
			if kinds[a.Device] != av.KindTesira || a.Command != "mute" || a.Args["tag"] == "" || a.Args["channel"] == "" {
				continue
			}
			m := micChannel{Device: a.Device, Tag: a.Args["tag"], Channel: a.Args["channel"]}
			if !slices.Contains(pc.Mics, m) {
				pc.Mics = append(pc.Mics, m)
			}
		}
	}
	slices.SortFunc(pc.Mics, func(a, b micChannel) int {
		x, _ := strconv.Atoi(a.Channel)
		y, _ := strconv.Atoi(b.Channel)
		return x - y
	})
	return pc
}

func (pc *panelControls) mutedState() *bool {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	return pc.muted
}

func (pc *panelControls) setMuted(m bool) {
	pc.mu.Lock()
	pc.muted = &m
	pc.mu.Unlock()
}
