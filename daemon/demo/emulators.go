package demo

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/kogge-project/kogge/daemon/config"
	"github.com/kogge-project/kogge/integrations/oparl"
	"github.com/kogge-project/kogge/rooms/av/cocon"
	"github.com/kogge-project/kogge/rooms/av/pjlink"
	"github.com/kogge-project/kogge/rooms/av/tesira"
	"github.com/kogge-project/kogge/rooms/av/visca"
)

// Emulators are the demo's stand-ins on loopback, running until Close.
type Emulators struct {
	// Providers are the GoToMeeting and Pexip emulators; the daemon's
	// provider broker lets them authorise the GoTo organizers.
	Providers *Providers
	devices   *Devices
	council   io.Closer
}

// Start starts every emulator the demo uses and declares them in cfg as if
// they were real: the rooms' devices, the council system (with its import
// job) and the video providers.
func Start(cfg *config.Config) (*Emulators, error) {
	e := &Emulators{}
	var err error
	if e.devices, err = StartDevices(cfg); err != nil {
		return nil, fmt.Errorf("demo devices: %w", err)
	}
	if e.council, err = startCouncil(cfg); err != nil {
		e.Close()
		return nil, fmt.Errorf("demo council system: %w", err)
	}
	if e.Providers, err = StartProviders(cfg); err != nil {
		e.Close()
		return nil, fmt.Errorf("demo providers: %w", err)
	}
	return e, nil
}

// Close stops the emulators, the last started first.
func (e *Emulators) Close() error {
	if e.Providers != nil {
		e.Providers.Close()
	}
	if e.council != nil {
		e.council.Close()
	}
	if e.devices != nil {
		e.devices.Close()
	}
	return nil
}

// Devices are the emulated projector, display, camera and DSP of the demo
// rooms. Tests reach an emulator through its field to make it misbehave.
type Devices struct {
	Beamer  *pjlink.Emulator // the Ratssaal's projector
	Display *pjlink.Emulator // Sitzungszimmer 2's display
	Camera  *visca.Emulator  // the Ratssaal's camera
	DSP     *tesira.Emulator // the Ratssaal's microphones
	// Discussion is the Ratssaal's discussion system: its delegate
	// units' page (Discussion.Addr() + "/units") presses request buttons.
	Discussion *cocon.Emulator
}

