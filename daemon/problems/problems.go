// Package problems holds the API's problem texts in German (the default)
// and English: one catalogue (catalogue.go) of titles per problem type and
// of detail templates, the Accept-Language negotiation that picks one, and
// the rendering of template values (times in words, durations, lists).
//
// Templates name their values in braces: "Der Raum ist {at} belegt." A
// value renders by its Go type, in the chosen language; a time.Time may be
// asked for as {at:date} or {at:clock} alone. See format.
package problems

import (
	"strconv"
	"strings"
)

// Lang is a language the catalogue speaks, as an RFC 5646 tag.
type Lang string

const (
	DE Lang = "de" // the default: Kogge serves a German administration
	EN Lang = "en"
)

// Text is one message in both languages.
type Text struct{ DE, EN string }

// In returns t in l.
func (t Text) In(l Lang) string {
	if l == EN {
		return t.EN
	}
	return t.DE
}

// Args are a template's values by name.
type Args = map[string]any

// Key names a catalogue text used as a value: it renders in the template's
// language (a field's name, a provider's name, a nested sentence).
type Key string

// Message is a catalogue key with its values: a sentence rendered inside
// another (a provider's reason in the no-provider detail).
type Message struct {
	Key  string
	Args Args
}

// Negotiate picks German or English from an Accept-Language header (RFC
// 9110 12.5.4): the supported language with the highest q-value wins, the
// earlier one on a tie; q=0 refuses a language. Anything else, including a
// missing or malformed header, is German.
func Negotiate(header string) Lang {
	best, bestQ := DE, 0.0
	for _, part := range strings.Split(header, ",") {
		tag, params, _ := strings.Cut(part, ";")
		tag = strings.ToLower(strings.TrimSpace(tag))
		q := 1.0
		for _, p := range strings.Split(params, ";") {
			name, val, ok := strings.Cut(strings.TrimSpace(p), "=")
			if ok && strings.EqualFold(strings.TrimSpace(name), "q") {
				v, err := strconv.ParseFloat(strings.TrimSpace(val), 64)
				if err != nil || v < 0 || v > 1 {
					v = 0 // a broken weight refuses rather than guesses
				}
				q = v
			}
		}
		primary, _, _ := strings.Cut(tag, "-")
		var l Lang
		switch primary {
		case "de":
			l = DE
		case "en":
			l = EN
		default:
			continue // "*" and other languages: German stays the default
		}
		if q > bestQ {
			best, bestQ = l, q
		}
	}
	return best
}

// Title is the title of a problem type (the code after "/problems/") in l;
// ok is false for a type the catalogue lacks.
func Title(l Lang, code string) (string, bool) {
	t, ok := titles[code]
	return t.In(l), ok
}

// Has reports whether key is a detail template of the catalogue.
func Has(key string) bool {
	_, ok := texts[key]
	return ok
}

// Render fills the template key in l with a's values. An unknown key
// renders as the key itself, so a gap shows up in tests, not as silence.
func Render(l Lang, key string, a Args) string {
	t, ok := texts[key]
	if !ok {
		return key
	}
	return fill(l, t.In(l), a)
}

func fill(l Lang, tmpl string, a Args) string {
	var b strings.Builder
	for {
		open := strings.IndexByte(tmpl, '{')
		if open < 0 {
			break
		}
		end := strings.IndexByte(tmpl[open:], '}')
		if end < 0 {
			break
		}
		b.WriteString(tmpl[:open])
		name, as, _ := strings.Cut(tmpl[open+1:open+end], ":")
		if v, ok := a[name]; ok {
			b.WriteString(format(l, as, v))
		} else {
			b.WriteString(tmpl[open : open+end+1])
		}
		tmpl = tmpl[open+end+1:]
	}
	b.WriteString(tmpl)
	return b.String()
}
