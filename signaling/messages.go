package signaling

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/kogge-project/kogge/rooms"
	"github.com/pion/webrtc/v4"
)

// Inbound messages: one struct per type, decoded from the whole message
// after the envelope named the type. Unknown fields are ignored (later
// protocol versions may add some); missing required fields are errors.

type envelope struct {
	Type string `json:"type"`
}

// message is a decoded inbound message.
type message interface {
	validate() error
}

type helloMsg struct {
	Version int    `json:"version"`
	Token   string `json:"token"`
	Name    string `json:"name"`
	PIN     string `json:"pin"`
	// Resume is the secret of an earlier welcome (signaling/resume.go).
	Resume string `json:"resume"`
}

// sdpMsg is offer (pc "up") or answer (pc "down").
type sdpMsg struct {
	PC  string `json:"pc"`
	SDP string `json:"sdp"`
}

type candidateMsg struct {
	PC        string                   `json:"pc"`
	Candidate *webrtc.ICECandidateInit `json:"candidate"`
}

type muteMsg struct {
	Muted *bool `json:"muted"`
}

type keyframeMsg struct{}

// viewMsg: the sizes at which the client shows the video it receives.
type viewMsg struct {
	Tracks []viewTrack `json:"tracks"`
}

type viewTrack struct {
	Track  string `json:"track"`
	Width  int    `json:"width"`
	Height int    `json:"height"`
}

// Bounds of a view message.
const (
	maxViewTracks = 256
	maxViewSize   = 16384
)

type handMsg struct {
	Raised *bool `json:"raised"`
}

type leaveMsg struct{}

type admitMsg struct {
	ID  string `json:"id"`
	All bool   `json:"all"`
}

type denyMsg struct {
	ID     string `json:"id"`
	Reason string `json:"reason"`
}

type hostMuteMsg struct {
	ID string `json:"id"`
}

type removeMsg struct {
	ID     string `json:"id"`
	Reason string `json:"reason"`
}

type lockMsg struct {
	Locked *bool `json:"locked"`
}

type endMsg struct{}

type queueMsg struct {
	Action string `json:"action"`
	ID     string `json:"id"`
}

// presentMsg starts or stops a presentation (screen sharing); id (stop
// only) names whose presentation a host stops.
type presentMsg struct {
	Action string `json:"action"`
	Track  string `json:"track"`
	ID     string `json:"id"`
}

type allowPresentMsg struct {
	ID      string `json:"id"`
	Allowed *bool  `json:"allowed"`
}

// inbound maps each client message type to its struct.
var inbound = map[string]func() message{
	"hello":         func() message { return new(helloMsg) },
	"offer":         func() message { return new(sdpMsg) },
	"answer":        func() message { return new(sdpMsg) },
	"candidate":     func() message { return new(candidateMsg) },
	"mute":          func() message { return new(muteMsg) },
	"keyframe":      func() message { return new(keyframeMsg) },
	"hand":          func() message { return new(handMsg) },
	"leave":         func() message { return new(leaveMsg) },
	"admit":         func() message { return new(admitMsg) },
	"deny":          func() message { return new(denyMsg) },
	"host_mute":     func() message { return new(hostMuteMsg) },
	"remove":        func() message { return new(removeMsg) },
	"lock":          func() message { return new(lockMsg) },
	"end":           func() message { return new(endMsg) },
	"queue":         func() message { return new(queueMsg) },
	"view":          func() message { return new(viewMsg) },
	"present":       func() message { return new(presentMsg) },
	"allow_present": func() message { return new(allowPresentMsg) },
	"agenda":        func() message { return new(agendaMsg) },
	"vote_start":    func() message { return new(voteStartMsg) },
	"vote_close":    func() message { return new(voteCloseMsg) },
	"vote":          func() message { return new(voteMsg) },
	"ping":          func() message { return new(pingMsg) },
}

// parse decodes one inbound message. typ is the type as far as it could be
// read (for error.ref_type).
func parse(data []byte) (typ string, msg message, err error) {
	var env envelope
	if err := json.Unmarshal(data, &env); err != nil {
		return "", nil, errors.New("not a JSON object with a type")
	}
	mk, ok := inbound[env.Type]
	if !ok {
		return env.Type, nil, fmt.Errorf("unknown message type %q", clip(env.Type))
	}
	msg = mk()
	if err := json.Unmarshal(data, msg); err != nil {
		return env.Type, nil, fmt.Errorf("%s: malformed fields", env.Type)
	}
	if err := msg.validate(); err != nil {
		return env.Type, nil, fmt.Errorf("%s: %w", env.Type, err)
	}
	// offer only on up, answer only on down.
	if s, ok := msg.(*sdpMsg); ok {
		want := "up"
		if env.Type == "answer" {
			want = "down"
		}
		if s.PC != want {
			return env.Type, nil, fmt.Errorf("%s: pc must be %q", env.Type, want)
		}
	}
	return env.Type, msg, nil
}

