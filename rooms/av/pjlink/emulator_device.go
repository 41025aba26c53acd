package pjlink

import (
	"strconv"
	"strings"
	"time"
)

// device is the emulated projector's state, guarded by Emulator.mu. Power
// transitions are computed from timestamps when asked (advance), not by
// timers, so a synctest clock drives them and nothing runs in between.
type device struct {
	power    PowerState
	since    time.Time     // when power last changed
	lampBase time.Duration // lit time before litSince
	litSince time.Time     // zero while the lamp is dark
	input    string
	video    bool // muted
	audio    bool
	frozen   bool
	status   ErrorStatus
}

// Bodies each class knows (§3.3, §3.4). A class 2 device takes the class 1
// bodies with %1 and these with %2.
var (
	class1Bodies = bodySet("POWR INPT AVMT ERST LAMP INST NAME INF1 INF2 INFO CLSS")
	class2Bodies = bodySet("INPT INST SNUM SVER INNM IRES RRES FILT RLMP RFIL SVOL MVOL FREZ")
)

func bodySet(s string) map[string]bool {
	m := map[string]bool{}
	for _, b := range strings.Fields(s) {
		m[b] = true
	}
	return m
}

// handle answers one request line (digest already removed) with a reply
// line, CR excluded. ok is false for lines too mangled to echo a body.
func (e *Emulator) handle(line string) (resp string, ok bool) {
	if len(line) < 6 || line[0] != '%' {
		return "", false
	}
	class, body := line[1], line[2:6]
	head := line[:6] + "="
	if len(line) < 8 || line[6] != ' ' || !validBody(body) {
		return head + "ERR1", true
	}
	param := line[7:]
	switch {
	case class == '1' && class1Bodies[body]:
	case class == '2' && e.opts.Class >= 2 && class2Bodies[body]:
	default:
		// Unknown body, unknown class, or %2 on a class 1 device.
		return head + "ERR1", true
	}
	if len(param) > maxParam {
		return head + "ERR2", true
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	now := time.Now()
	e.advance(now)
	return head + e.command(class, body, param, now), true
}

// command runs one request on the device and returns the reply's value.
func (e *Emulator) command(class byte, body, param string, now time.Time) string {
	d := &e.dev
	query := strings.HasPrefix(param, "?")
	if body == "LAMP" && e.opts.NoLamp {
		return "ERR1"
	}
	if !query {
		return e.set(class, body, param, now)
	}
	if param != "?" && body != "INNM" {
		return "ERR2"
	}
	switch body {
	case "POWR":
		return strconv.Itoa(int(d.power))
	case "INPT":
		if d.power == PowerOff {
			return "ERR3"
		}
		return d.input
	case "AVMT":
		if d.power == PowerOff {
			return "ERR3"
		}
		return string(d.mute())
	case "ERST":
		return d.status.String()
	case "LAMP":
		return strconv.Itoa(e.lampHours(now)) + " " + onOff(d.lit())
	case "INST":
		var in []string
		for _, code := range e.opts.Inputs {
			if validInput(code, int(class-'0')) {
				in = append(in, code)
			}
		}
		return strings.Join(in, " ")
	case "NAME":
		return e.opts.Name
	case "INF1":
		return e.opts.Manufacturer
	case "INF2":
		return e.opts.Model
	case "INFO":
		return "Kogge PJLink emulator"
	case "CLSS":
		return strconv.Itoa(e.opts.Class)
	case "SNUM":
		return "KOG0001"
	case "SVER":
		return "1.0"
	case "INNM":
		code := param[1:]
		if !e.hasInput(code, 2) {
			return "ERR2"
		}
		return e.inputName(code)
	case "IRES":
		if d.power != PowerOn {
			return "-"
		}
		return "1920x1080"
	case "RRES":
		return "1920x1200"
	case "FILT":
		return strconv.Itoa(e.lampHours(now))
	case "RLMP":
		return "LMP-KOG1"
	case "RFIL":
		return "FLT-KOG1"
	case "FREZ":
		return onOff(d.frozen)
	}
	return "ERR2" // SVOL, MVOL: set only
}

func (e *Emulator) set(class byte, body, param string, now time.Time) string {
	d := &e.dev
	if e.sets == nil {
		e.sets = map[string]int{}
	}
	e.sets[body+" "+param]++
	switch body {
	case "POWR":
		switch param {
		case "1":
			switch d.power {
			case PowerCooling:
				return "ERR3"
			case PowerOff:
				d.power, d.since, d.litSince = PowerWarming, now, now
				e.advance(now)
			}
		case "0":
			switch d.power {
			case PowerWarming:
				return "ERR3"
			case PowerOn:
				d.lampBase += now.Sub(d.litSince)
				d.power, d.since, d.litSince = PowerCooling, now, time.Time{}
				d.video, d.audio, d.frozen = false, false, false
				e.advance(now)
			}
		default:
			return "ERR2"
		}
		return "OK"
	case "INPT":
		if !e.hasInput(param, int(class-'0')) {
			return "ERR2"
		}
		if d.power != PowerOn {
			return "ERR3"
		}
		d.input = param
		return "OK"
	case "AVMT":
		m := Mute(param)
		if !m.valid() {
			return "ERR2"
		}
		if d.power != PowerOn {
			return "ERR3"
		}
		on := m[1] == '1'
		if m[0] == '1' || m[0] == '3' {
			d.video = on
		}
		if m[0] == '2' || m[0] == '3' {
			d.audio = on
		}
		return "OK"
	case "SVOL", "MVOL":
		if param != "0" && param != "1" {
			return "ERR2"
		}
		return "OK"
	case "FREZ":
		if param != "0" && param != "1" {
			return "ERR2"
		}
		if d.power != PowerOn {
			return "ERR3"
		}
		d.frozen = param == "1"
		return "OK"
	}
	return "ERR2" // a set on a read-only body, as the Python simulator does
}

// advance applies the warm-up and cool-down that have run out by now.
func (e *Emulator) advance(now time.Time) {
	d := &e.dev
	if d.power == PowerWarming && !now.Before(d.since.Add(e.opts.WarmUp)) {
		d.power, d.since = PowerOn, d.since.Add(e.opts.WarmUp)
	}
	if d.power == PowerCooling && !now.Before(d.since.Add(e.opts.CoolDown)) {
		d.power, d.since = PowerOff, d.since.Add(e.opts.CoolDown)
	}
}

func (d *device) lit() bool { return !d.litSince.IsZero() }

func (d *device) mute() Mute {
	switch {
	case d.video && d.audio:
		return MuteOn
	case d.video:
		return MuteVideoOn
	case d.audio:
		return MuteAudioOn
	}
	return MuteOff
}

func (e *Emulator) lampHours(now time.Time) int {
	t := e.dev.lampBase
	if e.dev.lit() {
		t += now.Sub(e.dev.litSince)
	}
	return e.opts.LampHours + int(t/time.Hour)
}

func (e *Emulator) hasInput(code string, class int) bool {
	if !validInput(code, class) {
		return false
	}
	for _, in := range e.opts.Inputs {
		if in == code {
			return true
		}
	}
	return false
}

// inputName is the INNM answer: the configured name, or one from the type
// digit, e.g. 31 → "HDMI 1".
func (e *Emulator) inputName(code string) string {
	if n, ok := e.opts.InputNames[code]; ok {
		return n
	}
	kinds := map[byte]string{'1': "RGB", '2': "VIDEO", '3': "HDMI", '4': "STORAGE", '5': "NETWORK", '6': "INTERNAL"}
	return kinds[code[0]] + " " + code[1:]
}
