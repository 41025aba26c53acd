package config

import (
	"fmt"
	"strings"
	"time"
)

// Duration is a time.Duration written in the file as a Go duration string,
// "90s", "15m", "2h30m". A wrapper rather than a bare time.Duration so that a
// bare integer (nanoseconds? seconds?) is rejected and a typo gets a message
// that shows the accepted form.
type Duration struct {
	time.Duration
	set bool // the file named it (a default is not set)
}

// Set reports whether the file gave the duration, so that "0s" can mean
// zero where nothing said means a default.
func (d Duration) Set() bool { return d.set }

// UnmarshalText implements encoding.TextUnmarshaler.
func (d *Duration) UnmarshalText(text []byte) error {
	s := string(text)
	v, err := time.ParseDuration(s)
	if err != nil {
		hint := `write e.g. "90s", "15m" or "2h30m"`
		if strings.Contains(s, "d") {
			hint = `days are written in hours, e.g. "168h" for 7 days`
		}
		return fmt.Errorf("invalid duration %q: %s", s, hint)
	}
	d.Duration, d.set = v, true
	return nil
}

// MarshalText implements encoding.TextMarshaler in the compact form of String.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// String renders the duration the way people write it: "4h", not "4h0m0s".
func (d Duration) String() string { return shortDuration(d.Duration) }

func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = s[:len(s)-2]
	}
	if strings.HasSuffix(s, "h0m") {
		s = s[:len(s)-2]
	}
	return s
}
