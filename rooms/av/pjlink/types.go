package pjlink

import (
	"fmt"
	"strconv"
	"strings"
)

// PowerState is the POWR query result.
type PowerState int

const (
	PowerOff     PowerState = 0 // standby
	PowerOn      PowerState = 1 // lamp on
	PowerCooling PowerState = 2
	PowerWarming PowerState = 3
)

func (p PowerState) String() string {
	switch p {
	case PowerOff:
		return "off"
	case PowerOn:
		return "on"
	case PowerCooling:
		return "cooling"
	case PowerWarming:
		return "warming"
	}
	return "PowerState(" + strconv.Itoa(int(p)) + ")"
}

func parsePower(v string) (PowerState, error) {
	if len(v) == 1 && v[0] >= '0' && v[0] <= '3' {
		return PowerState(v[0] - '0'), nil
	}
	return 0, newProtocolError("bad power state", v)
}

// Mute is an AVMT code. Set commands change one side (11 mutes video and
// leaves audio alone); the query reports both sides as 11, 21, 31 or 30.
type Mute string

const (
	MuteVideoOff Mute = "10"
	MuteVideoOn  Mute = "11"
	MuteAudioOff Mute = "20"
	MuteAudioOn  Mute = "21"
	MuteOff      Mute = "30" // picture and sound
	MuteOn       Mute = "31" // picture and sound
)

func (m Mute) valid() bool {
	switch m {
	case MuteVideoOff, MuteVideoOn, MuteAudioOff, MuteAudioOn, MuteOff, MuteOn:
		return true
	}
	return false
}

// Video reports whether a queried state has the picture muted.
func (m Mute) Video() bool { return m == MuteVideoOn || m == MuteOn }

// Audio reports whether a queried state has the sound muted.
func (m Mute) Audio() bool { return m == MuteAudioOn || m == MuteOn }

// Level is one ERST digit.
type Level int

const (
	LevelOK      Level = 0
	LevelWarning Level = 1
	LevelError   Level = 2
)

func (l Level) String() string {
	switch l {
	case LevelOK:
		return "ok"
	case LevelWarning:
		return "warning"
	case LevelError:
		return "error"
	}
	return "Level(" + strconv.Itoa(int(l)) + ")"
}

// ErrorStatus is the ERST query result, one level per part, in the spec's
// order.
type ErrorStatus struct {
	Fan, Lamp, Temperature, Cover, Filter, Other Level
}

// OK reports whether nothing warns or fails.
func (s ErrorStatus) OK() bool { return s == ErrorStatus{} }

func (s *ErrorStatus) fields() []*Level {
	return []*Level{&s.Fan, &s.Lamp, &s.Temperature, &s.Cover, &s.Filter, &s.Other}
}

func (s ErrorStatus) String() string {
	var b strings.Builder
	for _, l := range s.fields() {
		b.WriteByte(byte('0' + *l))
	}
	return b.String()
}

func parseErrorStatus(v string) (ErrorStatus, error) {
	var s ErrorStatus
	f := s.fields()
	if len(v) != len(f) {
		return ErrorStatus{}, newProtocolError("bad error status", v)
	}
	for i, p := range f {
		if v[i] < '0' || v[i] > '2' {
			return ErrorStatus{}, newProtocolError("bad error status", v)
		}
		*p = Level(v[i] - '0')
	}
	return s, nil
}

// Lamp is one lamp from the LAMP query.
type Lamp struct {
	Hours int
	On    bool
}

// maxLamps is the spec's bound on lamps in a LAMP reply.
const maxLamps = 8

func parseLamps(v string) ([]Lamp, error) {
	f := strings.Split(v, " ")
	if len(f)%2 != 0 || len(f)/2 > maxLamps {
		return nil, newProtocolError("bad lamp list", v)
	}
	lamps := make([]Lamp, 0, len(f)/2)
	for i := 0; i < len(f); i += 2 {
		h, err := strconv.Atoi(f[i])
		if err != nil || h < 0 || f[i+1] != "0" && f[i+1] != "1" {
			return nil, newProtocolError("bad lamp list", v)
		}
		lamps = append(lamps, Lamp{Hours: h, On: f[i+1] == "1"})
	}
	return lamps, nil
}

// validInput reports whether code is an input in the given class: class 1
// has types 1–5 and numbers 1–9, class 2 adds type 6 and numbers A–Z.
func validInput(code string, class int) bool {
	if len(code) != 2 {
		return false
	}
	t, n := code[0], code[1]
	if class >= 2 {
		return t >= '1' && t <= '6' && (n >= '1' && n <= '9' || n >= 'A' && n <= 'Z')
	}
	return t >= '1' && t <= '5' && n >= '1' && n <= '9'
}

func badInput(input string) error {
	return fmt.Errorf("pjlink: %q is not an input code: %w", input, ErrOutOfParameter)
}

func badMute(m Mute) error {
	return fmt.Errorf("pjlink: %q is not an AV mute code: %w", string(m), ErrOutOfParameter)
}
