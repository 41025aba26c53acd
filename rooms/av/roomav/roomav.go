package roomav

import (
	"context"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/kogge-project/kogge/rooms/av"
)

// Room is what of a room's configuration its AV is built from. A reload
// rebuilds a room's AV only when its Room changed.
type Room struct {
	ID string
	// Devices are resolved (addresses with their ports, passwords read),
	// with room-local ids, in config order.
	Devices []av.DeviceConfig
	Labels  map[string]string // device id -> label (a new label rebuilds the room like any AV change)
	Scenes  []Scene
	// Prep and End name the scenes the timeline runs before a booking
	// and after it ("": none).
	Prep, End string
	Follow    CameraFollow
}

// Scene is one of a room's scenes: actions on its devices by room-local
// id, and the label its button shows ("": the name).
type Scene struct {
	Name, Label string
	Actions     []av.Action
}

// CameraFollow points the room's camera at whoever speaks (Camera "":
// no follower).
type CameraFollow struct {
	Camera, DSP string      // room-local ids of a VISCA camera and a Tesira DSP
	MicTag      string      // the DSP instance tag whose channels are the microphones
	Presets     map[int]int // microphone channel -> camera preset
	// DefaultPreset is recalled Hold after the last microphone closed.
	DefaultPreset int
	Hold          time.Duration
}

// AV is the AV side of the daemon: each room's devices (a supervisor
// per room), scenes and camera follower, and the hub that streams device
// changes. A reload swaps single rooms (Prepare); the hub stays, so open
// event streams keep hearing every room's devices. Its methods are safe
// on a nil *AV (no AV at all).
type AV struct {
	log       *slog.Logger
	newDriver func(av.DeviceConfig) (av.Driver, error)
	hub       hub

	mu    sync.RWMutex
	rooms map[string]*avRoom
	// followCtx is set once camera followers run (StartFollowers): rooms
	// swapped in later start theirs under it. nil: no followers (tests).
	followCtx context.Context
}

// avRoom is one room's AV. It does not change once built: a reload
// replaces the whole avRoom.
type avRoom struct {
	spec      Room
	sup       *av.Supervisor
	devices   []string                   // room-local device ids, in config order
	deviceKey map[string]av.DeviceConfig // room/device -> config
	scenes    map[string]av.Scene        // name -> scene
	labels    map[string]string          // device id -> display label
	prep, end string                     // scene names
	panel     *PanelControls             // what the room's panel may control
	follow    *av.Follow                 // camera_follow; nil: none
	// stopFollow ends the camera follower and waits for it (nil: none runs).
	stopFollow func()
}

// DeviceKey is a device's id in the supervisor and in the device stream
// (Subscribe), and the device name RunActions takes: room/device. Device
// ids are unique per room only.
func DeviceKey(room, dev string) string { return room + "/" + dev }

// New supervises the devices of every room; newDriver builds the
// protocol client for one device (av.NewDriver, or a fake in tests).
// Camera followers start with StartFollowers.
func New(log *slog.Logger, rooms []Room, newDriver func(av.DeviceConfig) (av.Driver, error)) (*AV, error) {
	a := &AV{log: log, newDriver: newDriver, rooms: map[string]*avRoom{}}
	for _, r := range rooms {
		ar, err := a.build(r)
		if err != nil {
			a.Close()
			return nil, err
		}
		a.rooms[r.ID] = ar
	}
	return a, nil
}

// build starts supervising one room's devices (followers are started
// apart, by startFollow).
func (a *AV) build(r Room) (*avRoom, error) {
	ar := &avRoom{spec: r, deviceKey: map[string]av.DeviceConfig{}, scenes: map[string]av.Scene{}, labels: r.Labels,
		prep: r.Prep, end: r.End, panel: panelControlsOf(r)}
	ar.sup = av.NewSupervisor(a.log, a.hub.publish)
	for _, dc := range r.Devices {
		drv, err := a.newDriver(dc)
		if err != nil {
			ar.close()
			return nil, err
		}
		// Device ids are unique per room; the supervisor (and the device
		// stream) sees room/device.
		sdc := dc
		sdc.ID = DeviceKey(r.ID, dc.ID)
		if err := ar.sup.Add(sdc, drv); err != nil {
			ar.close()
			return nil, err
		}
		ar.devices = append(ar.devices, dc.ID)
		ar.deviceKey[sdc.ID] = dc
	}
	for _, sc := range r.Scenes {
		ar.scenes[sc.Name] = av.Scene{Name: sc.Name, Actions: sc.Actions}
	}
	if f, ok := cameraFollow(r, a.log); ok {
		ar.follow = &f
	}
	return ar, nil
}

// startFollow runs the room's camera follower under ctx.
func (ar *avRoom) startFollow(ctx context.Context) {
	if ar.follow == nil || ar.stopFollow != nil {
		return
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		av.RunFollow(ctx, *ar.follow, ar.sup)
	}()
	ar.stopFollow = func() { cancel(); <-done }
}

// close ends the room's follower and its device connections.
func (ar *avRoom) close() {
	if ar.stopFollow != nil {
		ar.stopFollow()
	}
	ar.sup.Close()
}

// room returns a room's AV (nil: none).
func (a *AV) room(id string) *avRoom {
	if a == nil {
		return nil
	}
	a.mu.RLock()
	defer a.mu.RUnlock()
	return a.rooms[id]
}

