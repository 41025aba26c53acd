package config

import (
	"strings"
	"testing"

	"github.com/kogge-project/kogge/systemd"
)

const avRoom = oneRoom + `prep_scene = "hybrid"
[[rooms.devices]]
id = "beamer"
kind = "pjlink"
address = "10.0.0.5"
[[rooms.devices]]
id = "kamera"
kind = "visca-ip"
address = "10.0.0.6"
[[rooms.devices]]
id = "dsp"
kind = "tesira"
address = "10.0.0.7:2323"
[[rooms.scenes]]
name = "hybrid"
actions = [
  { device = "beamer", command = "input", args = { input = "31" } },
  { device = "kamera", command = "preset.recall", args = { preset = "1" } },
]
[rooms.camera_follow]
camera = "kamera"
dsp = "dsp"
mic_tag = "Mics"
presets = { "1" = 2, "2" = 3 }
default_preset = 1
hold_ms = 2000
`

func TestDevicesScenesAndCameraFollow(t *testing.T) {
	cfg, err := Parse([]byte(avRoom))
	if err != nil {
		t.Fatal(err)
	}
	r := cfg.Rooms[0]
	devs, err := r.DeviceConfigs()
	if err != nil || len(devs) != 3 || devs[0].Address != "10.0.0.5:4352" || devs[1].Address != "10.0.0.6:52381" || devs[2].Address != "10.0.0.7:2323" {
		t.Fatalf("devices %+v %v", devs, err)
	}
	sc := r.SceneList()
	if len(sc) != 1 || sc[0].Actions[1].Args["preset"] != "1" {
		t.Fatalf("scenes %+v", sc)
	}
	if r.CameraFollow.Presets["2"] != 3 || r.CameraFollow.HoldMS != 2000 {
		t.Fatalf("camera follow %+v", r.CameraFollow)
	}
}

func TestDeviceProblems(t *testing.T) {
	cases := []struct{ name, toml, want string }{
		{"unknown kind", strings.Replace(avRoom, `kind = "pjlink"`, `kind = "hdmi-cec"`, 1), `rooms[0].devices[0].kind: "hdmi-cec" is not a device kind`},
		{"bad address", strings.Replace(avRoom, `address = "10.0.0.5"`, `address = "10.0.0.5:99999"`, 1), "rooms[0].devices[0].address: "},
		{"unknown scene device", strings.Replace(avRoom, `device = "beamer", command = "input"`, `device = "tv", command = "input"`, 1), `rooms[0].scenes[0].actions[0].device: "tv" is not a device`},
		{"unknown command", strings.Replace(avRoom, `command = "input"`, `command = "explode"`, 1), `rooms[0].scenes[0].actions[0].command: a pjlink device has no command "explode"`},
		{"missing argument", strings.Replace(avRoom, `args = { input = "31" }`, `args = {}`, 1), `needs the argument "input"`},
		{"unknown prep scene", strings.Replace(avRoom, `prep_scene = "hybrid"`, `prep_scene = "party"`, 1), `rooms[0].prep_scene: "party" is not a scene`},
		{"camera is no camera", strings.Replace(avRoom, `camera = "kamera"`, `camera = "beamer"`, 1), `rooms[0].camera_follow.camera: "beamer" is not a VISCA camera`},
		{"both passwords", strings.Replace(avRoom, `address = "10.0.0.5"`, "address = \"10.0.0.5\"\npassword = \"x\"\npassword_file = \"/nonexistent\"", 1), "rooms[0].devices[0].password_file: set password or password_file, not both"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse([]byte(c.toml))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("want %q in:\n%v", c.want, err)
			}
		})
	}
}

