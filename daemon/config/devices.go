package config

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/kogge-project/kogge/rooms/av"
)

// Device is one [[rooms.devices]] table: a projector, camera or DSP.
type Device struct {
	ID   string `toml:"id"`
	Kind string `toml:"kind"` // pjlink, visca-ip, visca-tcp, tesira
	// Label is what the pages call the device ("Beamer"); without one
	// they name it by its kind. The id stays for the API and the logs.
	Label string `toml:"label"`
	// Address is host or host:port; without a port the protocol's own.
	Address string `toml:"address"`
	// Username is the login of a protected Tesira (its TTP session asks
	// for one; "default" on an unprotected system).
	Username string `toml:"username"`
	// Password, or PasswordFile (better: not in the config), for PJLink
	// and for a protected Tesira.
	Password     string            `toml:"password"`
	PasswordFile string            `toml:"password_file"`
	Options      map[string]string `toml:"options"`
	// Seats names the members at a discussion system's seats ("7" =
	// "Dr. Anna Berg"), for the speaker queue; seats not named here take
	// the name from the system's delegate data.
	Seats map[string]string `toml:"seats"`
	// Timeouts; defaults 3 s, 5 s, 30 s.
	ConnectTimeout Duration `toml:"connect_timeout"`
	CommandTimeout Duration `toml:"command_timeout"`
	PollEvery      Duration `toml:"poll_every"`
}

// Scene is one [[rooms.scenes]] table: commands for several devices.
type Scene struct {
	Name string `toml:"name"`
	// Label is the scene's button text ("Hybride Sitzung"); without one
	// the pages say the name.
	Label   string        `toml:"label"`
	Actions []SceneAction `toml:"actions"`
}

// SceneAction is one entry of a scene's actions list.
type SceneAction struct {
	Device  string            `toml:"device"`
	Command string            `toml:"command"`
	Args    map[string]string `toml:"args"`
}

// CameraFollow points a camera at whoever speaks: the DSP reports which
// microphone is open and the camera recalls that seat's preset.
type CameraFollow struct {
	Camera string `toml:"camera"` // a visca device of the room
	// DSP reports the gates: a tesira device, or a shure microphone
	// (its automixer's gate per channel).
	DSP string `toml:"dsp"`
	// MicTag is, for a Tesira, the instance tag of a block that publishes
	// each microphone's gate as state (a Logic Meter fed by the
	// automixer's logic outputs; a Mute block cannot).
	MicTag string `toml:"mic_tag"`
	// Presets maps a microphone channel ("1") to a camera preset.
	Presets       map[string]int `toml:"presets"`
	DefaultPreset int            `toml:"default_preset"`
	// HoldMS: after the last microphone closes, wait this long before the
	// default preset (a pause in speech must not swing the camera away).
	HoldMS int `toml:"hold_ms"`
}

