package roomav

import (
	"context"
	"log/slog"
	"strconv"
	"sync"

	"github.com/kogge-project/kogge/rooms/av"
	"github.com/kogge-project/kogge/rooms/av/cocon"
	"github.com/kogge-project/kogge/rooms/av/shure"
	"github.com/kogge-project/kogge/rooms/av/tesira"
)

// avRoom is one room's AV. It does not change once built: a reload
// replaces the whole avRoom.
type avRoom struct {
	spec Room
	// owned: this node drives the room's devices. sup supervises them;
	// on a node that does not own the room it is a closed supervisor
	// with no devices (no connection at all), and the statuses come from
	// the owner (board.go).
	owned bool
	sup   *av.Supervisor
	// publishing orders the room's publications on the board: each
	// device reports on its own goroutine, and a snapshot taken before
	// another device's newer one must not be published after it (the
	// board would keep the older one until the next change).
	publishing sync.Mutex
	devices    []string                   // room-local device ids, in config order
	deviceKey  map[string]av.DeviceConfig // room/device -> config
	scenes     map[string]av.Scene        // name -> scene
	labels     map[string]string          // device id -> display label
	prep, end  string                     // scene names
	panel      *PanelControls             // what the room's panel may control
	follow     *av.Follow                 // camera_follow; nil: none
	// stopFollow ends the camera follower and waits for it (nil: none runs).
	stopFollow func()
}

// DeviceKey is a device's id in the supervisor and in the device stream
// (Subscribe), and the device name RunActions takes: room/device. Device
// ids are unique per room only.
func DeviceKey(room, dev string) string { return room + "/" + dev }

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

// publish puts the room's present statuses on b: the snapshot and its
// publication in one step, in order with the room's other publications.
func (ar *avRoom) publish(b StatusBoard, room string) {
	ar.publishing.Lock()
	defer ar.publishing.Unlock()
	b.Publish(room, ar.localStatuses())
}
