package rooms

import (
	"testing"
	"time"
)

// BenchmarkExpandTenYearWeekly expands a weekly 17:00 Berlin series over ten
// years (522 occurrences, 20 DST changes). Target: under 20 ms per expansion.
func BenchmarkExpandTenYearWeekly(b *testing.B) {
	start := local(b, 2026, 1, 6, 17, 0)
	s := series("FREQ=WEEKLY;BYDAY=TU", start, start.Add(2*time.Hour), start.AddDate(0, 0, 7*10))
	zone := berlin(b)
	from, to := start, start.AddDate(10, 0, 0)
	b.ReportAllocs()
	for b.Loop() {
		got, err := s.Expand(zone, from, to)
		if err != nil || len(got) < 520 {
			b.Fatalf("got %d occurrences, %v", len(got), err)
		}
	}
}
