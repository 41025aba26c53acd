package roomav

import (
	"cmp"
	"context"
	"log/slog"
	"reflect"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/kogge-project/kogge/rooms"
	"github.com/kogge-project/kogge/rooms/av"
	"github.com/kogge-project/kogge/rooms/av/cocon"
	"github.com/kogge-project/kogge/rooms/av/shure"
	"github.com/kogge-project/kogge/rooms/av/tesira"
	"github.com/kogge-project/kogge/rooms/timeline"
)

// AV is the AV side of the daemon: each room's devices (a supervisor
// per room), scenes and camera follower, and the hub that streams device
// changes. A reload swaps single rooms (Prepare); the hub stays, so open
// event streams keep hearing every room's devices. Its methods are safe
// on a nil *AV (no AV at all).
type AV struct {
	log       *slog.Logger
	newDriver func(av.DeviceConfig) (av.Driver, error)
	hub       hub[av.Status]
	scenes    hub[SceneEvent]
	seats     seatLists      // discussion systems' request lists, per room
	sceneWG   sync.WaitGroup // scenes started by StartScene

	mu    sync.RWMutex
	rooms map[string]*avRoom
	// followCtx is set once camera followers run (StartFollowers): rooms
	// swapped in later start theirs under it. nil: no followers (tests).
	followCtx context.Context

	// own says which rooms this node drives (nil: all, one machine);
	// recheck wakes its follower after a reload (ownership.go).
	own     Ownership
	recheck chan struct{}
	// board carries the statuses of the rooms this node drives to the
	// other nodes, and theirs here (nil: one machine; board.go).
	board   StatusBoard
	remote  remoteStatuses
	forward func(ctx context.Context, room, device string, cmd av.Command) error
	// sceneRelay carries the steps of the scenes started here to the
	// other nodes' event streams, and theirs here (nil: one machine;
	// scenes.go).
	sceneRelay SceneRelay
	// stop ends the ownership and board goroutines; done is closed when
	// they have.
	stop context.CancelFunc
	done sync.WaitGroup
}

