package main

import (
	"context"
	"log/slog"
	"reflect"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/kogge-project/kogge/daemon/config"
	"github.com/kogge-project/kogge/rooms"
	"github.com/kogge-project/kogge/rooms/av"
	"github.com/kogge-project/kogge/rooms/av/tesira"
	"github.com/kogge-project/kogge/rooms/timeline"
)

// roomAV is the AV side of the daemon: each room's devices (a supervisor
// per room), scenes and camera follower, and the hub that streams device
// changes. A reload swaps single rooms (swap); the hub stays, so open event
// streams keep hearing every room's devices.
type roomAV struct {
	log       *slog.Logger
	newDriver func(av.DeviceConfig) (av.Driver, error)
	hub       fanout[av.Status]

	mu    sync.RWMutex
	rooms map[string]*avRoom
	// followCtx is set once camera followers run (startAV): rooms swapped
	// in later start theirs under it. nil: no followers (tests).
	followCtx context.Context
}

// avRoom is one room's AV. It does not change once built: a reload
// replaces the whole avRoom.
type avRoom struct {
	spec      avSpec
	sup       *av.Supervisor
	devices   []string                   // room-local device ids, in config order
	deviceKey map[string]av.DeviceConfig // room/device -> config
	scenes    map[string]av.Scene        // name -> scene
	labels    map[string]string          // device id or "scene:"+name -> display label
	prep, end string                     // scene names
	panel     *panelControls             // what the room's panel may control
	follow    *av.Follow                 // camera_follow; nil: none
	// stopFollow ends the camera follower and waits for it (nil: none runs).
	stopFollow func()
}

// avSpec is what of a room's config its AV is built from: a reload
// rebuilds a room's AV only when this changed.
type avSpec struct {
	Devices   []av.DeviceConfig
	Labels    map[string]string // device id -> label (a new label rebuilds the room like any AV change)
	Scenes    []config.Scene
	Prep, End string
	Follow    config.CameraFollow
}

func avSpecOf(r config.Room) (avSpec, error) {
	devs, err := r.DeviceConfigs()
	if err != nil {
		return avSpec{}, err
	}
	labels := map[string]string{}
	for _, d := range r.Devices {
		if d.Label != "" {
			labels[d.ID] = d.Label
		}
	}
	return avSpec{Devices: devs, Labels: labels, Scenes: r.Scenes, Prep: r.PrepScene, End: r.EndScene, Follow: r.CameraFollow}, nil
}

func devKey(room, dev string) string { return room + "/" + dev }

// newRoomAV supervises the devices of every configured room; newDriver
// builds the protocol client for one device (rooms/av/driver_*.go).
func newRoomAV(log *slog.Logger, cfg *config.Config, newDriver func(av.DeviceConfig) (av.Driver, error)) (*roomAV, error) {
	a := &roomAV{log: log, newDriver: newDriver, rooms: map[string]*avRoom{}}
	for _, r := range cfg.Rooms {
		ar, err := a.build(r)
		if err != nil {
			a.close()
			return nil, err
		}
		a.rooms[r.ID] = ar
	}
	return a, nil
}

