package main

import (
	"errors"
	"reflect"

	"github.com/kogge-project/kogge/daemon/backends"
	"github.com/kogge-project/kogge/daemon/config"
	"github.com/kogge-project/kogge/daemon/jobs"
	"github.com/kogge-project/kogge/rooms/av/roomav"

	sddaemon "github.com/coreos/go-systemd/v22/daemon"
)

// reloadable are the config sections a SIGHUP applies; every other section
// takes effect on restart (a reload that changes one says so).
var reloadable = map[string]bool{"rooms": true, "closures": true, "jobs": true}

// reload re-reads the config on SIGHUP and applies, all or nothing, its
// rooms (with their devices, scenes and camera follow), closures and jobs.
// A config with errors, or one that removes rooms future bookings use,
// changes nothing. Other sections need a restart; connections are never
// dropped.
func (d *daemonProcess) reload() {
	if d.demo {
		d.log.Info("SIGHUP ignored: demo mode has no config file")
		return
	}
	_, _ = sddaemon.SdNotify(false, sddaemon.SdNotifyReloading)
	defer sddaemon.SdNotify(false, sddaemon.SdNotifyReady)
	cfg, _, err := loadConfig(d.cfgPath)
	if err != nil {
		var problems config.Errors
		if errors.As(err, &problems) {
			list := make([]string, len(problems))
			for i, p := range problems {
				list[i] = p.String()
			}
			d.log.Error("reload refused: config has errors; keeping the running config", "file", d.cfgPath, "problems", list, "err", err)
		} else {
			d.log.Error("reload refused: config has errors; keeping the running config", "file", d.cfgPath, "err", err)
		}
		return
	}
	for _, w := range cfg.Warnings() {
		d.log.Warn("config: "+w.Message, "key", w.Path)
	}

	// Everything that can fail is readied first; the running config is
	// touched only once all of it has.
	rs, err := cfg.RoomList()
	if err != nil {
		d.log.Error("reload refused; keeping the running config", "err", err)
		return
	}
	var nextJobs jobs.Plan
	if d.jobs != nil {
		if nextJobs, err = d.jobs.Prepare(cfg.Jobs); err != nil {
			d.log.Error("reload refused; keeping the running config", "err", err)
			return
		}
	}
	var avc *roomav.Change
	if d.av != nil {
		if avc, err = prepareAV(d.av, cfg); err != nil {
			d.log.Error("reload refused; keeping the running config", "err", err)
			return
		}
	}
	if err := d.catalog.Replace(rs, d.futureBookings); err != nil {
		if avc != nil {
			avc.Abort()
		}
		d.log.Error("reload refused; keeping the running config", "err", err)
		return
	}

	closures := cfg.ClosureList()
	d.closures.Store(&closures)
	if d.jobs != nil {
		d.jobs.Replace(nextJobs)
	}
	var avRooms []string
	if avc != nil {
		avc.Commit()
		avRooms = avc.Changed()
	}
	for _, section := range restartSections(d.cfg, cfg) {
		d.log.Warn("reload: changes to ["+section+"] take effect on restart", "section", section)
	}
	d.log.Info("config reloaded", "rooms", len(rs), "closures", len(closures), "jobs", len(cfg.Jobs), "av_rooms_rebuilt", avRooms)
}

// restartSections names the sections other than rooms, closures and jobs
// in which next differs from running: those a reload does not apply.
func restartSections(running, next *config.Config) []string {
	var out []string
	a, b := reflect.ValueOf(running).Elem(), reflect.ValueOf(next).Elem()
	t := a.Type()
	for i := range t.NumField() {
		name := t.Field(i).Tag.Get("toml")
		if name == "" || reloadable[name] {
			continue
		}
		if !reflect.DeepEqual(a.Field(i).Interface(), b.Field(i).Interface()) {
			out = append(out, name)
		}
	}
	return out
}

// prepareAV builds the AV of the rooms whose AV config changed in cfg
// (roomav.AV.Prepare); the reload commits or aborts it.
func prepareAV(a *roomav.AV, cfg *config.Config) (*roomav.Change, error) {
	rs, err := backends.AVRooms(cfg)
	if err != nil {
		return nil, err
	}
	return a.Prepare(rs)
}
