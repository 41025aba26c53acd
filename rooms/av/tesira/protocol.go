package tesira

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The banner that ends the Telnet preamble (docs/protocols/tesira.md §3).
// Nothing may be sent before it; subscriptions must be made again after
// every banner (§6).
const bannerPrefix = "Welcome to the Tesira Text Protocol Server"

// lineKind says who a line from the device is for.
type lineKind int

const (
	lineNoise   lineKind = iota // echo, blank line, preamble: no one
	lineOK                      // +OK, the pending command succeeded
	lineErr                     // -ERR …, the pending command failed
	linePublish                 // ! "publishToken":…, a subscriber
)

// parsedLine is one line from the device, classified.
type parsedLine struct {
	kind  lineKind
	value string      // lineOK: the raw value after "+OK ", "" if none
	err   string      // lineErr: the device's message
	pub   Publication // linePublish
	// okToo is set when a publication carries the +OK of the subscribe
	// command on the same line ("! … +OK"), which the spec allows.
	okToo bool
}

// parseLine classifies one line. It never panics (FuzzParseLine); a line
// that starts like a reply but is malformed is an ErrProtocol, because it
// took the place of a reply and must not be mistaken for one.
func parseLine(line string) (parsedLine, error) {
	s := strings.TrimSpace(line)
	switch {
	case s == "":
		return parsedLine{kind: lineNoise}, nil
	case s[0] == '+':
		v, err := parseOK(s)
		if err != nil {
			return parsedLine{}, err
		}
		return parsedLine{kind: lineOK, value: v}, nil
	case s[0] == '-':
		// "-ERR message", or a bare code such as "-CANNOT_DELIVER".
		msg := s[1:]
		if rest, ok := strings.CutPrefix(msg, "ERR"); ok && (rest == "" || rest[0] == ' ') {
			msg = strings.TrimSpace(rest)
		}
		return parsedLine{kind: lineErr, err: msg}, nil
	case s[0] == '!':
		return parsePublish(s[1:])
	}
	return parsedLine{kind: lineNoise}, nil
}

// parseOK reads "+OK", "+OK "value":-10.000000", "+OK "list":[…]" and the
// non-verbose "+OK -10.000000", returning the raw value.
func parseOK(s string) (string, error) {
	rest, ok := strings.CutPrefix(s, "+OK")
	if !ok || (rest != "" && rest[0] != ' ') {
		return "", fmt.Errorf("%w: not a reply: %.80q", ErrProtocol, s)
	}
	rest = strings.TrimSpace(rest)
	if rest == "" {
		return "", nil
	}
	if rest[0] == '"' {
		// Verbose: one "key":value pair.
		_, val, tail, err := scanPair(rest)
		if err != nil {
			return "", err
		}
		if tail != "" {
			return "", fmt.Errorf("%w: trailing text after value: %.80q", ErrProtocol, s)
		}
		return val, nil
	}
	n, err := scanValue(rest)
	if err != nil {
		return "", err
	}
	if strings.TrimSpace(rest[n:]) != "" {
		return "", fmt.Errorf("%w: trailing text after value: %.80q", ErrProtocol, s)
	}
	return rest[:n], nil
}

// parsePublish reads the body of `! "publishToken":"lvl1" "value":-8.0`,
// possibly followed by " +OK".
func parsePublish(s string) (parsedLine, error) {
	p := parsedLine{kind: linePublish}
	var haveToken, haveValue bool
	rest := strings.TrimSpace(s)
	for rest != "" {
		if rest == "+OK" {
			p.okToo = true
			break
		}
		key, val, tail, err := scanPair(rest)
		if err != nil {
			return parsedLine{}, err
		}
		switch key {
		case "publishToken":
			if val == "" || val[0] != '"' {
				return parsedLine{}, fmt.Errorf("%w: publishToken is not a string", ErrProtocol)
			}
			p.pub.Token = unquote(val)
			haveToken = true
		case "value":
			p.pub.Value = val
			haveValue = true
		}
		rest = tail
	}
	if !haveToken || !haveValue {
		return parsedLine{}, fmt.Errorf("%w: publication without token or value: %.80q", ErrProtocol, s)
	}
	return p, nil
}

// scanPair reads `"key":value` at the start of s and returns the rest
// with leading spaces removed.
func scanPair(s string) (key, val, tail string, err error) {
	if s == "" || s[0] != '"' {
		return "", "", "", fmt.Errorf("%w: expected \"key\": in %.80q", ErrProtocol, s)
	}
	n, err := scanValue(s)
	if err != nil {
		return "", "", "", err
	}
	key = unquote(s[:n])
	s = s[n:]
	if s == "" || s[0] != ':' {
		return "", "", "", fmt.Errorf("%w: expected ':' after %q", ErrProtocol, key)
	}
	s = s[1:]
	if s == "" {
		return "", "", "", fmt.Errorf("%w: no value for %q", ErrProtocol, key)
	}
	n, err = scanValue(s)
	if err != nil {
		return "", "", "", err
	}
	return key, s[:n], strings.TrimLeft(s[n:], " "), nil
}