// clip keeps a client-given string short enough to echo.
func clip(s string) string { return rooms.Clip(s, maxIDLen) }

func (m *helloMsg) validate() error { return nil } // checked in order by the hub

func (m *sdpMsg) validate() error {
	if m.SDP == "" {
		return errors.New("sdp missing")
	}
	return nil
}

func (m *candidateMsg) validate() error {
	if m.PC != "up" && m.PC != "down" {
		return errors.New(`pc must be "up" or "down"`)
	}
	if m.Candidate == nil {
		return errors.New("candidate missing")
	}
	return nil
}

func (m *muteMsg) validate() error     { return need(m.Muted != nil, "muted") }
func (m *keyframeMsg) validate() error { return nil }

func (m *viewMsg) validate() error {
	if m.Tracks == nil {
		return errors.New("tracks missing")
	}
	if len(m.Tracks) > maxViewTracks {
		return fmt.Errorf("more than %d tracks", maxViewTracks)
	}
	for _, t := range m.Tracks {
		if err := validID(t.Track); err != nil {
			return errors.New("track " + err.Error())
		}
		if t.Width < 0 || t.Height < 0 || t.Width > maxViewSize || t.Height > maxViewSize {
			return fmt.Errorf("width and height must be 0 to %d", maxViewSize)
		}
	}
	return nil
}
func (m *handMsg) validate() error  { return need(m.Raised != nil, "raised") }
func (m *leaveMsg) validate() error { return nil }
func (m *lockMsg) validate() error  { return need(m.Locked != nil, "locked") }
func (m *endMsg) validate() error   { return nil }

func (m *admitMsg) validate() error {
	if m.All {
		return nil
	}
	return validID(m.ID)
}

func (m *denyMsg) validate() error {
	if err := validID(m.ID); err != nil {
		return err
	}
	return validReason(m.Reason)
}

func (m *hostMuteMsg) validate() error { return validID(m.ID) }

func (m *removeMsg) validate() error {
	if err := validID(m.ID); err != nil {
		return err
	}
	return validReason(m.Reason)
}

func (m *queueMsg) validate() error {
	switch m.Action {
	case "next", "clear":
		return nil
	case "remove":
		return validID(m.ID)
	}
	return errors.New(`action must be "next", "remove" or "clear"`)
}

func (m *presentMsg) validate() error {
	switch m.Action {
	case "start":
		if m.Track == "" || len(m.Track) > maxIDLen || m.ID != "" {
			return errors.New("start needs the track (and no id)")
		}
		return nil
	case "stop":
		if m.ID != "" {
			return validID(m.ID)
		}
		return nil
	}
	return errors.New(`action must be "start" or "stop"`)
}

func (m *allowPresentMsg) validate() error {
	if err := validID(m.ID); err != nil {
		return err
	}
	return need(m.Allowed != nil, "allowed")
}

func need(ok bool, field string) error {
	if !ok {
		return errors.New(field + " missing")
	}
	return nil
}

func validID(id string) error {
	if id == "" || len(id) > maxIDLen {
		return errors.New("id missing or too long")
	}
	return nil
}

func validReason(s string) error {
	if utf8.RuneCountInString(s) > maxReasonLen {
		return fmt.Errorf("reason longer than %d characters", maxReasonLen)
	}
	if !printable(s) {
		return errors.New("reason has control characters")
	}
	return nil
}

// cleanName trims a display name and checks it: 1–64 characters, valid
// UTF-8, no control characters.
func cleanName(s string) (string, error) {
	s = strings.TrimSpace(s)
	n := utf8.RuneCountInString(s)
	if n < 1 || n > maxNameLen {
		return "", fmt.Errorf("the display name must have 1 to %d characters", maxNameLen)
	}
	// The one text policy for what people read of each other
	// (rooms.CheckText), in its strictest form.
	if err := rooms.CheckText(s, rooms.PersonName); err != nil {
		return "", fmt.Errorf("the display name %w", err)
	}
	return s, nil
}

func printable(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return false
		}
	}
	return true
}
