package roomav

import (
	"maps"
	"slices"
	"strconv"
	"strings"
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

// MicChannel is one microphone mute channel: of a Tesira block (Tag) or
// of a Shure device (no tag).
type MicChannel struct{ Device, Tag, Channel string }

// MuteCommand is the command that mutes (or unmutes) the channel.
func (m MicChannel) MuteCommand(mute bool) av.Command {
	args := map[string]string{"channel": m.Channel, "mute": strconv.FormatBool(mute)}
	if m.Tag != "" {
		args["tag"] = m.Tag
	}
	return av.Command{Name: "mute", Args: args}
}

// stateKey is where the device's driver reports the channel's mute.
func (m MicChannel) stateKey() string {
	if m.Tag == "" {
		return "mute." + m.Channel
	}
	return "mute." + m.Tag + "." + m.Channel
}

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
			k := kinds[a.Device]
			if a.Name != "mute" || a.Args["channel"] == "" || !(k == av.KindTesira && a.Args["tag"] != "" || k == av.KindShure) {
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

// watchOptions adds to a microphone device's options the channels its
// driver reads on each poll (the ones the room's scenes mute), unless the
// configuration lists them itself.
func (pc *PanelControls) watchOptions(dc av.DeviceConfig) map[string]string {
	key := map[string]string{av.KindTesira: "mutes", av.KindShure: "channels"}[dc.Kind]
	if key == "" || dc.Options[key] != "" {
		return dc.Options
	}
	var list []string
	for _, m := range pc.Mics {
		if m.Device != dc.ID {
			continue
		}
		if m.Tag != "" {
			list = append(list, m.Tag+":"+m.Channel)
		} else {
			list = append(list, m.Channel)
		}
	}
	if len(list) == 0 {
		return dc.Options
	}
	out := maps.Clone(dc.Options)
	if out == nil {
		out = map[string]string{}
	}
	out[key] = strings.Join(list, ",")
	return out
}

// mutedOf is whether a device's microphone channels are muted as it
// reports them in st; before it has reported them all, as last set
// through Kogge.
func (pc *PanelControls) mutedOf(dev string, st av.State) *bool {
	return pc.mutedAll(map[string]av.State{dev: st}, dev)
}

// mutedAll is whether every microphone channel (of the given devices; all
// when none are given) is muted by the devices' reports: true when all
// are, false when any is not, the last state set through Kogge when a
// device has not reported yet.
func (pc *PanelControls) mutedAll(states map[string]av.State, only ...string) *bool {
	all, seen := true, 0
	for _, m := range pc.Mics {
		if len(only) > 0 && !slices.Contains(only, m.Device) {
			continue
		}
		v, ok := states[m.Device][m.stateKey()]
		if !ok {
			return pc.Muted()
		}
		seen++
		all = all && v == "true"
	}
	if seen == 0 {
		return pc.Muted()
	}
	return &all
}
