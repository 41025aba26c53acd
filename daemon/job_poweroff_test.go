package main

import (
	"testing"
	"time"

	"github.com/kogge-project/kogge/daemon/config"
	"github.com/kogge-project/kogge/rooms/av"
)

// The power-off job, wired as the daemon wires it, reaches the rooms'
// real (emulated) devices: the display switched on goes to standby.
func TestPowerOffJobPutsTheDevicesToStandby(t *testing.T) {
	e := newTestEnv(t, withDemoDevices)
	anna := e.login("anna")
	anna.do("POST", "/api/v1/rooms/sitzungszimmer-2/scenes/on", nil) // answers at once; the scene runs on
	var devs struct {
		Devices []av.Status `json:"devices"`
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		anna.do("GET", "/api/v1/rooms/sitzungszimmer-2/devices", nil).json(t, &devs)
		if len(devs.Devices) == 1 && devs.Devices[0].State["power"] == "on" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the scene did not switch the display on: %+v", devs.Devices)
		}
	}
	summary, err := e.d.jobActions()["power-off"](t.Context(), config.Job{Name: "standby", Rooms: []string{"sitzungszimmer-2"}})
	if err != nil || summary != "1 devices to standby, 0 rooms in use left on, 0 failed" {
		t.Fatalf("power-off: %q %v", summary, err)
	}
	anna.do("GET", "/api/v1/rooms/sitzungszimmer-2/devices", nil).json(t, &devs)
	if len(devs.Devices) != 1 || devs.Devices[0].State["power"] != "off" {
		t.Fatalf("devices after power-off: %+v", devs.Devices)
	}
}
