package ical

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestFold(t *testing.T) {
	tests := []struct {
		name string
		line string
	}{
		{"short", "SUMMARY:kurz"},
		{"exactly 75", "SUMMARY:" + strings.Repeat("x", 75-len("SUMMARY:"))},
		{"76", "SUMMARY:" + strings.Repeat("x", 76-len("SUMMARY:"))},
		{"long ascii", "DESCRIPTION:" + strings.Repeat("abcdefghij", 30)},
		{"umlauts across the boundary", "SUMMARY:" + strings.Repeat("ü", 100)},
		{"odd offset 2-byte", "SUMMARY:x" + strings.Repeat("ö", 100)},
		{"3-byte euro", "SUMMARY:" + strings.Repeat("€", 60)},
		{"4-byte emoji", "SUMMARY:a" + strings.Repeat("😀", 40)},
		{"mixed", "LOCATION:" + strings.Repeat("Großer Saal € 😀 ", 10)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := string(appendFolded(nil, tt.line))
			if !strings.HasSuffix(out, "\r\n") {
				t.Fatalf("no CRLF at the end: %q", out)
			}
			phys := strings.Split(strings.TrimSuffix(out, "\r\n"), "\r\n")
			for i, p := range phys {
				if len(p) > 75 {
					t.Errorf("line %d has %d octets", i, len(p))
				}
				if !utf8.ValidString(p) {
					t.Errorf("line %d splits a UTF-8 sequence: %q", i, p)
				}
				if i > 0 && p[0] != ' ' {
					t.Errorf("continuation %d does not start with a space", i)
				}
				// A line is only folded early when the next rune would not fit.
				if i < len(phys)-1 {
					_, next := utf8.DecodeRuneInString(strings.TrimPrefix(phys[i+1], " "))
					if len(p)+next <= 75 {
						t.Errorf("line %d folded at %d octets though %d more would fit", i, len(p), next)
					}
				}
			}
			if len(tt.line) >= 75 && isASCII(tt.line) && len(phys[0]) != 75 {
				t.Errorf("first line %d octets, want exactly 75", len(phys[0]))
			}
			if got := strings.ReplaceAll(strings.TrimSuffix(out, "\r\n"), "\r\n ", ""); got != tt.line {
				t.Errorf("unfolded %q, want %q", got, tt.line)
			}
		})
	}
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

func TestEscapeText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain", "plain"},
		{`a\b`, `a\\b`},
		{"a;b,c", `a\;b\,c`},
		{"eins\nzwei\r\ndrei\rvier", `eins\nzwei\ndrei\nvier`},
		{"tab\tok", "tab\tok"},
		{"bell\x07gone", "bellgone"},
		{"bad\xffutf8", "bad\uFFFDutf8"},
		{`:colon "quote"`, `:colon "quote"`},
	}
	for _, tt := range tests {
		if got := escapeText(tt.in); got != tt.want {
			t.Errorf("escapeText(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if tt.in == "bell\x07gone" || tt.in == "bad\xffutf8" {
			continue
		}
		want := strings.ReplaceAll(strings.ReplaceAll(tt.in, "\r\n", "\n"), "\r", "\n")
		if got := unescapeText(escapeText(tt.in)); got != want {
			t.Errorf("round trip of %q gives %q", tt.in, got)
		}
	}
}

func TestParamValue(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Online", "Online"},
		{"Einwahl: +49", `"Einwahl: +49"`},
		{`Say "hi"`, "Say 'hi'"},
		{"a;b", `"a;b"`},
		{"line\nbreak", "line break"},
	}
	for _, tt := range tests {
		if got := paramValue(tt.in); got != tt.want {
			t.Errorf("paramValue(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestDialURI(t *testing.T) {
	tests := []struct{ in, want string }{
		{"+49 30 1234-5678", "tel:+49-30-1234-5678"},
		{"030 / 1234 (56)", "tel:030-1234-56"},
		{"tel:+4930123", "tel:+4930123"},
		{"sip:raum@example.de", "sip:raum@example.de"},
		{"+49 30 1234, PIN 99", ""},
		{"12", ""},
		{"", ""},
	}
	for _, tt := range tests {
		if got := dialURI(tt.in); got != tt.want {
			t.Errorf("dialURI(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestOutputIsCRLFAndFolded(t *testing.T) {
	f := newFixture(t)
	feed := f.feed(t)
	feed.Bookings[0].Notes = strings.Repeat("Tagesordnung: Bebauungsplan Nr. 42 „Südstadt“ – Änderung; ", 20)
	out := writeFeed(t, feed)
	if !strings.HasSuffix(out, "END:VCALENDAR\r\n") {
		t.Fatalf("does not end with END:VCALENDAR CRLF")
	}
	for i, l := range strings.Split(strings.TrimSuffix(out, "\r\n"), "\r\n") {
		if strings.ContainsAny(l, "\r\n") {
			t.Fatalf("line %d holds a bare CR or LF: %q", i+1, l)
		}
		if len(l) > 75 || !utf8.ValidString(l) {
			t.Fatalf("line %d: %d octets, valid UTF-8 %v", i+1, len(l), utf8.ValidString(l))
		}
	}
}
