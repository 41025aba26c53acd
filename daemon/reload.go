package main

import (
	"reflect"
	"time"

	"github.com/kogge-project/kogge/rooms"
	"github.com/kogge-project/kogge/rooms/store"

	sddaemon "github.com/coreos/go-systemd/v22/daemon"
)

// reload re-reads the config on SIGHUP and swaps in its rooms. A config with
// errors, or one that removes rooms future bookings use, changes nothing.
// Other settings need a restart; connections are never dropped.
func (d *daemonProcess) reload() {
	if d.demo {
		d.log.Info("SIGHUP ignored: demo mode has no config file")
		return
	}
	_, _ = sddaemon.SdNotify(false, sddaemon.SdNotifyReloading)
	defer sddaemon.SdNotify(false, sddaemon.SdNotifyReady)
	cfg, _, err := loadConfig(d.cfgPath)
	if err != nil {
		d.log.Error("reload refused: config has errors; keeping the running config", "file", d.cfgPath, "err", err)
		return
	}
	rs, err := cfg.RoomList()
	if err != nil {
		d.log.Error("reload refused", "err", err)
		return
	}
	if err := d.catalog.Replace(rs, d.futureBookings); err != nil {
		d.log.Error("reload refused; keeping the running rooms", "err", err)
		return
	}
	if !reflect.DeepEqual(cfg.Server, d.cfg.Server) || cfg.Store != d.cfg.Store || cfg.Auth != d.cfg.Auth || cfg.Log != d.cfg.Log {
		d.log.Warn("reload: only rooms change on SIGHUP; restart kogge for server, store, auth and log settings")
	}
	d.log.Info("config reloaded", "rooms", len(rs))
}

// futureBookings lists a room's bookings that have not ended and are not
// cancelled.
func (d *daemonProcess) futureBookings(room string) ([]rooms.Booking, error) {
	var out []rooms.Booking
	err := d.store.Each(store.Query{Room: room, From: time.Now()}, func(b rooms.Booking) (bool, error) {
		if b.Status.Blocks() {
			out = append(out, b)
		}
		return len(out) < 20, nil // enough to name in a message
	})
	return out, err
}