// avRoom is one room's AV. It does not change once built: a reload
// replaces the whole avRoom.
type avRoom struct {
	spec Room
	// owned: this node drives the room's devices. sup supervises them;
	// on a node that does not own the room it is a closed supervisor
	// with no devices (no connection at all), and the statuses come from
	// the owner (board.go).
	owned     bool
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
// Camera followers start with StartFollowers. It is Open for one
// machine: this node drives every room.
func New(log *slog.Logger, rooms []Room, newDriver func(av.DeviceConfig) (av.Driver, error)) (*AV, error) {
	return Open(Options{Log: log, Rooms: rooms, NewDriver: newDriver})
}

// Options is what Open builds the AV from.
type Options struct {
	Log   *slog.Logger
	Rooms []Room
	// NewDriver builds the protocol client for one device (av.NewDriver,
	// or a fake in tests).
	NewDriver func(av.DeviceConfig) (av.Driver, error)
	// Ownership says which rooms this node drives (nil: every room, one
	// machine). Rooms it does not own are not connected to at all.
	Ownership Ownership
	// Board publishes the statuses of the rooms this node drives and
	// brings the others' (nil: none, one machine).
	Board StatusBoard
	// Forward sends a command on a room another node drives to that
	// node (nil: such a command fails with ErrNotOwner). It serves the
	// daemon's own commands — a seat's microphone switched from the
	// speaker queue of a meeting on this node, the evening power-off —
	// while people's requests are forwarded whole by daemon/web.
	Forward func(ctx context.Context, room, device string, cmd av.Command) error
	// Scenes carries the steps of scenes started here to the other
	// nodes and theirs here (nil: none, one machine).
	Scenes SceneRelay
}

// Open supervises the devices of the rooms this node owns, follows
// ownership as it moves, and shows the other rooms' devices as their
// owners publish them. Close ends all of it.
func Open(o Options) (*AV, error) {
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	a := &AV{log: o.Log, newDriver: o.NewDriver, rooms: map[string]*avRoom{}, own: o.Ownership, board: o.Board,
		forward: o.Forward, sceneRelay: o.Scenes, recheck: make(chan struct{}, 1)}
	ctx, cancel := context.WithCancel(context.Background())
	a.stop = cancel
	for _, r := range o.Rooms {
		ar, err := a.build(r, a.owns(r.ID))
		if err != nil {
			a.Close()
			return nil, err
		}
		a.rooms[r.ID] = ar
	}
	if a.sceneRelay != nil {
		steps := a.sceneRelay.Watch(ctx)
		a.done.Go(func() {
			for ev := range steps {
				a.scenes.publish(ev)
			}
		})
	}
	if a.board != nil {
		watch := a.board.Watch(ctx)
		a.done.Go(func() { a.hearBoard(watch) })
		a.announce(a.ownedRooms())
	}
	if a.own != nil {
		// Its first round catches a change made while the rooms were built.
		a.done.Go(func() { a.followOwnership(ctx.Done()) })
	}
	return a, nil
}

// build prepares one room's AV; owned, it starts supervising the room's
// devices (followers are started apart, by startFollow).
func (a *AV) build(r Room, owned bool) (*avRoom, error) {
	ar := &avRoom{spec: r, owned: owned, deviceKey: map[string]av.DeviceConfig{}, scenes: map[string]av.Scene{}, labels: r.Labels,
		prep: r.Prep, end: r.End, panel: panelControlsOf(r)}
	ar.sup = av.NewSupervisor(a.log, func(st av.Status) {
		a.hub.publish(st)
		a.seats.changed(r.ID, st) // a discussion system's request list
		if a.board != nil {
			a.board.Publish(r.ID, ar.localStatuses())
		}
	})
	if !owned {
		ar.sup.Close() // drives nothing: no connection, commands refused
	}
	var add []av.DeviceConfig
	for _, dc := range r.Devices {
		// Errors name the device as people know it, not room/device.
		dc.Label = cmp.Or(r.Labels[dc.ID], dc.ID)
		dc.Options = ar.panel.watchOptions(dc)
		// Device ids are unique per room; the supervisor (and the device
		// stream) sees room/device.
		ar.devices = append(ar.devices, dc.ID)
		ar.deviceKey[DeviceKey(r.ID, dc.ID)] = dc
		add = append(add, dc)
	}
	// Only now the devices start: a device's first status calls the
	// callback above, which lists the room's devices (localStatuses)
	// from its own goroutine, so the list must be complete and no
	// longer written.
	for _, dc := range add {
		if !owned {
			break
		}
		drv, err := a.newDriver(dc)
		if err != nil {
			ar.close()
			return nil, err
		}
		sdc := dc
		sdc.ID = DeviceKey(r.ID, dc.ID)
		if err := ar.sup.Add(sdc, drv); err != nil {
			ar.close()
			return nil, err
		}
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
	if ar.follow == nil || ar.stopFollow != nil || !ar.owned {
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

// Statuses lists a room's devices with their room-local ids: as this
// node's supervisor knows them if it drives the room, else as the owner
// published them.
func (a *AV) Statuses(room string) []av.Status {
	ar := a.room(room)
	if ar == nil || len(ar.devices) == 0 {
		return []av.Status{}
	}
	if !ar.owned {
		return a.remote.of(ar)
	}
	return ar.localStatuses()
}

// localStatuses lists the room's devices as its supervisor knows them,
// with room-local ids, ordered by id.
func (ar *avRoom) localStatuses() []av.Status {
	var keys []string
	for _, d := range ar.devices {
		keys = append(keys, DeviceKey(ar.spec.ID, d))
	}
	out := ar.sup.Statuses(keys...)
	for i := range out {
		out[i].ID = ar.deviceKey[out[i].ID].ID
	}
	return out
}

// DeviceView is a device's status as the pages get it: with its display
// label from the config, and for a DSP or microphone whose channels the
// panel mutes, whether they are muted, as the device reports it (or,
// before it reported, as last set through Kogge; absent: unknown).
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
					v.Muted = ar.panel.mutedOf(st.ID, st.State)
					break
				}
			}
		}
		out = append(out, v)
	}
	return out
}