// Enabled reports whether any room has devices.
func (a *AV) Enabled() bool {
	if a == nil {
		return false
	}
	a.mu.RLock()
	defer a.mu.RUnlock()
	for _, ar := range a.rooms {
		if len(ar.devices) > 0 {
			return true
		}
	}
	return false
}

// Subscribe streams every room's device changes, devices named by
// DeviceKey, until stop is called. A subscriber that falls buffer changes
// behind misses some (each carries the whole status).
func (a *AV) Subscribe(buffer int) (changes <-chan av.Status, stop func()) {
	return a.hub.subscribe(buffer)
}

// Statuses lists a room's devices with their room-local ids.
func (a *AV) Statuses(room string) []av.Status {
	ar := a.room(room)
	if ar == nil || len(ar.devices) == 0 {
		return []av.Status{}
	}
	var keys []string
	for _, d := range ar.devices {
		keys = append(keys, DeviceKey(room, d))
	}
	out := ar.sup.Statuses(keys...)
	for i := range out {
		out[i].ID = ar.deviceKey[out[i].ID].ID
	}
	return out
}

// DeviceView is a device's status as the pages get it: with its display
// label from the config, and for a DSP whose microphones the panel mutes,
// whether they are muted (as last set through Kogge; absent: unknown).
type DeviceView struct {
	av.Status
	Label string `json:"label,omitempty"`
	Muted *bool  `json:"muted,omitempty"`
}

// DeviceViews lists a room's devices for the pages.
func (a *AV) DeviceViews(room string) []DeviceView {
	out := []DeviceView{}
	ar := a.room(room)
	for _, st := range a.Statuses(room) {
		v := DeviceView{Status: st}
		if ar != nil {
			v.Label = ar.labels[st.ID]
			for _, m := range ar.panel.Mics {
				if m.Device == st.ID {
					v.Muted = ar.panel.Muted()
					break
				}
			}
		}
		out = append(out, v)
	}
	return out
}

// SceneLabels maps a room's labelled scenes to their labels.
func (a *AV) SceneLabels(room string) map[string]string {
	out := map[string]string{}
	if ar := a.room(room); ar != nil {
		for _, sc := range ar.spec.Scenes {
			if sc.Label != "" {
				out[sc.Name] = sc.Label
			}
		}
	}
	return out
}

// Device returns a room's device config by its room-local id.
func (a *AV) Device(room, dev string) (av.DeviceConfig, bool) {
	ar := a.room(room)
	if ar == nil {
		return av.DeviceConfig{}, false
	}
	dc, ok := ar.deviceKey[DeviceKey(room, dev)]
	return dc, ok
}

// Status is one device's status with its room-local id.
func (a *AV) Status(room, dev string) (av.Status, error) {
	ar := a.room(room)
	if ar == nil {
		return av.Status{}, av.ErrUnknownDevice
	}
	st, err := ar.sup.Status(DeviceKey(room, dev))
	st.ID = dev
	return st, err
}

// SceneNames lists a room's scenes, sorted.
func (a *AV) SceneNames(room string) []string {
	names := []string{}
	if ar := a.room(room); ar != nil {
		for n := range ar.scenes {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	return names
}

// Panel is what a room's panel may control (nil: no AV in the room).
func (a *AV) Panel(room string) *PanelControls {
	if ar := a.room(room); ar != nil {
		return ar.panel
	}
	return nil
}

// Do runs one command on a room's device (room-local id); it does not
// check the command against the device's kind (av.CheckCommand does).
func (a *AV) Do(ctx context.Context, room, dev string, cmd av.Command) error {
	ar := a.room(room)
	if ar == nil {
		return av.ErrUnknownDevice
	}
	return ar.sup.Do(ctx, DeviceKey(room, dev), cmd)
}

// RunScene runs a room's scene; device names in results are room-local.
// ok is false if the room has no such scene.
func (a *AV) RunScene(ctx context.Context, room, name string) (res []av.Result, ok bool) {
	ar := a.room(room)
	if ar == nil {
		return nil, false
	}
	sc, ok := ar.scenes[name]
	if !ok {
		return nil, false
	}
	global := av.Scene{Name: sc.Name}
	for _, act := range sc.Actions {
		act.Device = DeviceKey(room, act.Device)
		global.Actions = append(global.Actions, act)
	}
	res = ar.sup.RunScene(ctx, global, av.DefaultSceneDeadline)
	for i := range res {
		res[i].Device = ar.deviceKey[res[i].Device].ID
	}
	return res, true
}

// RunActions runs actions on a room's devices named by DeviceKey (results
// name them so too).
func (a *AV) RunActions(ctx context.Context, room string, sc av.Scene) []av.Result {
	ar := a.room(room)
	if ar == nil {
		return nil
	}
	return ar.sup.RunScene(ctx, sc, av.DefaultSceneDeadline)
}

// scenesAt names the scenes the timeline runs in a room.
func (a *AV) scenesAt(room string) (prep, end string) {
	if ar := a.room(room); ar != nil {
		return ar.prep, ar.end
	}
	return "", ""
}

// StartFollowers runs the camera followers of every room under ctx, and
// of rooms a reload swaps in later.
func (a *AV) StartFollowers(ctx context.Context) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.followCtx = ctx
	for _, ar := range a.rooms {
		ar.startFollow(ctx)
	}
}

// Close ends every room's follower and device connections.
func (a *AV) Close() {
	a.mu.Lock()
	rs := a.rooms
	a.rooms = map[string]*avRoom{}
	a.mu.Unlock()
	for _, ar := range rs {
		ar.close()
	}
}
