package roomav

import (
	"context"

	"github.com/kogge-project/kogge/rooms/av"
)

// DeviceView is a device's status as the pages get it: with its display
// label from the config, and for a DSP or microphone whose channels the
// panel mutes, whether they are muted, as the device reports it (or,
// before it reported, as last set through Kogge; absent: unknown).
type DeviceView struct {
	av.Status
	Label string `json:"label,omitempty"`
	Muted *bool  `json:"muted,omitempty"`
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
	return a.do(ctx, room, dev, cmd, a.forward)
}

// DoHere is Do without sending the command on: a room this node does not
// drive (or whose devices are not swapped in yet) answers ErrNotOwner.
// It runs the commands another node sent here (Options.Forward's other
// end), which must never travel on again.
func (a *AV) DoHere(ctx context.Context, room, dev string, cmd av.Command) error {
	return a.do(ctx, room, dev, cmd, nil)
}

func (a *AV) do(ctx context.Context, room, dev string, cmd av.Command,
	forward func(ctx context.Context, room, device string, cmd av.Command) error) error {
	ar := a.room(room)
	if ar == nil {
		return av.ErrUnknownDevice
	}
	if !ar.owned {
		if _, ok := ar.deviceKey[DeviceKey(room, dev)]; !ok {
			return av.ErrUnknownDevice
		}
		if forward != nil {
			return forward(ctx, room, dev, cmd)
		}
		return ErrNotOwner
	}
	return ar.sup.Do(ctx, DeviceKey(room, dev), cmd)
}