// MicMuted is whether the room's microphones are muted, as their devices
// report it (nil: not known).
func (a *AV) MicMuted(room string) *bool {
	ar := a.room(room)
	if ar == nil {
		return nil
	}
	states := map[string]av.State{}
	for _, st := range a.Statuses(room) {
		states[st.ID] = st.State
	}
	return ar.panel.mutedAll(states)
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
	if !ar.owned {
		for _, st := range a.remote.of(ar) {
			if st.ID == dev {
				return st, nil
			}
		}
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
	if !ar.owned {
		if _, ok := ar.deviceKey[DeviceKey(room, dev)]; !ok {
			return av.ErrUnknownDevice
		}
		if a.forward != nil {
			return a.forward(ctx, room, dev, cmd)
		}
		return ErrNotOwner
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
	if ar.owned {
		res = ar.sup.RunScene(ctx, global, av.DefaultSceneDeadline)
	} else {
		res = notOwned(global)
	}
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
	if !ar.owned {
		if a.forward == nil {
			return notOwned(sc)
		}
		// One action after the other, each sent to the owner: the
		// daemon's actions (the power-off) are few and not urgent.
		ctx, cancel := context.WithTimeout(ctx, av.DefaultSceneDeadline)
		defer cancel()
		out := make([]av.Result, len(sc.Actions))
		for i, act := range sc.Actions {
			out[i] = av.Result{Device: act.Device, Command: act.Name, OK: true}
			if err := a.forward(ctx, room, ar.deviceKey[act.Device].ID, act.Command); err != nil {
				out[i].OK, out[i].Error = false, err.Error()
			}
		}
		return out
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

// Close ends every room's follower and device connections, and the
// following of ownership and of the other nodes' statuses.
func (a *AV) Close() {
	if a.stop != nil {
		a.stop()
	}
	a.done.Wait()
	a.mu.Lock()
	rs := a.rooms
	a.rooms = map[string]*avRoom{}
	a.mu.Unlock()
	for _, ar := range rs {
		ar.close()
	}
	a.sceneWG.Wait() // their supervisors closed: the scenes end at once
}

// Change is a prepared reload of the AV: the rooms to swap in (already
// connecting) and the rooms to close. Nothing runs differently until
// Commit; Abort undoes the preparation.
type Change struct {
	a       *AV
	build   map[string]*avRoom // room -> new AV (nil: remove the room's AV)
	changed []string
}

// Prepare builds the AV of every room whose Room differs from the running
// one, and notes rooms that are gone. Unchanged rooms keep their
// connections.
func (a *AV) Prepare(rooms []Room) (*Change, error) {
	ch := &Change{a: a, build: map[string]*avRoom{}}
	a.mu.RLock()
	cur := a.rooms
	a.mu.RUnlock()
	seen := map[string]bool{}
	for _, r := range rooms {
		seen[r.ID] = true
		if old, ok := cur[r.ID]; ok && reflect.DeepEqual(old.spec, r) {
			continue
		}
		ar, err := a.build(r, a.owns(r.ID))
		if err != nil {
			ch.Abort()
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

// Changed names the rooms the change rebuilds or removes, sorted.
func (ch *Change) Changed() []string { return ch.changed }

// Abort closes what Prepare built.
func (ch *Change) Abort() {
	for _, ar := range ch.build {
		if ar != nil {
			ar.close()
		}
	}
}

// Commit swaps the prepared rooms in and closes the ones they replace.
func (ch *Change) Commit() {
	ch.a.swap(ch.build, nil)
	// Prepare built with the ownership of its moment; if a room moved
	// since, the ownership follower swaps it again.
	ch.a.nudge()
	ch.a.announce(ch.changed)
}

// swap puts the built rooms in (nil: remove the room) and closes the ones
// they replace. With expect, a room is swapped only if the running one is
// still expect[id] (an ownership change must not undo a reload that
// committed meanwhile); the others' builds are closed and looked at again.
func (a *AV) swap(build, expect map[string]*avRoom) {
	a.mu.Lock()
	next := make(map[string]*avRoom, len(a.rooms))
	for id, ar := range a.rooms {
		next[id] = ar
	}
	var old []*avRoom
	for id, ar := range build {
		if exp, ok := expect[id]; ok && next[id] != exp {
			if ar != nil {
				old = append(old, ar)
			}
			a.nudge()
			continue
		}
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

// FollowTimeline runs each room's prep scene at a booking's prep event and
// its end scene at teardown, unless the room is still (or again) in use
// then: back-to-back meetings must not see the projector go dark. It
// returns when ctx ends or events closes, once the scenes it started are
// done.
//
// Each room's scenes run in their own goroutine, one at a time per room: a
// projector warming up in one room must not delay the next room's prep.
// The scenes are looked up at each event, so a reload's take effect.
//
// claim, if set, is asked before a scene runs and must say yes for it to
// run: on a cluster it records the run in the store, so that of the nodes
// that hear the event (a new leader replaying what it heard while nobody
// led) one runs it.
func (a *AV) FollowTimeline(ctx context.Context, events <-chan timeline.Event, inUse func(room string, at time.Time) bool,
	claim func(ev timeline.Event, scene string) bool) {
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
				if claim != nil && !claim(ev, scene) {
					return
				}
				lock.Lock()
				defer lock.Unlock()
				res, _ := a.RunScene(ctx, ev.Room, scene)
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

// InUseAt reports whether a room has a booking occupying it around at
// (its buffers included), for the end scene and the evening power-off;
// lookup lists the bookings overlapping [from, to) in a room.
func InUseAt(lookup func(room string, from, to time.Time) ([]rooms.Booking, error)) func(room string, at time.Time) bool {
	return func(room string, at time.Time) bool {
		bs, err := lookup(room, at, at.Add(time.Minute))
		return err == nil && len(bs) > 0
	}
}

// cameraFollow turns a room's camera follow settings into the follower's:
// the gates come from a Tesira's logic block or a Shure automixer.
func cameraFollow(r Room, log *slog.Logger) (av.Follow, bool) {
	cf := r.Follow
	if cf.Camera == "" {
		return av.Follow{}, false
	}
	var src av.DeviceConfig
	for _, dc := range r.Devices {
		if dc.ID == cf.DSP {
			src = dc
		}
	}
	f := av.Follow{
		Camera: DeviceKey(r.ID, cf.Camera), Source: DeviceKey(r.ID, cf.DSP), Presets: cf.Presets, Default: cf.DefaultPreset,
		Hold: cf.Hold,
		Log:  log.With("component", "camera-follow", "room", r.ID),
	}
	switch src.Kind {
	case av.KindCoCon:
		f.Open = av.CoConGates(func(ctx context.Context) (*cocon.Session, error) {
			return cocon.Open(ctx, cocon.NewClient(src.Address, cocon.Options{CommandTimeout: src.CommandTimeout}))
		})
	case av.KindShure:
		digits, _ := strconv.Atoi(src.Options["channel_digits"])
		f.Open = av.ShureGates(func(ctx context.Context) (*shure.Client, error) {
			return shure.Dial(ctx, src.Address, shure.Options{DialTimeout: src.ConnectTimeout, CommandTimeout: src.CommandTimeout, ChannelDigits: digits})
		})
	default:
		f.Open = av.TesiraGates(cf.MicTag, func(ctx context.Context) (*tesira.Client, error) {
			return tesira.Dial(ctx, src.Address, av.TesiraOptions(src))
		})
	}
	return f, true
}