// build starts supervising one room's devices (followers are started
// apart, by startFollow).
func (a *roomAV) build(r config.Room) (*avRoom, error) {
	spec, err := avSpecOf(r)
	if err != nil {
		return nil, err
	}
	ar := &avRoom{spec: spec, deviceKey: map[string]av.DeviceConfig{}, scenes: map[string]av.Scene{}, labels: spec.Labels,
		prep: r.PrepScene, end: r.EndScene, panel: panelControlsOf(r)}
	ar.sup = av.NewSupervisor(a.log, a.hub.publish)
	for _, dc := range spec.Devices {
		drv, err := a.newDriver(dc)
		if err != nil {
			ar.close()
			return nil, err
		}
		// Device ids are unique per room; the supervisor (and the device
		// stream) sees room/device.
		sdc := dc
		sdc.ID = devKey(r.ID, dc.ID)
		if err := ar.sup.Add(sdc, drv); err != nil {
			ar.close()
			return nil, err
		}
		ar.devices = append(ar.devices, dc.ID)
		ar.deviceKey[sdc.ID] = dc
	}
	for _, sc := range r.SceneList() {
		ar.scenes[sc.Name] = sc
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

// avChange is a prepared reload of the AV: the rooms to swap in (already
// connecting) and the rooms to close. Nothing runs differently until
// commit; abort undoes the preparation.
type avChange struct {
	a       *roomAV
	build   map[string]*avRoom // room -> new AV (nil: remove the room's AV)
	changed []string
}

// prepare builds the AV of every room of cfg whose AV config differs from
// the running one, and notes rooms that are gone. Unchanged rooms keep
// their connections.
func (a *roomAV) prepare(cfg *config.Config) (*avChange, error) {
	ch := &avChange{a: a, build: map[string]*avRoom{}}
	a.mu.RLock()
	cur := a.rooms
	a.mu.RUnlock()
	seen := map[string]bool{}
	for _, r := range cfg.Rooms {
		seen[r.ID] = true
		spec, err := avSpecOf(r)
		if err != nil {
			ch.abort()
			return nil, err
		}
		if old, ok := cur[r.ID]; ok && reflect.DeepEqual(old.spec, spec) {
			continue
		}
		ar, err := a.build(r)
		if err != nil {
			ch.abort()
			return nil, err
		}
		ch.build[r.ID] = ar
		ch.changed = append(ch.changed, r.ID)
	}
	for id := range cur {
		if !seen[id] {
			ch.build[id] = nil
			ch.changed = append(ch.changed, id)
		}
	}
	slices.Sort(ch.changed)
	return ch, nil
}

// abort closes what prepare built.
func (ch *avChange) abort() {
	for _, ar := range ch.build {
		if ar != nil {
			ar.close()
		}
	}
}

// commit swaps the prepared rooms in and closes the ones they replace.
func (ch *avChange) commit() {
	a := ch.a
	a.mu.Lock()
	next := make(map[string]*avRoom, len(a.rooms))
	for id, ar := range a.rooms {
		next[id] = ar
	}
	var old []*avRoom
	for id, ar := range ch.build {
		if prev := next[id]; prev != nil {
			old = append(old, prev)
		}
		if ar == nil {
			delete(next, id)
			continue
		}
		next[id] = ar
		if a.followCtx != nil {
			ar.startFollow(a.followCtx)
		}
	}
	a.rooms = next
	a.mu.Unlock()
	// A command or scene already running on an old supervisor ends with
	// its closing (the device goes offline for it).
	for _, ar := range old {
		ar.close()
	}
}

// room returns a room's AV (nil: none).
func (a *roomAV) room(id string) *avRoom {
	if a == nil {
		return nil
	}
	a.mu.RLock()
	defer a.mu.RUnlock()
	return a.rooms[id]
}

// enabled reports whether any room has devices.
func (a *roomAV) enabled() bool {
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

// statuses lists a room's devices with their room-local ids.
func (a *roomAV) statuses(room string) []av.Status {
	ar := a.room(room)
	if ar == nil || len(ar.devices) == 0 {
		return []av.Status{}
	}
	var keys []string
	for _, d := range ar.devices {
		keys = append(keys, devKey(room, d))
	}
	out := ar.sup.Statuses(keys...)
	for i := range out {
		out[i].ID = ar.deviceKey[out[i].ID].ID
	}
	return out
}

// deviceView is a device's status as the pages get it: with its display
// label from the config, and for a DSP whose microphones the panel mutes,
// whether they are muted (as last set through Kogge; absent: unknown).
type deviceView struct {
	av.Status
	Label string `json:"label,omitempty"`
	Muted *bool  `json:"muted,omitempty"`
}

// deviceViews lists a room's devices for the pages.
func (a *roomAV) deviceViews(room string) []deviceView {
	out := []deviceView{}
	ar := a.room(room)
	for _, st := range a.statuses(room) {
		v := deviceView{Status: st}
		if ar != nil {
			v.Label = ar.labels[st.ID]
			for _, m := range ar.panel.Mics {
				if m.Device == st.ID {
					v.Muted = ar.panel.mutedState()
					break
				}
			}
		}
		out = append(out, v)
	}
	return out
}

// sceneLabels maps a room's labelled scenes to their labels.
func (a *roomAV) sceneLabels(room string) map[string]string {
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

// device returns a room's device config by its room-local id.
func (a *roomAV) device(room, dev string) (av.DeviceConfig, bool) {
	ar := a.room(room)
	if ar == nil {
		return av.DeviceConfig{}, false
	}
	dc, ok := ar.deviceKey[devKey(room, dev)]
	return dc, ok
}

// status is one device's status with its room-local id.
func (a *roomAV) status(room, dev string) (av.Status, error) {
	ar := a.room(room)
	if ar == nil {
		return av.Status{}, av.ErrUnknownDevice
	}
	st, err := ar.sup.Status(devKey(room, dev))
	st.ID = dev
	return st, err
}

// sceneNames lists a room's scenes, sorted.
func (a *roomAV) sceneNames(room string) []string {
	names := []string{}
	if ar := a.room(room); ar != nil {
		for n := range ar.scenes {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	return names
}

// panelOf is what a room's panel may control (nil: no AV in the room).
func (a *roomAV) panelOf(room string) *panelControls {
	if ar := a.room(room); ar != nil {
		return ar.panel
	}
	return nil
}

func (a *roomAV) do(ctx context.Context, room, dev string, cmd av.Command) error {
	ar := a.room(room)
	if ar == nil {
		return av.ErrUnknownDevice
	}
	return ar.sup.Do(ctx, devKey(room, dev), cmd)
}

// runScene runs a room's scene; device names in results are room-local.
func (a *roomAV) runScene(ctx context.Context, room, name string) ([]av.Result, bool) {
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
		act.Device = devKey(room, act.Device)
		global.Actions = append(global.Actions, act)
	}
	res := ar.sup.RunScene(ctx, global, av.DefaultSceneDeadline)
	for i := range res {
		res[i].Device = ar.deviceKey[res[i].Device].ID
	}
	return res, true
}

// runActions runs actions on a room's devices named room/device (results
// name them so too).
func (a *roomAV) runActions(ctx context.Context, room string, sc av.Scene) []av.Result {
	ar := a.room(room)
	if ar == nil {
		return nil
	}
	return ar.sup.RunScene(ctx, sc, av.DefaultSceneDeadline)
}

// scenesAt names the scenes the timeline runs in a room.
func (a *roomAV) scenesAt(room string) (prep, end string) {
	if ar := a.room(room); ar != nil {
		return ar.prep, ar.end
	}
	return "", ""
}

// followTimeline runs each room's prep scene at a booking's prep event and
// its end scene at teardown, unless the room is still (or again) in use
// then: back-to-back meetings must not see the projector go dark.
//
// Each room's scenes run in their own goroutine, one at a time per room: a
// projector warming up in one room must not delay the next room's prep.
// The scenes are looked up at each event, so a reload's take effect.
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
			prep, end := a.scenesAt(ev.Room)
			switch ev.Kind {
			case timeline.Prep:
				scene = prep
			case timeline.Teardown:
				if end == "" || inUse(ev.Room, ev.At) {
					continue
				}
				scene = end
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

// startFollowers runs the camera followers of every room under ctx, and
// of rooms a reload swaps in later.
func (a *roomAV) startFollowers(ctx context.Context) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.followCtx = ctx
	for _, ar := range a.rooms {
		ar.startFollow(ctx)
	}
}

// close ends every room's follower and device connections.
func (a *roomAV) close() {
	a.mu.Lock()
	rs := a.rooms
	a.rooms = map[string]*avRoom{}
	a.mu.Unlock()
	for _, ar := range rs {
		ar.close()
	}
}

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
		a.followTimeline(ctx, events, inUseAt(d.store.Overlapping))
	}()
	a.startFollowers(ctx)
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
