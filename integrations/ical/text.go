package ical

import (
	"strings"
	"unicode/utf8"
)

// escapeText encodes a TEXT value (RFC 5545 3.3.11). Control characters
// other than newlines and tabs are not allowed in TEXT at all, and invalid
// UTF-8 would make the whole file unreadable for strict parsers, so both
// are dropped or replaced rather than passed on.
func escapeText(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.ReplaceAll(s, "\r\n", "\n")
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch r {
		case '\\':
			b.WriteString(`\\`)
		case ';':
			b.WriteString(`\;`)
		case ',':
			b.WriteString(`\,`)
		case '\n', '\r':
			b.WriteString(`\n`)
		case '\t':
			b.WriteRune(r)
		default:
			if r < 0x20 || r == 0x7f {
				continue
			}
			b.WriteRune(r)
		}
	}
	return b.String()
}

// unescapeText reverses escapeText, tolerating what other producers write:
// "\N" for a newline and a backslash before any other character.
func unescapeText(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 == len(s) {
			b.WriteByte(c)
			continue
		}
		i++
		switch s[i] {
		case 'n', 'N':
			b.WriteByte('\n')
		default:
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

// paramValue makes s safe as a property parameter value (RFC 5545 3.2):
// a DQUOTE cannot appear at all (it becomes an apostrophe), control
// characters are dropped, and a value with ":", ";" or "," is quoted.
func paramValue(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	var b strings.Builder
	quote := false
	for _, r := range s {
		switch {
		case r == '"':
			b.WriteRune('\'')
		case r < 0x20 || r == 0x7f:
			b.WriteRune(' ')
		default:
			if r == ':' || r == ';' || r == ',' {
				quote = true
			}
			b.WriteRune(r)
		}
	}
	if quote {
		return `"` + b.String() + `"`
	}
	return b.String()
}

// safeURI reports whether s can be written as a URI value as it is: URI
// values are not escaped, so a line break or space would end or corrupt
// the property, and a URI never holds one legitimately.
func safeURI(s string) bool {
	if s == "" || !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r <= 0x20 || r == 0x7f || r == '"' {
			return false
		}
	}
	scheme, rest, ok := strings.Cut(s, ":")
	return ok && rest != "" && scheme != "" && !strings.ContainsAny(scheme, "/?#")
}
