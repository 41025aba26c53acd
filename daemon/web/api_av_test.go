package web

import (
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/kogge-project/kogge/daemon/backends"
	"github.com/kogge-project/kogge/daemon/config"
	"github.com/kogge-project/kogge/daemon/demo"
	"github.com/kogge-project/kogge/rooms/av"
)

// withDemoDevices gives the test server the demo's emulated devices.
func (e *testEnv) withDemoDevices() {
	e.t.Helper()
	cfg := config.Demo(e.t.TempDir())
	emulators, err := demo.StartDevices(cfg)
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { emulators.Close() })
	a, err := backends.NewRoomAV(slog.New(slog.DiscardHandler), cfg, av.NewDriver)
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(a.Close)
	e.server.av = a
}

func TestDevicesScenesAndCommands(t *testing.T) {
	e := newTestEnv(t)
	e.withDemoDevices()
	events := e.sceneStream("sitzungszimmer-2")
	anna := e.login("anna")
	results, _ := events.run(startScene(t, anna, "/api/v1/rooms/sitzungszimmer-2/scenes/on"), 20*time.Second)
	if len(results) != 1 || !results[0].OK {
		t.Fatalf("scene: %+v", results)
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

// The devices API and the panel state carry the config's labels; a reload
// with new labels shows them at once.
func TestDeviceAndSceneLabelsReachThePages(t *testing.T) {
	e := newTestEnv(t)
	e.withDemoDevices()
	anna := e.login("anna")
	type listing struct {
		Devices []struct {
			ID    string `json:"id"`
			Label string `json:"label"`
			Muted *bool  `json:"muted"`
		} `json:"devices"`
		Scenes      []string          `json:"scenes"`
		SceneLabels map[string]string `json:"scene_labels"`
	}
	var l listing
	anna.do("GET", "/api/v1/rooms/ratssaal/devices", nil).json(t, &l)
	// Listed by id: anlage (the discussion system), beamer, dsp, kamera.
	if len(l.Devices) != 4 || l.Devices[0].Label != "Diskussionsanlage" || l.Devices[1].Label != "Beamer" || l.Devices[2].Label != "Mikrofone" || l.Devices[3].Label != "Kamera" {
		t.Fatalf("device labels: %+v", l.Devices)
	}
	if l.SceneLabels["hybrid"] != "Hybride Sitzung" || l.SceneLabels["off"] != "Alles aus" || len(l.Scenes) != 2 {
		t.Fatalf("scene labels: %+v %+v", l.Scenes, l.SceneLabels)
	}
	// Muted is what the DSP reports (once it has answered its first
	// poll): nobody muted the microphones yet.
	for deadline := time.Now().Add(10 * time.Second); l.Devices[2].Muted == nil && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond) // polling the API, with a deadline
		anna.do("GET", "/api/v1/rooms/ratssaal/devices", nil).json(t, &l)
	}
	if l.Devices[2].Muted == nil || *l.Devices[2].Muted {
		t.Fatalf("before any mute, muted is %v", l.Devices[2].Muted)
	}
	if r := anna.do("POST", "/api/v1/panel/ratssaal/mute", map[string]bool{"mute": true}); r.status != http.StatusOK {
		t.Fatalf("mute: %d %s", r.status, r.body)
	}
	anna.do("GET", "/api/v1/rooms/ratssaal/devices", nil).json(t, &l)
	if l.Devices[2].Muted == nil || !*l.Devices[2].Muted || l.Devices[1].Muted != nil {
		t.Fatalf("muted: %+v", l.Devices)
	}

	cfg := config.Demo(t.TempDir())
	emulators, err := demo.StartDevices(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { emulators.Close() })
	cfg.Rooms[1].Devices[0].Label = "Großer Bildschirm"
	cfg.Rooms[1].Scenes[0].Label = "Präsentation"
	rs, err := backends.AVRooms(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ch, err := e.server.av.Prepare(rs) // as a reload does (daemon/reload.go)
	if err != nil {
		t.Fatal(err)
	}
	ch.Commit()
	anna.do("GET", "/api/v1/rooms/sitzungszimmer-2/devices", nil).json(t, &l)
	if len(l.Devices) != 1 || l.Devices[0].Label != "Großer Bildschirm" || l.SceneLabels["on"] != "Präsentation" {
		t.Fatalf("after the reload: %+v %+v", l.Devices, l.SceneLabels)
	}
}
