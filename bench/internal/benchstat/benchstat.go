// Package benchstat holds the small statistics the benchmarks in bench/ share:
// medians over repetitions, latency quantiles, and which CPUs a process may
// run on (to say whether a run was pinned).
package benchstat

import (
	"os"
	"slices"
	"strings"
	"time"
)

func Median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// Quantile of sorted durations, nearest rank (as bench_test.go does).
func Quantile(sorted []time.Duration, p float64) time.Duration {
	return sorted[int(p*float64(len(sorted)-1))]
}

func Mean(ds []time.Duration) time.Duration {
	var sum time.Duration
	for _, d := range ds {
		sum += d
	}
	return sum / time.Duration(len(ds))
}

// CPUsAllowed reads a process's CPU affinity ("self" or a pid), to note
// in the output how the run was pinned.
func CPUsAllowed(pid string) string {
	b, err := os.ReadFile("/proc/" + pid + "/status")
	if err != nil {
		return "?"
	}
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(line, "Cpus_allowed_list:"); ok {
			return strings.TrimSpace(v)
		}
	}
	return "?"
}
