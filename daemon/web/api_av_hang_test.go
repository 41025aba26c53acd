package web

import (
	"fmt"

	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/kogge-project/kogge/daemon/backends"
	"github.com/kogge-project/kogge/daemon/config"
	"github.com/kogge-project/kogge/daemon/demo"
	"github.com/kogge-project/kogge/rooms/av"
	"github.com/kogge-project/kogge/rooms/av/pjlink"
	"github.com/kogge-project/kogge/rooms/av/roomav"
)

// hangTimeout is the hung projector's connect and command timeout: short,
// so the test is quick, yet long against an in-process API call, so that
// an API blocked behind the projector would show.
const hangTimeout = 300 * time.Millisecond

// apiBound is how long an API call may take while the projector hangs:
// they take a few ms; the bound leaves room for -race on a loaded CI
// machine. That the calls ran during the scene is checked separately.
const apiBound = time.Second

// withHungProjector gives the server the demo devices, with the Ratssaal
// projector's timeouts cut to hangTimeout, and returns the projector's
// emulator so the test can make it misbehave, and the Ratssaal's config.
func (e *testEnv) withHungProjector() (*pjlink.Emulator, config.Room) {
	e.t.Helper()
	cfg := config.Demo(e.t.TempDir())
	emulators, err := demo.StartDevices(cfg)
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { emulators.Close() })
	chamber := &cfg.Rooms[0]
	var addr string
	for i := range chamber.Devices {
		if d := &chamber.Devices[i]; d.ID == "beamer" {
			d.ConnectTimeout = config.Duration{Duration: hangTimeout}
			d.CommandTimeout = config.Duration{Duration: hangTimeout}
			addr = d.Address
		}
	}
	// The Ratssaal's projector must be the one on the beamer's address.
	beamer := emulators.Beamer
	if beamer.Addr() != addr {
		e.t.Fatalf("no PJLink emulator listens on the beamer's address %q", addr)
	}
	a, err := backends.NewRoomAV(slog.New(slog.DiscardHandler), cfg, av.NewDriver)
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(a.Close)
	e.server.av = a
	return beamer, *chamber
}

// A projector that accepts connections but never answers delays only its
// own actions, each by its own timeout: the scene's other devices finish,
// and the API, the bookings and the other devices answer meanwhile.
func TestSceneWithHungProjector(t *testing.T) {
	e := newTestEnv(t)
	beamer, chamber := e.withHungProjector()
	anna := e.login("anna")
	a := e.server.av

	// Hang only once the projector is connected, so that its scene action
	// times out on a live connection, as when a real one locks up.
	if err := a.Do(t.Context(), "ratssaal", "beamer", av.Command{Name: "power", Args: map[string]string{"on": "false"}}); err != nil {
		t.Fatalf("projector before the hang: %v", err)
	}
	beamer.SetFault(pjlink.FaultHang)

	// The camera switching on is the sign that the scene is under way:
	// its preset recall still takes 800 ms after that.
	changes, unsubscribe := a.Subscribe(64)
	defer unsubscribe()

	// The request answers at once (202); the run's results and end come
	// on the event stream.
	type sceneRun struct {
		results []roomav.SceneEvent
		took    time.Duration
	}
	events := e.sceneStream("ratssaal")
	done := make(chan sceneRun, 1)
	start := time.Now()
	id := startScene(t, anna, "/api/v1/rooms/ratssaal/scenes/hybrid")
	go func() {
		res, _ := events.run(id, 10*time.Second)
		done <- sceneRun{res, time.Since(start)}
	}()
	waitFor := time.After(2 * time.Second)
	for underway := false; !underway; {
		select {
		case st := <-changes:
			underway = st.ID == roomav.DeviceKey("ratssaal", "kamera") && st.State["power"] == "on"
		case run := <-done:
			t.Fatalf("the scene ended before the camera was seen on: %+v", run)
		case <-waitFor:
			t.Fatal("the scene did not switch the camera on within 2 s")
		}
	}

	timed := func(what string, f func() response) response {
		t.Helper()
		begin := time.Now()
		r := f()
		took := time.Since(begin)
		t.Logf("%s: %v", what, took)
		if took > apiBound {
			t.Errorf("%s took %v while the projector hangs, want < %v", what, took, apiBound)
		}
		return r
	}
	if r := timed("GET /rooms", func() response { return anna.do("GET", "/api/v1/rooms", nil) }); r.status != http.StatusOK {
		t.Errorf("GET /rooms: %d %s", r.status, r.body)
	}
	if r := timed("GET /rooms/ratssaal/devices", func() response { return anna.do("GET", "/api/v1/rooms/ratssaal/devices", nil) }); r.status != http.StatusOK {
		t.Errorf("GET /rooms/ratssaal/devices: %d %s", r.status, r.body)
	}
	if r := timed("POST /bookings", func() response { return anna.do("POST", "/api/v1/bookings", booking(nil)) }); r.status != http.StatusCreated {
		t.Errorf("POST /bookings: %d %s", r.status, r.body)
	}
	mute := map[string]any{"command": "mute", "args": map[string]string{"tag": "MicMute", "channel": "4", "mute": "false"}}
	if r := timed("DSP command", func() response { return anna.do("POST", "/api/v1/rooms/ratssaal/devices/dsp/commands", mute) }); r.status != http.StatusOK {
		t.Errorf("DSP command: %d %s", r.status, r.body)
	}
	select {
	case <-done:
		t.Error("the scene ended before the API calls did: they did not run alongside it")
	default:
	}

	var run sceneRun
	select {
	case run = <-done:
	case <-time.After(3 * time.Second):
		t.Fatal("the scene did not end within 3 s")
	}
	// The projector's two actions cost at most a few of its timeouts; the
	// scene's own deadline (90 s) must play no part.
	if limit := 2500 * time.Millisecond; run.took > limit {
		t.Errorf("the scene took %v, want < %v", run.took, limit)
	}
	perDevice := map[string]string{}
	for _, r := range run.results {
		perDevice[r.Device] += fmt.Sprintf(" %s:%t %s", r.Command, r.OK, r.Error)
		if r.OK != (r.Device != "beamer") {
			t.Errorf("%s %s: ok %t (%s)", r.Device, r.Command, r.OK, r.Error)
		}
	}
	want := 0
	for _, sc := range chamber.Scenes {
		if sc.Name == "hybrid" {
			want = len(sc.Actions)
		}
	}
	if want == 0 || len(run.results) != want {
		t.Errorf("%d results, want %d: %+v", len(run.results), want, run.results)
	}
	t.Logf("scene took %v:%v", run.took, perDevice)
}
