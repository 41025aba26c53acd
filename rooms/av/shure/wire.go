package shure

import (
	"fmt"
	"strconv"
	"strings"
)

// Parameters Kogge uses (docs/protocols/shure.md §4, §5).
const (
	ParamMute   = "AUDIO_MUTE"
	ParamGate   = "AUTOMIX_GATE_OUT_EXT_SIG"
	ParamModel  = "MODEL"
	ParamDevice = "DEVICE_AUDIO_MUTE"
)

// MaxMessage bounds one `< … >` message. The longest report Kogge meets
// is a padded 32-character string; a peer that sends more without a '>'
// is talking nonsense, and the excess is dropped.
const MaxMessage = 1024

// Report is one REP message: a parameter of a channel (0: of the device
// as a whole, or no channel given) and its value as sent.
type Report struct {
	Channel int
	Param   string
	Value   string
}

// framer cuts a byte stream into messages: everything between '<' and
// the matching '>', across reads (§3). Text outside a message is noise;
// a '>' inside braces belongs to a string value.
type framer struct {
	buf    []byte
	in     bool // between '<' and '>'
	braces bool // inside {…}
	over   bool // the current message passed MaxMessage
}

// feed takes the next bytes read and returns the messages they complete,
// without their angle brackets, trimmed.
func (f *framer) feed(p []byte) []string {
	var out []string
	for _, b := range p {
		if !f.in {
			if b == '<' {
				f.in, f.braces, f.over, f.buf = true, false, false, f.buf[:0]
			}
			continue
		}
		switch {
		case b == '{':
			f.braces = true
		case b == '}':
			f.braces = false
		case b == '>' && !f.braces:
			f.in = false
			if !f.over {
				out = append(out, strings.TrimSpace(string(f.buf)))
			}
			continue
		}
		if len(f.buf) >= MaxMessage {
			f.over = true
			continue
		}
		f.buf = append(f.buf, b)
	}
	return out
}

// parseReport reads a message's text ("REP 1 AUDIO_MUTE ON"). ok is false
// for messages that are not reports (SAMPLE metering, a stray GET).
func parseReport(msg string) (Report, bool) {
	fields := strings.Fields(msg)
	if len(fields) < 2 || fields[0] != "REP" {
		return Report{}, false
	}
	r := Report{}
	rest := fields[1:]
	if n, err := strconv.Atoi(rest[0]); err == nil && len(rest) > 1 {
		r.Channel, rest = n, rest[1:]
	}
	r.Param = rest[0]
	if len(rest) > 1 {
		// A value may hold spaces (a padded name in braces): keep it as sent.
		i := strings.Index(msg, rest[0]) + len(rest[0])
		r.Value = strings.TrimSpace(msg[i:])
	}
	return r, true
}

// command writes one GET or SET; channel < 0 means a device parameter.
func command(verb string, channel int, param, value string, digits int) string {
	var b strings.Builder
	b.WriteString("< ")
	b.WriteString(verb)
	if channel >= 0 {
		fmt.Fprintf(&b, " %0*d", max(digits, 1), channel)
	}
	b.WriteString(" " + param)
	if value != "" {
		b.WriteString(" " + value)
	}
	b.WriteString(" >")
	return b.String()
}
