package roomav

import (
	"slices"
	"strconv"
	"sync"

	"github.com/kogge-project/kogge/rooms/av"
)

// PanelControls is what a room's panel may do with its AV beyond scenes:
// recall a camera preset and mute the microphones. Both come from the
// room's configuration; without it the panel shows no such buttons.
type PanelControls struct {
	Camera  string // a VISCA device, "" if none
	Presets []int
	Mics    []MicChannel // the DSP mute channels the room's scenes switch

	mu    sync.Mutex
	muted *bool // as last set through Kogge; nil: unknown
}

// MicChannel is one DSP mute channel.
type MicChannel struct{ Device, Tag, Channel string }

// defaultPresets are offered for a camera without camera_follow presets.
var defaultPresets = []int{1, 2, 3, 4, 5, 6}

// panelControlsOf reads a room's panel controls from its configuration:
// the camera of camera_follow (or the room's first VISCA camera) with the
// presets camera_follow uses (or 1–6), and every Tesira mute channel the
// room's scenes switch (the DSP's microphone mute block).
func panelControlsOf(r Room) *PanelControls {
	pc := &PanelControls{}
	kinds := map[string]string{}
	for _, d := range r.Devices {
		kinds[d.ID] = d.Kind
		if pc.Camera == "" && (d.Kind == av.KindVISCAIP || d.Kind == av.KindVISCATCP) {
			pc.Camera = d.ID
		}
	}
	if cf := r.Follow; cf.Camera != "" {
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
			if kinds[a.Device] != av.KindTesira || a.Name != "mute" || a.Args["tag"] == "" || a.Args["channel"] == "" {
				continue
			}
			m := MicChannel{Device: a.Device, Tag: a.Args["tag"], Channel: a.Args["channel"]}
			if !slices.Contains(pc.Mics, m) {
				pc.Mics = append(pc.Mics, m)
			}
		}
	}
	slices.SortFunc(pc.Mics, func(a, b MicChannel) int {
		x, _ := strconv.Atoi(a.Channel)
		y, _ := strconv.Atoi(b.Channel)
		return x - y
	})
	return pc
}

// Muted is whether the microphones are muted, as last set through Kogge
// (nil: unknown, nobody set it since the room's AV was built).
func (pc *PanelControls) Muted() *bool {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	return pc.muted
}

// SetMuted notes that every microphone channel took m.
func (pc *PanelControls) SetMuted(m bool) {
	pc.mu.Lock()
	pc.muted = &m
	pc.mu.Unlock()
}
