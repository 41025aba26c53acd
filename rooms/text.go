package rooms

import (
	"errors"
	"unicode"
	"unicode/utf8"
)

// Clip cuts s to at most n characters (runes, never half of one), the last
// an ellipsis when something was cut: for texts that are stored or echoed
// with a limit (titles from an import, provider errors, parser messages).
func Clip(s string, n int) string {
	if n <= 0 {
		return ""
	}
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// TextRule says what a free-text field may hold. Every text one person
// writes and others read (titles, organizers, committees and notes of
// bookings and series, display names in a meeting) goes through
// CheckText: feeds, invitations, panels and meeting pages show it to
// people who did not write it.
type TextRule int

const (
	// OneLine is for titles, organizers and committees.
	OneLine TextRule = iota
	// MultiLine is for notes: line breaks and tabs are allowed too.
	MultiLine
	// PersonName is for display names in a meeting, which say who is
	// speaking: no invisible formatting characters either, since "Anna"
	// with a zero-width space in it looks just like Anna. (The zero-width
	// joiner stays allowed: it builds emoji.)
	PersonName
)

// Text problems, as CheckText reports them.
var (
	ErrTextInvalid   = errors.New("not valid UTF-8")
	ErrTextControl   = errors.New("has control characters")
	ErrTextBidi      = errors.New("has characters that reverse the direction of writing")
	ErrTextInvisible = errors.New("has invisible formatting characters")
)

// CheckText checks s against rule. It refuses rather than strips: a
// title whose text was silently changed is not what its author wrote,
// and a text with such characters is more often an attack than a typo.
// Refused are
//   - control characters (NUL, escape, a line break in a title…): they
//     break lines of iCalendar feeds and mails, terminate strings in other
//     programs, and show differently everywhere;
//   - bidi embeddings, overrides and isolates (U+202A–U+202E,
//     U+2066–U+2069): they make a text display as something it is not,
//     "Sitzung\u202Efdp.exe" shows as "Sitzungexe.pdf" (the "Trojan
//     Source" trick, CVE-2021-42574). The marks (LRM, RLM, ALM), which
//     only settle the direction of neutral characters in Arabic or
//     Hebrew text, stay allowed.
func CheckText(s string, rule TextRule) error {
	if !utf8.ValidString(s) {
		return ErrTextInvalid
	}
	for _, r := range s {
		switch {
		case rule == MultiLine && (r == '\n' || r == '\r' || r == '\t'):
		case unicode.IsControl(r):
			return ErrTextControl
		case r >= '\u202a' && r <= '\u202e', r >= '\u2066' && r <= '\u2069':
			return ErrTextBidi
		case rule == PersonName && unicode.Is(unicode.Cf, r) && r != zeroWidthJoiner:
			return ErrTextInvisible
		}
	}
	return nil
}

const zeroWidthJoiner = '\u200d'