// Devices and scenes carry display labels; a room without them still
// loads (the pages then name devices by kind and scenes by name).
func TestDeviceAndSceneLabels(t *testing.T) {
	labelled := strings.Replace(avRoom, `id = "beamer"`, "id = \"beamer\"\nlabel = \"Beamer\"", 1)
	labelled = strings.Replace(labelled, `id = "kamera"`, "id = \"kamera\"\nlabel = \"Kamera\"", 1)
	labelled = strings.Replace(labelled, `name = "hybrid"`, "name = \"hybrid\"\nlabel = \"Hybride Sitzung\"", 1)
	cfg, err := Parse([]byte(labelled))
	if err != nil {
		t.Fatal(err)
	}
	r := cfg.Rooms[0]
	if r.Devices[0].Label != "Beamer" || r.Devices[1].Label != "Kamera" || r.Devices[2].Label != "" || r.Scenes[0].Label != "Hybride Sitzung" {
		t.Fatalf("labels: %+v %+v", r.Devices, r.Scenes)
	}
	if _, err := Parse([]byte(avRoom)); err != nil {
		t.Fatalf("a room without labels: %v", err)
	}
	cases := []struct{ name, toml, want string }{
		{"two devices, one label", strings.Replace(labelled, `label = "Kamera"`, `label = "beamer"`, 1),
			`rooms[0].devices[1].label: "beamer" is already the label of another one in this room`},
		{"too long", strings.Replace(labelled, `label = "Beamer"`, `label = "`+strings.Repeat("B", 41)+`"`, 1),
			`rooms[0].devices[0].label: "BBBB`},
		{"two lines", strings.Replace(labelled, `label = "Beamer"`, `label = "Bea\nmer"`, 1),
			`rooms[0].devices[0].label: "Bea\nmer" must be one line of text`},
		{"padded", strings.Replace(labelled, `label = "Hybride Sitzung"`, `label = " Hybrid"`, 1),
			`rooms[0].scenes[0].label: " Hybrid" has spaces at its start or end`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse([]byte(c.toml))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("want %q in:\n%v", c.want, err)
			}
		})
	}
}

// The example labels its devices and scenes in German: what the pages show.
func TestExampleLabels(t *testing.T) {
	c, err := Parse(systemd.ExampleConfig)
	if err != nil {
		t.Fatal(err)
	}
	var devs, scenes []string
	for _, r := range c.Rooms {
		for _, d := range r.Devices {
			devs = append(devs, d.Label)
		}
		for _, s := range r.Scenes {
			scenes = append(scenes, s.Label)
		}
	}
	if strings.Join(devs, ",") != "Beamer,Kamera,Mikrofone,Bildschirm" || strings.Join(scenes, ",") != "Hybride Sitzung,Alles aus" {
		t.Fatalf("example labels: devices %q, scenes %q", devs, scenes)
	}
}

// A Tesira takes a login; a camera does not. A device timeout of "0s" is
// refused in words rather than read as the default.
func TestDeviceLoginsAndZeroTimeouts(t *testing.T) {
	errs := problems(t, room+`
[[rooms.devices]]
id = "dsp"
kind = "tesira"
address = "10.0.0.1"
password = "geheim"
[[rooms.devices]]
id = "kamera"
kind = "visca-ip"
address = "10.0.0.2"
username = "admin"
command_timeout = "0s"
[[rooms.devices]]
id = "display"
kind = "mdc"
address = "10.0.0.3"
options = { display_id = "300" }
`)
	want := map[string]string{
		"rooms[0].devices[0].username":           "required with a password",
		"rooms[0].devices[1].password":           "only PJLink and Tesira",
		"rooms[0].devices[1].command_timeout":    "must be between",
		"rooms[0].devices[2].options.display_id": "0 to 253",
	}
	for path, words := range want {
		found := false
		for _, e := range errs {
			if e.Path == path && strings.Contains(e.Message, words) {
				found = true
			}
		}
		if !found {
			t.Errorf("no problem %q at %s in %v", words, path, errs)
		}
	}
}

// A room has one speaker queue, so one discussion system.
func TestOneDiscussionSystemPerRoom(t *testing.T) {
	errs := problems(t, room+`
[[rooms.devices]]
id = "anlage"
kind = "cocon"
address = "10.0.0.1"
[[rooms.devices]]
id = "anlage2"
kind = "cocon"
address = "10.0.0.2"
`)
	for _, e := range errs {
		if e.Path == "rooms[0].devices[1].kind" && strings.Contains(e.Message, "already has a discussion system") {
			return
		}
	}
	t.Errorf("two discussion systems in one room were accepted: %v", errs)
}