func validateDevices(i int, r Room, e *Errors) {
	p := func(k string) string { return fmt.Sprintf("rooms[%d].%s", i, k) }
	kinds := map[string]string{}
	deviceLabels, sceneLabels := map[string]bool{}, map[string]bool{}
	for j, d := range r.Devices {
		dp := func(k string) string { return p(fmt.Sprintf("devices[%d].%s", j, k)) }
		checkLabel(e, dp("label"), d.Label, deviceLabels)
		switch _, dup := kinds[d.ID]; {
		case d.ID == "" || strings.ContainsAny(d.ID, " /"):
			e.add(dp("id"), "%q is not a device id (a short name without spaces or slashes)", d.ID)
		case dup:
			e.add(dp("id"), "%q is already a device of this room", d.ID)
		}
		kinds[d.ID] = d.Kind
		if !contains(av.Kinds(), d.Kind) {
			e.add(dp("kind"), "%q is not a device kind; use %s", d.Kind, strings.Join(av.Kinds(), ", "))
			continue
		}
		if _, err := av.NormaliseAddress(d.Kind, d.Address); err != nil {
			e.add(dp("address"), "%v", err)
		}
		if d.Password != "" && d.PasswordFile != "" {
			e.add(dp("password_file"), "set password or password_file, not both")
		}
		if d.PasswordFile != "" {
			if _, err := os.ReadFile(d.PasswordFile); err != nil {
				e.add(dp("password_file"), "cannot read: %v", err)
			}
		}
		validateLogin(d, dp, e)
		validateOptions(d, dp, e)
		validateSeats(d, dp, e)
		// Optional durations: nothing said is the default; a zero said
		// would leave the device no time at all, so it is refused rather
		// than quietly read as the default.
		for _, f := range []struct {
			key    string
			d      Duration
			lo, hi time.Duration
		}{{"connect_timeout", d.ConnectTimeout, 100 * time.Millisecond, time.Minute},
			{"command_timeout", d.CommandTimeout, 100 * time.Millisecond, time.Minute},
			{"poll_every", d.PollEvery, time.Second, time.Hour}} {
			if f.d.Set() {
				inRange(e, dp(f.key), f.d, f.lo, f.hi)
			}
		}
	}
	scenes := map[string]bool{}
	for j, sc := range r.Scenes {
		sp := func(k string) string { return p(fmt.Sprintf("scenes[%d].%s", j, k)) }
		if sc.Name == "" || scenes[sc.Name] {
			e.add(sp("name"), "%q must be a new, non-empty scene name", sc.Name)
		}
		scenes[sc.Name] = true
		checkLabel(e, sp("label"), sc.Label, sceneLabels)
		for k, a := range sc.Actions {
			ap := sp(fmt.Sprintf("actions[%d]", k))
			kind, ok := kinds[a.Device]
			if !ok {
				e.add(ap+".device", "%q is not a device of this room", a.Device)
				continue
			}
			if err := av.CheckCommand(kind, av.Command{Name: a.Command, Args: a.Args}); err != nil {
				e.add(ap+".command", "%v", err)
			}
		}
	}
	for _, ref := range []struct{ key, name string }{{"prep_scene", r.PrepScene}, {"end_scene", r.EndScene}} {
		if ref.name != "" && !scenes[ref.name] {
			e.add(p(ref.key), "%q is not a scene of this room", ref.name)
		}
	}
	if cf := r.CameraFollow; cf.Camera != "" || cf.DSP != "" {
		if k := kinds[cf.Camera]; k != av.KindVISCAIP && k != av.KindVISCATCP {
			e.add(p("camera_follow.camera"), "%q is not a VISCA camera of this room", cf.Camera)
		}
		switch kinds[cf.DSP] {
		case av.KindCoCon:
			if cf.MicTag != "" {
				e.add(p("camera_follow.mic_tag"), "a discussion system reports its seats; leave mic_tag out and name seats in presets")
			}
		case av.KindTesira:
			if cf.MicTag == "" {
				e.add(p("camera_follow.mic_tag"), "required: the instance tag of the DSP block that reports which microphone is open (a Logic Meter)")
			}
		case av.KindShure:
			if cf.MicTag != "" {
				e.add(p("camera_follow.mic_tag"), "a Shure microphone reports its gates per channel; leave mic_tag out")
			}
		default:
			e.add(p("camera_follow.dsp"), "%q is not a Tesira DSP, Shure microphone or discussion system of this room", cf.DSP)
		}
		if len(cf.Presets) == 0 {
			e.add(p("camera_follow.presets"), "required: which camera preset shows each microphone's seat")
		}
		for ch, preset := range cf.Presets {
			if n, err := strconv.Atoi(ch); err != nil || n < 1 {
				e.add(p("camera_follow.presets."+ch), "a microphone channel (1, 2, …) is expected as the key")
			}
			if preset < 0 || preset > 127 {
				e.add(p("camera_follow.presets."+ch), "preset must be from 0 to 127, not %d", preset)
			}
		}
		if cf.DefaultPreset < 0 || cf.DefaultPreset > 127 {
			e.add(p("camera_follow.default_preset"), "must be from 0 to 127, not %d", cf.DefaultPreset)
		}
		if cf.HoldMS < 0 || cf.HoldMS > 60000 {
			e.add(p("camera_follow.hold_ms"), "must be between 0 and 60000, not %d", cf.HoldMS)
		}
	}
}

// validateLogin checks a device's credentials: PJLink takes a password,
// a Tesira a username and password (docs/protocols/tesira.md §10), the
// other kinds none.
func validateLogin(d Device, dp func(string) string, e *Errors) {
	hasPassword := d.Password != "" || d.PasswordFile != ""
	switch d.Kind {
	case av.KindPJLink:
		if d.Username != "" {
			e.add(dp("username"), "a PJLink device takes a password only")
		}
		if n := len(d.Password); n > 32 || strings.IndexFunc(d.Password, func(r rune) bool { return r < 0x21 || r > 0x7e }) >= 0 {
			e.add(dp("password"), "a PJLink password is at most 32 printable ASCII characters without spaces")
		}
	case av.KindTesira:
		if hasPassword && d.Username == "" {
			e.add(dp("username"), "required with a password: the Tesira login name")
		}
		if strings.ContainsAny(d.Username+d.Password, "\r\n") {
			e.add(dp("password"), "the login must be one line")
		}
	default:
		if d.Username != "" || hasPassword {
			e.add(dp("password"), "only PJLink and Tesira devices take a login")
		}
	}
}

