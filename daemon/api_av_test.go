package main

import (
	"log/slog"
	"net/http"
	"testing"

	"github.com/kogge-project/kogge/daemon/config"
	"github.com/kogge-project/kogge/rooms/av"
)

// withDemoDevices gives the test server the demo's emulated devices.
func (e *testEnv) withDemoDevices() {
	e.t.Helper()
	cfg := config.Demo(e.t.TempDir())
	emulators, err := startDemoDevices(cfg)
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { emulators.Close() })
	a, err := newRoomAV(slog.New(slog.DiscardHandler), cfg, av.NewDriver)
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(a.close)
	e.server.av = a
}

func TestDevicesScenesAndCommands(t *testing.T) {
	e := newTestEnv(t)
	e.withDemoDevices()
	anna := e.login("anna")
	var run struct {
		Results []av.Result `json:"results"`
	}
	anna.do("POST", "/api/v1/rooms/sitzungszimmer-2/scenes/on", nil).json(t, &run)
	if len(run.Results) != 1 || !run.Results[0].OK {
		t.Fatalf("scene: %+v", run.Results)
	}
	var devs struct {
		Devices []av.Status `json:"devices"`
		Scenes  []string    `json:"scenes"`
	}
	anna.do("GET", "/api/v1/rooms/sitzungszimmer-2/devices", nil).json(t, &devs)
	if len(devs.Devices) != 1 || devs.Devices[0].ID != "display" || devs.Devices[0].State["power"] != "on" || len(devs.Scenes) != 2 {
		t.Fatalf("devices %+v", devs)
	}
	r := anna.do("POST", "/api/v1/rooms/ratssaal/devices/dsp/commands", map[string]any{"command": "mute", "args": map[string]string{"tag": "MicMute", "channel": "2", "mute": "true"}})
	if r.status != http.StatusOK {
		t.Fatalf("command: %d %s", r.status, r.body)
	}
	anna.do("POST", "/api/v1/rooms/ratssaal/devices/dsp/commands", map[string]any{"command": "explode"}).problem(t, 422, "invalid-command")
	anna.do("POST", "/api/v1/rooms/ratssaal/devices/dsp/commands", map[string]any{"command": "mute", "args": map[string]string{"tag": "Nope", "channel": "1", "mute": "true"}}).problem(t, 502, "device-error")
	anna.do("POST", "/api/v1/rooms/ratssaal/devices/toaster/commands", map[string]any{"command": "power"}).problem(t, 404, "unknown-device")
	anna.do("POST", "/api/v1/rooms/ratssaal/scenes/party", nil).problem(t, 404, "unknown-scene")
	anna.do("GET", "/api/v1/rooms/keller/devices", nil).problem(t, 404, "unknown-room")
}
