package config

import (
	"fmt"
	"iter"
	"slices"
	"strings"
)

// suggest returns "; did you mean X?" when key is a likely typo of one of the
// known keys (same letters in another case, or at most two edits away), so
// "capcity" points at "capacity". It returns "" when nothing is close.
func suggest(key string, known iter.Seq[string]) string {
	best, bestDist := "", 3
	for _, k := range slices.Sorted(known) {
		if strings.EqualFold(k, key) {
			return fmt.Sprintf("; did you mean %s?", k)
		}
		if dist := editDistance(key, k); dist < bestDist && len(k) > 3 {
			best, bestDist = k, dist
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf("; did you mean %s?", best)
}

// editDistance is the Levenshtein distance between a and b, on bytes: keys
// are ASCII.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
