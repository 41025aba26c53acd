package jobs

import (
	"context"
	"fmt"
	"time"

	"github.com/kogge-project/kogge/daemon/config"
	"github.com/kogge-project/kogge/rooms/av"
)

// powerOff puts the displays and cameras of the job's rooms (all when it
// lists none) into standby, except in rooms where a booking is running:
// an evening council session must not lose its projector at 22:00.
func (d Deps) powerOff(ctx context.Context, cfg config.Job) (string, error) {
	if d.AV == nil || !d.AV.Enabled() {
		return "no devices configured", nil
	}
	rooms := cfg.Rooms
	if len(rooms) == 0 {
		for _, r := range d.Catalog.All() {
			rooms = append(rooms, r.ID)
		}
	}
	now := time.Now()
	var off, skipped, failed int
	for _, room := range rooms {
		if err := ctx.Err(); err != nil {
			return "", fmt.Errorf("stopped after %d devices: %w", off, context.Cause(ctx))
		}
		if d.InUse != nil && d.InUse(room, now) {
			skipped++
			continue
		}
		var standby []av.Action
		for _, st := range d.AV.Statuses(room) {
			switch st.Kind {
			case av.KindPJLink, av.KindVISCAIP, av.KindVISCATCP:
				standby = append(standby, av.Action{Device: st.ID,
					Command: av.Command{Name: "power", Args: map[string]string{"on": "false"}}})
			}
		}
		for _, r := range d.AV.RunActions(ctx, room, standby) {
			if r.OK {
				off++
			} else {
				failed++
				d.Log.Warn("power-off failed", "room", room, "device", r.Device, "err", r.Error)
			}
		}
	}
	summary := fmt.Sprintf("%d devices to standby, %d rooms in use left on, %d failed", off, skipped, failed)
	if failed > 0 {
		return summary, fmt.Errorf("%s", summary)
	}
	return summary, nil
}
