package config

import (
	"testing"
	"time"
)

func TestDurationText(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
		text string
	}{
		{"15m", 15 * time.Minute, "15m"},
		{"2h30m", 150 * time.Minute, "2h30m"},
		{"4h", 4 * time.Hour, "4h"},
		{"168h", 168 * time.Hour, "168h"},
		{"90s", 90 * time.Second, "1m30s"},
		{"500ms", 500 * time.Millisecond, "500ms"},
		{"0s", 0, "0s"},
		{"-5m", -5 * time.Minute, "-5m"},
	}
	for _, tt := range tests {
		var d Duration
		if err := d.UnmarshalText([]byte(tt.in)); err != nil {
			t.Errorf("%q: %v", tt.in, err)
			continue
		}
		text, _ := d.MarshalText()
		if d.Duration != tt.want || string(text) != tt.text {
			t.Errorf("%q: got %v / %q, want %v / %q", tt.in, d.Duration, text, tt.want, tt.text)
		}
	}
	for _, bad := range []string{"", "15", "1 h", "7d", "soon"} {
		var d Duration
		if err := d.UnmarshalText([]byte(bad)); err == nil {
			t.Errorf("%q: accepted as %v", bad, d)
		}
	}
}
