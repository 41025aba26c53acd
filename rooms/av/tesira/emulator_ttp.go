package tesira

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// The emulator's side of TTP: parse one command line the way the device
// does (case sensitive, exact error texts from docs/protocols/tesira.md §5)
// and answer it. Parse positions are 1-based byte offsets, matching the
// spec's "Parse error at 8" for a bad verb after "DEVICE "; the device's
// own counting is otherwise not documented.

type token struct {
	text string // unquoted
	pos  int    // 1-based offset in the line
}

// tokenize splits on spaces; double quotes group a word with spaces.
func tokenize(line string) []token {
	var toks []token
	for i := 0; i < len(line); {
		if line[i] == ' ' {
			i++
			continue
		}
		start := i
		if line[i] == '"' {
			n, err := scanValue(line[i:])
			if err != nil {
				n = len(line) - i
			}
			toks = append(toks, token{text: unquote(line[i : i+n]), pos: start + 1})
			i += n
			continue
		}
		for i < len(line) && line[i] != ' ' {
			i++
		}
		toks = append(toks, token{text: line[start:i], pos: start + 1})
	}
	return toks
}

const errAddressNotFound = `-ERR address not found: {"deviceId":0 "classCode":0 "instanceNum":0}`

func errNotEnough(line string) string {
	return fmt.Sprintf("-ERR Parse error at %d: not enough parameters supplied", len(line)+1)
}
func errBadVerb(t token) string {
	return fmt.Sprintf("-ERR Parse error at %d: verb was not one of the commands supported by Services", t.pos)
}
func errBadValue(t token) string {
	return fmt.Sprintf("-ERR Parse error at %d: could not parse value", t.pos)
}

// execute answers one command, sending its reply lines, and publishes any
// change to the subscribers of every session. It holds the lock
// throughout so publications go out in the order the state changed.
func (e *Emulator) execute(s *session, line string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, l := range e.answer(s, line) {
		s.send(l + e.eol)
	}
}

func (e *Emulator) answer(s *session, line string) []string {
	toks := tokenize(line)
	if len(toks) < 2 {
		return []string{errNotEnough(line)}
	}
	switch toks[0].text {
	case "SESSION":
		return e.sessionCommand(s, line, toks)
	case "DEVICE":
		return e.deviceCommand(line, toks)
	}
	b := e.blocks[toks[0].text]
	if b == nil {
		return []string{errAddressNotFound}
	}
	verb := toks[1]
	switch verb.text {
	case "get", "set", "increment", "decrement", "toggle", "subscribe", "unsubscribe":
	default:
		return []string{errBadVerb(verb)}
	}
	if len(toks) < 4 {
		return []string{errNotEnough(line)}
	}
	attr := toks[2].text
	if !b.has(attr) {
		return []string{fmt.Sprintf("-ERR '%s' is not supported by %s::Attributes", attr, b.kindName())}
	}
	ch, err := strconv.Atoi(toks[3].text)
	if err != nil {
		return []string{errBadValue(toks[3])}
	}
	if ch < 1 || ch > len(b.mute) {
		return []string{fmt.Sprintf("-ERR INVALID_PARAMETER Index out of range:channelIndex min:1 max:%d received:%d", len(b.mute), ch)}
	}
	tag, args := toks[0].text, toks[4:]
	switch verb.text {
	case "get":
		return []string{"+OK " + s.valueText(b.value(attr, ch))}
	case "subscribe":
		return e.subscribe(s, tag, attr, ch, b, args)
	case "unsubscribe":
		label := ""
		if len(args) > 0 {
			label = args[0].text
		}
		delete(s.subs, subKey{tag, attr, ch, label})
		return []string{"+OK"}
	}
	if attr == "state" {
		return []string{"-ERR WRONG_STATE"} // a meter is read, not set
	}
	old := b.value(attr, ch)
	if reply := b.change(verb.text, attr, ch, args, line, e.opts.MinLevel, e.opts.MaxLevel); reply != "" {
		return []string{reply}
	}
	if v := b.value(attr, ch); v != old {
		e.publishLocked(tag, attr, ch, v)
	}
	return []string{"+OK"}
}

func (e *Emulator) subscribe(s *session, tag, attr string, ch int, b *blockState, args []token) []string {
	key := subKey{tag: tag, attr: attr, index: ch}
	if len(args) > 0 {
		key.label = args[0].text
	}
	if len(args) > 1 {
		if ms, err := strconv.Atoi(args[1].text); err != nil || ms < 0 {
			return []string{errBadValue(args[1])}
		}
	}
	if _, ok := s.subs[key]; ok {
		return []string{"-ERR ALREADY_SUBSCRIBED"}
	}
	s.subs[key] = struct{}{}
	pub := publishLine(key.label, b.value(attr, ch))
	switch e.opts.SubscribeOrder {
	case OKThenPublish:
		return []string{"+OK", pub}
	case PublishSameLine:
		return []string{pub + " +OK"}
	}
	return []string{pub, "+OK"}
}

