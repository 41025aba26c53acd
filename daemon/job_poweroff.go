package main

import (
	"context"
	"fmt"
	"time"

	"github.com/kogge-project/kogge/daemon/config"
	"github.com/kogge-project/kogge/rooms/av"
	"github.com/kogge-project/kogge/rooms/av/roomav"
)

// powerOffJob puts the displays and cameras of the job's rooms (all when
// it lists none) into standby, except in rooms where a booking is running:
// an evening council session must not lose its projector at 22:00.
func (d *daemonProcess) powerOffJob(cfg config.Job) (string, error) {
	if !d.av.Enabled() {
		return "no devices configured", nil
	}
	rooms := cfg.Rooms
	if len(rooms) == 0 {
		for _, r := range d.catalog.All() {
			rooms = append(rooms, r.ID)
		}
	}
	now := time.Now()
	inUse := roomav.InUseAt(d.store.Overlapping)
	var off, skipped, failed int
	for _, room := range rooms {
		if inUse(room, now) {
			skipped++
			continue
		}
		var sc av.Scene
		for _, st := range d.av.Statuses(room) {
			switch st.Kind {
			case av.KindPJLink, av.KindVISCAIP, av.KindVISCATCP:
				sc.Actions = append(sc.Actions, av.Action{Device: roomav.DeviceKey(room, st.ID),
					Command: av.Command{Name: "power", Args: map[string]string{"on": "false"}}})
			}
		}
		ctx := d.ctx
		if ctx == nil {
			ctx = context.Background()
		}
		for _, r := range d.av.RunActions(ctx, room, sc) {
			if r.OK {
				off++
			} else {
				failed++
				d.log.Warn("power-off failed", "room", room, "device", r.Device, "err", r.Error)
			}
		}
	}
	summary := fmt.Sprintf("%d devices to standby, %d rooms in use left on, %d failed", off, skipped, failed)
	if failed > 0 {
		return summary, fmt.Errorf("%s", summary)
	}
	return summary, nil
}
