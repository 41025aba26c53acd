package rooms

import (
	"testing"
	"unicode/utf8"
)

func TestClip(t *testing.T) {
	for _, tt := range []struct {
		in   string
		n    int
		want string
	}{
		{"Rat", 5, "Rat"},
		{"Ratssitzung", 5, "Rats…"},
		{"Bürgerschaft", 3, "Bü…"},
		{"ääää", 4, "ääää"},
		{"äääää", 4, "äää…"},
		{"x", 0, ""},
	} {
		got := Clip(tt.in, tt.n)
		if got != tt.want || !utf8.ValidString(got) {
			t.Errorf("Clip(%q, %d) = %q, want %q", tt.in, tt.n, got, tt.want)
		}
	}
}
