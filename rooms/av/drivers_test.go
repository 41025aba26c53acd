package av

import (
	"context"
	"testing"
	"time"

	"github.com/kogge-project/kogge/rooms/av/pjlink"
	"github.com/kogge-project/kogge/rooms/av/tesira"
	"github.com/kogge-project/kogge/rooms/av/visca"
)

// emulatedRoom starts a projector, a camera and a DSP on loopback and
// supervises them through the real drivers.
func emulatedRoom(t *testing.T) (*Supervisor, *pjlink.Emulator, *visca.Emulator, *tesira.Emulator) {
	t.Helper()
	beamer := pjlink.NewEmulator(pjlink.EmulatorOptions{Password: "geheim", Class: 2})
	cam := visca.NewEmulator(visca.EmulatorOptions{Standby: true})
	dsp := tesira.NewEmulator(tesira.EmulatorOptions{Blocks: []tesira.Block{{Tag: "Mics", Kind: tesira.MuteBlock, Channels: 4}}})
	for _, start := range []func(string) error{beamer.Start, cam.StartUDP, dsp.Start} {
		if err := start("127.0.0.1:0"); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() { beamer.Close(); cam.Close(); dsp.Close() })
	sup := NewSupervisor(nil, nil)
	t.Cleanup(sup.Close)
	for _, c := range []DeviceConfig{
		{ID: "beamer", Kind: KindPJLink, Address: beamer.Addr(), Password: "geheim", CommandTimeout: time.Second},
		{ID: "kamera", Kind: KindVISCAIP, Address: cam.Addr(), CommandTimeout: time.Second},
		{ID: "dsp", Kind: KindTesira, Address: dsp.Addr(), CommandTimeout: time.Second},
	} {
		drv, err := NewDriver(c)
		if err != nil {
			t.Fatal(err)
		}
		if err := sup.Add(c, drv); err != nil {
			t.Fatal(err)
		}
	}
	return sup, beamer, cam, dsp
}

var hybrid = Scene{Name: "hybrid", Actions: []Action{
	{Device: "beamer", Command: Command{Name: "power", Args: map[string]string{"on": "true"}}},
	{Device: "beamer", Command: Command{Name: "input", Args: map[string]string{"input": "31"}}},
	{Device: "kamera", Command: Command{Name: "power", Args: map[string]string{"on": "true"}}},
	{Device: "kamera", Command: Command{Name: "preset.recall", Args: map[string]string{"preset": "1"}}},
	{Device: "dsp", Command: Command{Name: "mute", Args: map[string]string{"tag": "Mics", "channel": "1", "mute": "false"}}},
}}

func TestSceneAgainstEmulators(t *testing.T) {
	sup, beamer, _, dsp := emulatedRoom(t)
	for _, r := range sup.RunScene(context.Background(), hybrid, 5*time.Second) {
		if !r.OK {
			t.Errorf("%s %s: %s", r.Device, r.Command, r.Error)
		}
	}
	if beamer.Power() != pjlink.PowerOn {
		t.Errorf("projector power %v", beamer.Power())
	}
	if v, _ := dsp.Value("Mics", "mute", 1); v != "false" {
		t.Errorf("microphone mute %q", v)
	}
	for _, id := range []string{"beamer", "kamera", "dsp"} {
		if st, _ := sup.Status(id); st.Health != Online {
			t.Errorf("%s: %+v", id, st)
		}
	}
}

func TestHungProjectorDoesNotHoldUpTheScene(t *testing.T) {
	sup, beamer, cam, _ := emulatedRoom(t)
	beamer.SetFault(pjlink.FaultHang)
	start := time.Now()
	res := sup.RunScene(context.Background(), hybrid, 3*time.Second)
	// The scene ends at its deadline at the latest, with the others done.
	if took := time.Since(start); took > 3500*time.Millisecond {
		t.Fatalf("the scene took %s, past its 3 s deadline", took)
	}
	for _, r := range res {
		if (r.Device == "beamer") == r.OK {
			t.Errorf("%s %s: ok=%v %s", r.Device, r.Command, r.OK, r.Error)
		}
	}
	if !cam.State().Power {
		t.Error("the camera was not switched on")
	}
}