// scanValue returns the length of the TTP value at the start of s: a
// quoted string (backslash escapes), a list [...] or object {...} (nested,
// with strings inside), or a bare word up to the next space.
func scanValue(s string) (int, error) {
	if s == "" {
		return 0, fmt.Errorf("%w: empty value", ErrProtocol)
	}
	switch s[0] {
	case '"':
		for i := 1; i < len(s); i++ {
			switch s[i] {
			case '\\':
				i++
			case '"':
				return i + 1, nil
			}
		}
		return 0, fmt.Errorf("%w: unterminated string", ErrProtocol)
	case '[', '{':
		depth := 0
		for i := 0; i < len(s); i++ {
			switch s[i] {
			case '[', '{':
				depth++
			case ']', '}':
				depth--
				if depth == 0 {
					return i + 1, nil
				}
			case '"':
				n, err := scanValue(s[i:])
				if err != nil {
					return 0, err
				}
				i += n - 1
			}
		}
		return 0, fmt.Errorf("%w: unterminated list", ErrProtocol)
	}
	n := strings.IndexByte(s, ' ')
	switch {
	case n == 0:
		return 0, fmt.Errorf("%w: empty value", ErrProtocol) // `"value": +OK`
	case n < 0:
		n = len(s)
	}
	return n, nil
}

// unquote strips the quotes of a TTP string and undoes backslash escapes;
// anything else is returned as it is.
func unquote(s string) string {
	if len(s) < 2 || s[0] != '"' || s[len(s)-1] != '"' {
		return s
	}
	s = s[1 : len(s)-1]
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// Publication is one value a subscription pushed. Value is kept raw, as
// the device wrote it (true, -10.000000, "text", [...]), so nothing is
// lost; the helpers read the common shapes.
type Publication struct {
	Token string
	Value string
}

// Bool reads a true/false value (mute, logic and gate states).
func (p Publication) Bool() (bool, error) { return parseBool(p.Value) }

// Float reads a number (levels in dB).
func (p Publication) Float() (float64, error) { return parseFloat(p.Value) }

// Text reads a string value without its quotes.
func (p Publication) Text() string { return unquote(p.Value) }

func parseBool(v string) (bool, error) {
	switch v {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, fmt.Errorf("%w: not a boolean: %.40q", ErrProtocol, v)
}

func parseFloat(v string) (float64, error) {
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, fmt.Errorf("%w: not a number: %.40q", ErrProtocol, v)
	}
	return f, nil
}

// Command formatting. Every piece is checked so that no argument can end
// the line early or smuggle a Telnet IAC byte (0xFF never occurs in valid
// UTF-8, and control characters are refused).

// word writes an instance tag or a subscription label: quoted when it
// contains a space, as the spec requires for tags. A double quote cannot
// be written (the spec gives no escape for tags), nor can '/' or '&' in tags.
func word(s string, isTag bool) (string, error) {
	if s == "" || !utf8.ValidString(s) {
		return "", fmt.Errorf("%w: %q", ErrInvalidArgument, s)
	}
	for _, r := range s {
		if unicode.IsControl(r) || r == '"' || r == '\\' || (isTag && (r == '/' || r == '&')) {
			return "", fmt.Errorf("%w: %q contains %q", ErrInvalidArgument, s, r)
		}
	}
	if strings.ContainsRune(s, ' ') {
		return `"` + s + `"`, nil
	}
	return s, nil
}

// attribute names are identifiers (level, mute, state, …).
func attribute(s string) (string, error) {
	if s == "" {
		return "", fmt.Errorf("%w: empty attribute", ErrInvalidArgument)
	}
	for _, r := range s {
		if !(r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_')) {
			return "", fmt.Errorf("%w: attribute %q", ErrInvalidArgument, s)
		}
	}
	return s, nil
}

func index(i int) (string, error) {
	if i < 1 {
		return "", fmt.Errorf("%w: index %d (channels count from 1)", ErrInvalidArgument, i)
	}
	return strconv.Itoa(i), nil
}

// formatLevel writes dB without exponent or trailing zeros: -12.5, 0, 6.
func formatLevel(dB float64) (string, error) {
	if math.IsNaN(dB) || math.IsInf(dB, 0) {
		return "", fmt.Errorf("%w: level %v", ErrInvalidArgument, dB)
	}
	return strconv.FormatFloat(dB, 'f', -1, 64), nil
}

// command joins checked pieces; the first error wins.
func command(parts ...func() (string, error)) (string, error) {
	out := make([]string, 0, len(parts))
	for _, p := range parts {
		s, err := p()
		if err != nil {
			return "", err
		}
		out = append(out, s)
	}
	return strings.Join(out, " "), nil
}

func lit(s string) func() (string, error) { return func() (string, error) { return s, nil } }
func tagArg(s string) func() (string, error) {
	return func() (string, error) { return word(s, true) }
}
func labelArg(s string) func() (string, error) {
	return func() (string, error) { return word(s, false) }
}
func attrArg(s string) func() (string, error) { return func() (string, error) { return attribute(s) } }
func indexArg(i int) func() (string, error)   { return func() (string, error) { return index(i) } }
