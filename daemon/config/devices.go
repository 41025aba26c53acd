package config

import (
	"strconv"
	"strings"
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
