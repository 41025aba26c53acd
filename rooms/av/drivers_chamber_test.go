package av

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/kogge-project/kogge/rooms/av/mdc"
	"github.com/kogge-project/kogge/rooms/av/shure"
	"github.com/kogge-project/kogge/rooms/av/tesira"
)

// supervise adds one device through its real driver.
func supervise(t *testing.T, sup *Supervisor, c DeviceConfig) {
	t.Helper()
	drv, err := NewDriver(c)
	if err != nil {
		t.Fatal(err)
	}
	if err := sup.Add(c, drv); err != nil {
		t.Fatal(err)
	}
}

// waitStatus polls a device's status until ok says so, for at most d.
func waitStatus(t *testing.T, sup *Supervisor, id string, d time.Duration, ok func(Status) bool) Status {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		st, _ := sup.Status(id)
		if ok(st) {
			return st
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s after %v: %+v", id, d, st)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func mute(dev, ch string, on bool) Action {
	v := "false"
	if on {
		v = "true"
	}
	return Action{Device: dev, Command: Command{Name: "mute", Args: map[string]string{"channel": ch, "mute": v}}}
}

// A scene's mute on a Shure microphone is confirmed by its report, and a
// mute pressed at the microphone reaches the device's state within 1 s,
// without waiting for a poll.
func TestShureMuteStateFromDevice(t *testing.T) {
	mic := shure.NewEmulator(shure.EmulatorOptions{Channels: 4, SplitWrites: true})
	if err := mic.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	defer mic.Close()
	sup := NewSupervisor(nil, nil)
	defer sup.Close()
	supervise(t, sup, DeviceConfig{ID: "mics", Kind: KindShure, Address: mic.Addr(), Options: map[string]string{"channels": "1,2"}, PollEvery: time.Hour})
	res := sup.RunScene(context.Background(), Scene{Actions: []Action{mute("mics", "1", true), mute("mics", "2", true)}}, 5*time.Second)
	for _, r := range res {
		if !r.OK {
			t.Fatalf("%+v", r)
		}
	}
	if !mic.Muted(1) || !mic.Muted(2) {
		t.Fatal("the microphone did not mute")
	}
	waitStatus(t, sup, "mics", time.Second, func(st Status) bool { return st.State["mute.1"] == "true" && st.State["mute.2"] == "true" })
	mic.SetMute(2, false) // someone unmutes at the table
	waitStatus(t, sup, "mics", time.Second, func(st Status) bool { return st.State["mute.2"] == "false" })
	// A channel the device does not have is its refusal, not a fault.
	if err := sup.Do(context.Background(), "mics", mute("mics", "9", true).Command); err == nil || !strings.Contains(err.Error(), "refused") {
		t.Fatalf("channel 9: %v", err)
	}
	if st, _ := sup.Status("mics"); st.Health != Online {
		t.Fatalf("after a refusal: %+v", st)
	}
}

// A protected Tesira is driven after its login; a wrong password is a
// configuration problem said in words in its health.
func TestTesiraLogin(t *testing.T) {
	dsp := tesira.NewEmulator(tesira.EmulatorOptions{Username: "kogge", Password: "geheim",
		Blocks: []tesira.Block{{Tag: "Mics", Kind: tesira.MuteBlock, Channels: 2}}})
	if err := dsp.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	defer dsp.Close()
	sup := NewSupervisor(nil, nil)
	defer sup.Close()
	supervise(t, sup, DeviceConfig{ID: "dsp", Label: "Audio-DSP", Kind: KindTesira, Address: dsp.Addr(), Username: "kogge", Password: "geheim", Options: map[string]string{"mutes": "Mics:1"}})
	supervise(t, sup, DeviceConfig{ID: "falsch", Label: "Zweiter DSP", Kind: KindTesira, Address: dsp.Addr(), Username: "kogge", Password: "falsch"})
	if err := sup.Do(context.Background(), "dsp", Command{Name: "mute", Args: map[string]string{"tag": "Mics", "channel": "1", "mute": "true"}}); err != nil {
		t.Fatal(err)
	}
	if v, _ := dsp.Value("Mics", "mute", 1); v != "true" {
		t.Fatal("not muted at the DSP")
	}
	waitStatus(t, sup, "dsp", time.Second, func(st Status) bool { return st.State["mute.Mics.1"] == "true" })
	st := waitStatus(t, sup, "falsch", 5*time.Second, func(st Status) bool { return st.Problem != "" })
	if st.Health == Online || !strings.Contains(st.Problem, "refused the username or password") {
		t.Fatalf("wrong password: %+v", st)
	}
	err := sup.Do(context.Background(), "falsch", Command{Name: "mute", Args: map[string]string{"tag": "Mics", "channel": "1", "mute": "true"}})
	if err == nil || !strings.HasPrefix(err.Error(), "Zweiter DSP") {
		t.Fatalf("an error names the device by its label: %v", err)
	}
}

// camera_follow.mic_tag naming a Mute block (which cannot publish state)
// shows as a configuration problem in the DSP's health, and the follower
// stops instead of retrying.
func TestFollowMuteBlockIsAConfigurationProblem(t *testing.T) {
	dsp := tesira.NewEmulator(tesira.EmulatorOptions{Blocks: []tesira.Block{{Tag: "Mics", Kind: tesira.MuteBlock, Channels: 2}}})
	if err := dsp.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	defer dsp.Close()
	sup := NewSupervisor(nil, nil)
	defer sup.Close()
	cfg := DeviceConfig{ID: "dsp", Kind: KindTesira, Address: dsp.Addr()}
	supervise(t, sup, cfg)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		RunFollow(ctx, Follow{Camera: "kamera", Source: "dsp", Presets: map[int]int{1: 2},
			Open: TesiraGates("Mics", func(ctx context.Context) (*tesira.Client, error) {
				return tesira.Dial(ctx, cfg.Address, TesiraOptions(cfg))
			})}, sup)
	}()
	st := waitStatus(t, sup, "dsp", 2*time.Second, func(st Status) bool { return st.Problem != "" })
	if !strings.Contains(st.Problem, `"Mics"`) || !strings.Contains(st.Problem, "Logic Meter") {
		t.Fatalf("problem %q", st.Problem)
	}
	cancel()
	<-done
}