// validateSeats checks a discussion system's seat names.
func validateSeats(d Device, dp func(string) string, e *Errors) {
	if len(d.Seats) > 0 && d.Kind != av.KindCoCon {
		e.add(dp("seats"), "only a discussion system (cocon) has seats")
		return
	}
	for seat, name := range d.Seats {
		if n, err := strconv.Atoi(seat); err != nil || n < 1 || n > 9999 {
			e.add(dp("seats."+seat), "a seat number (1 to 9999) is expected as the key")
		}
		if strings.TrimSpace(name) == "" || len(name) > 80 || strings.ContainsAny(name, "\r\n") {
			e.add(dp("seats."+seat), "a member's name on one line, at most 80 characters")
		}
	}
}

// validateOptions checks the options a kind reads.
func validateOptions(d Device, dp func(string) string, e *Errors) {
	known := map[string][]string{av.KindMDC: {"display_id"}, av.KindShure: {"channel_digits", "channels"}, av.KindTesira: {"mutes"}}[d.Kind]
	for k, v := range d.Options {
		switch {
		case !contains(known, k):
			// Other kinds' options stay free-form, as they were.
			if len(known) > 0 {
				e.add(dp("options."+k), "a %s device has no option %q (it knows %s)", d.Kind, k, strings.Join(known, ", "))
			}
		case k == "display_id":
			if n, err := strconv.Atoi(v); err != nil || n < 0 || n > 253 {
				e.add(dp("options."+k), "the display's id from its menu, 0 to 253, not %q", v)
			}
		case k == "channel_digits":
			if v != "1" && v != "2" {
				e.add(dp("options."+k), `"1" (MXA: "< GET 1 … >") or "2" ("< GET 01 … >"), not %q`, v)
			}
		}
	}
}

// maxLabel bounds a label: it is a button's text on a panel at the door.
const maxLabel = 40

// checkLabel checks an optional display label: one line of readable text,
// short enough for a button, and not the label of another device (or
// scene) of the room, so that a person can tell them apart.
func checkLabel(e *Errors, key, label string, seen map[string]bool) {
	if label == "" {
		return
	}
	switch {
	case strings.TrimSpace(label) != label || label == "":
		e.add(key, "%q has spaces at its start or end", label)
	case strings.IndexFunc(label, unicode.IsControl) >= 0 || !utf8.ValidString(label):
		e.add(key, "%q must be one line of text", label)
	case utf8.RuneCountInString(label) > maxLabel:
		e.add(key, "%q is longer than %d characters", label, maxLabel)
	case seen[strings.ToLower(label)]:
		e.add(key, "%q is already the label of another one in this room", label)
	}
	seen[strings.ToLower(label)] = true
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if x == y {
			return true
		}
	}
	return false
}

// DeviceConfigs resolves a room's devices for the supervisor: addresses
// with their ports, passwords read from their files.
func (r Room) DeviceConfigs() ([]av.DeviceConfig, error) {
	var out []av.DeviceConfig
	for _, d := range r.Devices {
		addr, err := av.NormaliseAddress(d.Kind, d.Address)
		if err != nil {
			return nil, fmt.Errorf("device %s: %w", d.ID, err)
		}
		pw := d.Password
		if d.PasswordFile != "" {
			b, err := os.ReadFile(d.PasswordFile)
			if err != nil {
				return nil, fmt.Errorf("device %s: %w", d.ID, err)
			}
			pw = strings.TrimSpace(string(b))
		}
		var seats map[int]string
		for s, name := range d.Seats {
			if n, err := strconv.Atoi(s); err == nil {
				if seats == nil {
					seats = map[int]string{}
				}
				seats[n] = name
			}
		}
		out = append(out, av.DeviceConfig{ID: d.ID, Room: r.ID, Kind: d.Kind, Address: addr, Username: d.Username, Password: pw, Options: d.Options, Seats: seats,
			ConnectTimeout: d.ConnectTimeout.Duration, CommandTimeout: d.CommandTimeout.Duration, PollEvery: d.PollEvery.Duration})
	}
	return out, nil
}

// SceneList converts a room's scenes.
func (r Room) SceneList() []av.Scene {
	var out []av.Scene
	for _, sc := range r.Scenes {
		s := av.Scene{Name: sc.Name}
		for _, a := range sc.Actions {
			s.Actions = append(s.Actions, av.Action{Device: a.Device, Command: av.Command{Name: a.Command, Args: a.Args}})
		}
		out = append(out, s)
	}
	return out
}
