package ical

import (
	"io"
	"unicode/utf8"
)

// maxLine is the longest physical line RFC 5545 3.1 allows, in octets and
// without the CRLF. Continuation lines start with a space, which counts.
const maxLine = 75

// appendFolded appends one content line, folded and CRLF-terminated.
// Folding counts octets, not characters, and breaks only between runes:
// "Sitzungssaal" with umlauts must not turn into two halves of an "ü"
// that a strict parser rejects as invalid UTF-8.
func appendFolded(dst []byte, line string) []byte {
	n := 0
	for i := 0; i < len(line); {
		_, size := utf8.DecodeRuneInString(line[i:])
		if n+size > maxLine {
			dst = append(dst, "\r\n "...)
			n = 1
		}
		dst = append(dst, line[i:i+size]...)
		n += size
		i += size
	}
	return append(dst, "\r\n"...)
}

// writer collects content lines and writes them in one go, so a caller
// never sees half a calendar written before an error.
type writer struct {
	buf []byte
}

func (w *writer) line(s string) { w.buf = appendFolded(w.buf, s) }

func (w *writer) flush(out io.Writer) error {
	_, err := out.Write(w.buf)
	return err
}
