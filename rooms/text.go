package rooms

import "unicode/utf8"

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