// Shure automix gates drive camera follow: the camera recalls the
// speaking seat's preset within a second.
func TestFollowShureGates(t *testing.T) {
	mic := shure.NewEmulator(shure.EmulatorOptions{Channels: 4})
	if err := mic.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	defer mic.Close()
	sup := NewSupervisor(nil, nil)
	defer sup.Close()
	cam := newRecordingCamera()
	cam.poll = func(context.Context) (State, error) { return State{"power": "on"}, nil }
	sup.Add(DeviceConfig{ID: "kamera", Kind: KindVISCAIP}, cam)
	waitStatus(t, sup, "kamera", time.Second, func(st Status) bool { return st.State["power"] == "on" })
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go RunFollow(ctx, Follow{Camera: "kamera", Source: "mics", Presets: map[int]int{1: 11, 2: 12}, Default: 10,
		Debounce: 50 * time.Millisecond, Hold: time.Hour,
		Open: ShureGates(func(ctx context.Context) (*shure.Client, error) { return shure.Dial(ctx, mic.Addr(), shure.Options{}) })}, sup)
	deadline := time.Now().Add(2 * time.Second)
	for !contains(cam.recorded(), "10") { // following: the default at the start
		if time.Now().After(deadline) {
			t.Fatalf("no default preset: %v", cam.recorded())
		}
		time.Sleep(10 * time.Millisecond)
	}
	mic.SetGate(2, true)
	deadline = time.Now().Add(time.Second)
	for !contains(cam.recorded(), "12") {
		if time.Now().After(deadline) {
			t.Fatalf("camera moves %v: seat 2's preset not within 1 s", cam.recorded())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// A Samsung panel takes power and input from a scene like a PJLink
// display, and its status is polled.
func TestMDCInScene(t *testing.T) {
	panel := mdc.NewEmulator(mdc.EmulatorOptions{ID: 1})
	if err := panel.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	defer panel.Close()
	sup := NewSupervisor(nil, nil)
	defer sup.Close()
	supervise(t, sup, DeviceConfig{ID: "display", Kind: KindMDC, Address: panel.Addr(), Options: map[string]string{"display_id": "1"}})
	sc := Scene{Actions: []Action{
		{Device: "display", Command: Command{Name: "power", Args: map[string]string{"on": "true"}}},
		{Device: "display", Command: Command{Name: "input", Args: map[string]string{"input": "hdmi2"}}},
		{Device: "display", Command: Command{Name: "volume", Args: map[string]string{"volume": "30"}}},
	}}
	for _, a := range sc.Actions {
		if err := CheckCommand(KindMDC, a.Command); err != nil {
			t.Fatal(err)
		}
	}
	for _, r := range sup.RunScene(context.Background(), sc, 5*time.Second) {
		if !r.OK {
			t.Fatalf("%+v", r)
		}
	}
	if st := panel.State(); !st.Power || st.Input != 0x23 || st.Volume != 30 {
		t.Fatalf("display %+v", st)
	}
	waitStatus(t, sup, "display", time.Second, func(st Status) bool {
		return st.State["power"] == "on" && st.State["input"] == "hdmi2" && st.State["volume"] == "30"
	})
	if err := CheckCommand(KindMDC, Command{Name: "input", Args: map[string]string{"input": "scart"}}); err == nil {
		t.Fatal("an unknown input passed the check")
	}
}