// StartDevices starts emulators on loopback for the demo rooms'
// projector, camera, DSP and display, and declares them in cfg (the demo
// configuration's rooms) as if they were real devices: the demo then shows
// live device state, runs scenes at every booking's prep and teardown, and
// takes commands.
func StartDevices(cfg *config.Config) (*Devices, error) {
	beamer := pjlink.NewEmulator(pjlink.EmulatorOptions{Class: 2, WarmUp: 5 * time.Second, CoolDown: 5 * time.Second,
		Name: "Ratssaal Beamer", LampHours: 1234})
	display := pjlink.NewEmulator(pjlink.EmulatorOptions{Name: "Sitzungszimmer Display", NoLamp: true})
	cam := visca.NewEmulator(visca.EmulatorOptions{MoveTime: 800 * time.Millisecond, Standby: true})
	dsp := tesira.NewEmulator(tesira.EmulatorOptions{Blocks: []tesira.Block{
		{Tag: "MicMute", Kind: tesira.MuteBlock, Channels: 4},
		{Tag: "MicGate", Kind: tesira.LogicMeterBlock, Channels: 4},
	}})
	// The seats carry the demo council's members who sit in the chamber
	// (council.go), so the speaker queue names people of the session.
	members := map[int]cocon.Delegate{1: {FirstName: "Sabine", Name: "Weber", Title: "Vorsitzende"}, 2: {FirstName: "Jörg", Name: "Hansen"},
		3: {FirstName: "Aylin", Name: "Demir"}, 4: {FirstName: "Maren", Name: "Schulte"}, 5: {FirstName: "Ingrid", Name: "Lorenz"}, 6: {FirstName: "Heike", Name: "Marx"}}
	discussion := cocon.NewEmulator(cocon.EmulatorOptions{Seats: 6, Delegates: members})
	all := &Devices{Beamer: beamer, Display: display, Camera: cam, DSP: dsp, Discussion: discussion}
	for _, start := range []func(string) error{beamer.Start, display.Start, cam.StartUDP, dsp.Start, discussion.Start} {
		if err := start("127.0.0.1:0"); err != nil {
			all.Close()
			return nil, err
		}
	}
	mic := func(ch, mute string) config.SceneAction {
		return config.SceneAction{Device: "dsp", Command: "mute", Args: map[string]string{"tag": "MicMute", "channel": ch, "mute": mute}}
	}
	on := map[string]string{"on": "true"}
	off := map[string]string{"on": "false"}
	chamber := &cfg.Rooms[0]
	chamber.Devices = []config.Device{
		{ID: "beamer", Kind: "pjlink", Label: "Beamer", Address: beamer.Addr()},
		{ID: "kamera", Kind: "visca-ip", Label: "Kamera", Address: cam.Addr()},
		{ID: "dsp", Kind: "tesira", Label: "Mikrofone", Address: dsp.Addr()},
		{ID: "anlage", Kind: "cocon", Label: "Diskussionsanlage", Address: discussion.Addr(), Seats: seatNames(members)},
	}
	chamber.Scenes = []config.Scene{
		{Name: "hybrid", Label: "Hybride Sitzung", Actions: []config.SceneAction{
			{Device: "beamer", Command: "power", Args: on},
			{Device: "beamer", Command: "input", Args: map[string]string{"input": "31"}},
			{Device: "kamera", Command: "power", Args: on},
			{Device: "kamera", Command: "preset.recall", Args: map[string]string{"preset": "1"}},
			mic("1", "false"), mic("2", "false"), mic("3", "false"),
		}},
		{Name: "off", Label: "Alles aus", Actions: []config.SceneAction{
			{Device: "beamer", Command: "power", Args: off},
			{Device: "kamera", Command: "power", Args: off},
			mic("1", "true"), mic("2", "true"), mic("3", "true"),
		}},
	}
	chamber.PrepScene, chamber.EndScene = "hybrid", "off"
	// The camera follows the seat whose microphone is on (the members'
	// units), as it would follow the DSP's gates.
	chamber.CameraFollow = config.CameraFollow{Camera: "kamera", DSP: "anlage",
		Presets: map[string]int{"1": 2, "2": 3, "3": 4, "4": 5, "5": 6, "6": 7}, DefaultPreset: 1, HoldMS: 2500}
	small := &cfg.Rooms[1]
	small.Devices = []config.Device{{ID: "display", Kind: "pjlink", Label: "Bildschirm", Address: display.Addr()}}
	small.Scenes = []config.Scene{
		{Name: "on", Label: "Bildschirm an", Actions: []config.SceneAction{{Device: "display", Command: "power", Args: on}}},
		{Name: "off", Label: "Bildschirm aus", Actions: []config.SceneAction{{Device: "display", Command: "power", Args: off}}},
	}
	small.PrepScene, small.EndScene = "on", "off"
	return all, nil
}

// Close stops the device emulators.
func (d *Devices) Close() error {
	for _, c := range []io.Closer{d.Beamer, d.Display, d.Camera, d.DSP} {
		c.Close()
	}
	d.Discussion.Close()
	return nil
}

// seatNames are the members' names as the config names seats.
func seatNames(members map[int]cocon.Delegate) map[string]string {
	out := map[string]string{}
	for seat, d := range members {
		out[strconv.Itoa(seat)] = d.FullName()
	}
	return out
}

// startCouncil serves the OParl emulator's sample council on loopback and
// points the demo's import at it: the demo books the council's meetings in
// the Ratssaal and Sitzungszimmer 2 and shows the report.
func startCouncil(cfg *config.Config) (io.Closer, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	zone, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		ln.Close()
		return nil, err
	}
	srv := &http.Server{Handler: oparl.NewEmulator(oparl.DemoData(time.Now(), zone)), ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	base := "http://" + ln.Addr().String()
	m := oparl.DemoMapping(base)
	cfg.OParl = config.OParl{Endpoint: base + oparl.EmulatorSystemPath, Body: m.Body, Organizations: m.Organizations, Organizer: "Ratsinformationssystem"}
	for _, l := range m.Locations {
		cfg.OParl.Locations = append(cfg.OParl.Locations, config.OParlLocation{Match: l.Match, Room: l.Room})
	}
	cfg.Jobs = append(cfg.Jobs, config.Job{Name: "council-import", Schedule: "*/15 * * * *", Action: "oparl-import", Zone: "Europe/Berlin", Keep: 1})
	return srv, nil
}
