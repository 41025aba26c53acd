package main

import (
	"testing"

	"github.com/kogge-project/kogge/daemon/config"
	"github.com/kogge-project/kogge/rooms/av"
)

// The power-off job, wired as the daemon wires it, reaches the rooms'
// real (emulated) devices: the display switched on goes to standby.
func TestPowerOffJobPutsTheDevicesToStandby(t *testing.T) {
	e := newTestEnv(t, withDemoDevices)
	anna := e.login("anna")
	anna.do("POST", "/api/v1/rooms/sitzungszimmer-2/scenes/on", nil)
	summary, err := e.d.jobActions()["power-off"](config.Job{Name: "standby", Rooms: []string{"sitzungszimmer-2"}})
	if err != nil || summary != "1 devices to standby, 0 rooms in use left on, 0 failed" {
		t.Fatalf("power-off: %q %v", summary, err)
	}
	var devs struct {
		Devices []av.Status `json:"devices"`
	}
	anna.do("GET", "/api/v1/rooms/sitzungszimmer-2/devices", nil).json(t, &devs)
	if len(devs.Devices) != 1 || devs.Devices[0].State["power"] != "off" {
		t.Fatalf("devices after power-off: %+v", devs.Devices)
	}
}