// publishLocked tells every subscriber of (tag, attr, index) its new value.
// The rate in the subscribe command is accepted but not applied: the
// emulator publishes each change at once, which is what tests want.
func (e *Emulator) publishLocked(tag, attr string, index int, value string) {
	for s := range e.sessions {
		for k := range s.subs {
			if k.tag == tag && k.attr == attr && k.index == index {
				s.send(publishLine(k.label, value) + e.eol)
			}
		}
	}
}

func publishLine(label, value string) string {
	return `! "publishToken":` + quote(label) + ` "value":` + value
}

func quote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

func (s *session) valueText(v string) string {
	if s.verbose {
		return `"value":` + v
	}
	return v
}

func (e *Emulator) sessionCommand(s *session, line string, toks []token) []string {
	verb := toks[1]
	if verb.text != "get" && verb.text != "set" {
		return []string{errBadVerb(verb)}
	}
	if len(toks) < 3 {
		return []string{errNotEnough(line)}
	}
	switch attr := toks[2].text; {
	case attr == "verbose" && verb.text == "set":
		if len(toks) < 4 {
			return []string{errNotEnough(line)}
		}
		v, err := parseBool(toks[3].text)
		if err != nil {
			return []string{errBadValue(toks[3])}
		}
		s.verbose = v
		return []string{"+OK"}
	case attr == "verbose":
		return []string{"+OK " + s.valueText(formatBool(s.verbose))}
	case attr == "aliases" && verb.text == "get":
		quoted := make([]string, 0, len(e.blocks))
		for _, t := range e.aliases() {
			quoted = append(quoted, quote(t))
		}
		list := "[" + strings.Join(quoted, " ") + "]"
		if s.verbose {
			return []string{`+OK "list":` + list}
		}
		return []string{"+OK " + list}
	default:
		return []string{fmt.Sprintf("-ERR '%s' is not supported by TextSession::Attributes", attr)}
	}
}

func (e *Emulator) deviceCommand(line string, toks []token) []string {
	switch verb := toks[1]; verb.text {
	case "get":
		if len(toks) < 3 {
			return []string{errNotEnough(line)}
		}
		switch toks[2].text {
		case "version":
			return []string{`+OK "value":` + quote(e.opts.Version)}
		case "serialNumber":
			return []string{`+OK "value":"EMU00001"`}
		}
		return []string{fmt.Sprintf("-ERR '%s' is not supported by DEVICE::Attributes", toks[2].text)}
	case "recallPreset":
		if len(toks) < 3 {
			return []string{errNotEnough(line)}
		}
		if _, err := strconv.Atoi(toks[2].text); err != nil {
			return []string{errBadValue(toks[2])}
		}
		return []string{"+OK"}
	case "recallPresetByName":
		if len(toks) < 3 {
			return []string{errNotEnough(line)}
		}
		return []string{"+OK"}
	default:
		return []string{errBadVerb(verb)}
	}
}

func (b *blockState) has(attr string) bool {
	switch b.kind {
	case LevelBlock:
		return attr == "level" || attr == "mute"
	case MuteBlock:
		return attr == "mute"
	case LogicMeterBlock:
		return attr == "state"
	}
	return false
}

func (b *blockState) kindName() string {
	switch b.kind {
	case LevelBlock:
		return "LevelInterface"
	case MuteBlock:
		return "MuteInterface"
	}
	return "LogicMeterInterface"
}

func (b *blockState) value(attr string, ch int) string {
	switch attr {
	case "level":
		return strconv.FormatFloat(b.level[ch-1], 'f', 6, 64)
	case "mute":
		return formatBool(b.mute[ch-1])
	}
	return formatBool(b.state[ch-1])
}

// change applies set, toggle, increment or decrement; it returns an -ERR
// line, or "" when the change was made.
func (b *blockState) change(verb, attr string, ch int, args []token, line string, lo, hi float64) string {
	if verb == "toggle" {
		if attr != "mute" {
			return "-ERR WRONG_STATE"
		}
		b.mute[ch-1] = !b.mute[ch-1]
		return ""
	}
	if len(args) < 1 {
		return errNotEnough(line)
	}
	if attr == "mute" {
		if verb != "set" {
			return "-ERR WRONG_STATE"
		}
		v, err := parseBool(args[0].text)
		if err != nil {
			return errBadValue(args[0])
		}
		b.mute[ch-1] = v
		return ""
	}
	v, err := strconv.ParseFloat(args[0].text, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return errBadValue(args[0])
	}
	switch verb {
	case "increment":
		v = b.level[ch-1] + v
	case "decrement":
		v = b.level[ch-1] - v
	}
	b.level[ch-1] = math.Max(lo, math.Min(hi, v)) // the device clamps
	return ""
}

func formatBool(v bool) string { return strconv.FormatBool(v) }
