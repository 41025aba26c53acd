package av

import (
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Device kinds and the port each uses when an address names none.
const (
	KindPJLink   = "pjlink"
	KindVISCAIP  = "visca-ip"
	KindVISCATCP = "visca-tcp"
	KindTesira   = "tesira"
	KindShure    = "shure" // MXA, MXW, ULX-D command strings
	KindMDC      = "mdc"   // Samsung flat panels
	KindCoCon    = "cocon" // Televic discussion system (CoCon API)
)

// DefaultPorts are the protocols' well-known ports.
var DefaultPorts = map[string]int{KindPJLink: 4352, KindVISCAIP: 52381, KindVISCATCP: 5678, KindTesira: 23, KindShure: 2202, KindMDC: 1515, KindCoCon: 8890}

// pollEvery is how often each kind is polled by default: a projector's
// lamp and errors change slowly; a Tesira session needs a sign of life
// well within its 60 s; a camera's position only matters when someone
// looks.
var pollEvery = map[string]time.Duration{
	KindPJLink: 30 * time.Second, KindTesira: 30 * time.Second, KindMDC: 30 * time.Second,
	// A Shure device reports changes by itself; the poll only proves it
	// is there.
	KindShure: time.Minute,
	// So does a discussion system, over its long poll.
	KindCoCon:   time.Minute,
	KindVISCAIP: time.Minute, KindVISCATCP: time.Minute,
}

// Kinds lists the device kinds, sorted.
func Kinds() []string {
	return []string{KindCoCon, KindMDC, KindPJLink, KindShure, KindTesira, KindVISCAIP, KindVISCATCP}
}

// commandArgs is the command vocabulary per kind: each command and the
// arguments it needs. Scenes, the API and config validation share it.
var commandArgs = map[string]map[string][]string{
	KindPJLink: {
		"power":  {"on"},
		"input":  {"input"},
		"mute":   {"mute"}, // AV mute (picture and sound)
		"freeze": {"on"},   // class 2
	},
	KindVISCAIP:  viscaCommands,
	KindVISCATCP: viscaCommands,
	KindTesira: {
		"mute":  {"tag", "channel", "mute"},
		"level": {"tag", "channel", "db"},
	},
	KindShure: {
		"mute": {"channel", "mute"},
	},
	// A seat's microphone, on or off (on takes it off the request list).
	KindCoCon: {
		"mic": {"seat", "on"},
	},
	// A flat panel is used in scenes like a PJLink display.
	KindMDC: {
		"power":  {"on"},
		"input":  {"input"},  // hdmi1, hdmi2, displayport, … or a source code
		"volume": {"volume"}, // 0–100
		"mute":   {"mute"},   // sound
	},
}

var viscaCommands = map[string][]string{
	"power":         {"on"},
	"preset.recall": {"preset"},
	"preset.store":  {"preset"},
	"pan":           {"direction"}, // up, down, left, right, up-left, …; optional speed
	"stop":          {},
	"zoom":          {"direction"}, // tele, wide, stop; optional speed
	"position":      {"pan", "tilt"},
}

// Commands lists the commands a kind of device understands, sorted.
func Commands(kind string) []string {
	var out []string
	for c := range commandArgs[kind] {
		out = append(out, c)
	}
	slices.Sort(out)
	return out
}

// CheckCommand reports whether a device of this kind can run cmd, with
// every argument it needs.
func CheckCommand(kind string, cmd Command) error {
	args, ok := commandArgs[kind][cmd.Name]
	if !ok {
		return fmt.Errorf("a %s device has no command %q (it knows %s)", kind, cmd.Name, strings.Join(Commands(kind), ", "))
	}
	for _, a := range args {
		if _, ok := cmd.Args[a]; !ok {
			return fmt.Errorf("command %q needs the argument %q", cmd.Name, a)
		}
	}
	if kind == KindMDC && cmd.Name == "input" {
		if _, err := MDCInput(cmd.Args["input"]); err != nil {
			return err
		}
	}
	// Values are checked here, not by the device: a malformed request is
	// the caller's mistake and must not count against the device.
	for name, v := range cmd.Args {
		if err := checkArg(cmd.Name, name, v); err != nil {
			return fmt.Errorf("command %q: %w", cmd.Name, err)
		}
	}
	return nil
}

var (
	panDirections  = []string{"up", "down", "left", "right", "up-left", "up-right", "down-left", "down-right"}
	zoomDirections = []string{"tele", "wide", "stop"}
)

func checkArg(cmd, name, v string) error {
	intIn := func(lo, hi int) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < lo || n > hi {
			return fmt.Errorf("%s must be a whole number from %d to %d, not %q", name, lo, hi, v)
		}
		return nil
	}
	switch name {
	case "on", "mute":
		if _, err := strconv.ParseBool(v); err != nil {
			return fmt.Errorf("%s must be true or false, not %q", name, v)
		}
	case "preset":
		return intIn(0, 127)
	case "channel":
		return intIn(1, 256)
	case "seat":
		return intIn(1, 9999)
	case "speed":
		return intIn(1, 24)
	case "volume":
		return intIn(0, 100)
	case "pan", "tilt":
		return intIn(-65535, 65535)
	case "db":
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || f < -100 || f > 12 {
			return fmt.Errorf("db must be a number from -100 to 12, not %q", v)
		}
	case "direction":
		allowed := panDirections
		if cmd == "zoom" {
			allowed = zoomDirections
		}
		if !slices.Contains(allowed, v) {
			return fmt.Errorf("direction must be one of %s, not %q", strings.Join(allowed, ", "), v)
		}
	case "input", "tag":
		if v == "" || len(v) > 64 || strings.ContainsAny(v, "\r\n\"") {
			return fmt.Errorf("%s %q is not valid", name, v)
		}
	default:
		return fmt.Errorf("unknown argument %q", name)
	}
	return nil
}

// NormaliseAddress checks a device address and adds the kind's default
// port when it names none: "10.0.4.21" → "10.0.4.21:4352".
func NormaliseAddress(kind, addr string) (string, error) {
	if addr == "" {
		return "", fmt.Errorf("an address is required (host or host:port)")
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		// No port: the whole address is the host ("10.0.4.21", "::1", "[::1]").
		host, port = strings.Trim(addr, "[]"), strconv.Itoa(DefaultPorts[kind])
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return "", fmt.Errorf("%q has no valid port", addr)
	}
	if host == "" || strings.ContainsAny(host, " /") {
		return "", fmt.Errorf("%q has no valid host", addr)
	}
	return net.JoinHostPort(host, port), nil
}
