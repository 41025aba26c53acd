package timeline

import (
	"fmt"
	"testing"
	"time"

	"github.com/kogge-project/kogge/rooms"
)

// BenchmarkRebuild100k builds the queue from 100,000 pending bookings, as
// Run does at start (target < 200 ms). A tenth require check-in, so the
// queue holds ~510,000 instants.
func BenchmarkRebuild100k(b *testing.B) {
	const n = 100_000
	now := time.Date(2026, 1, 5, 8, 0, 0, 0, time.UTC)
	bs := make([]rooms.Booking, n)
	for i := range bs {
		bk := booking(fmt.Sprintf("01JBOOKING%016d", i), now.Add(time.Duration(i)*37*time.Minute), time.Hour)
		bk.Room = fmt.Sprintf("room-%d", i%200)
		bk.Teardown = 15 * time.Minute
		bk.CheckinRequired = i%10 == 0
		bs[i] = bk
	}
	t := New(newFakeStore(), Options{Room: roomsWith(15*time.Minute, 15*time.Minute)})
	b.ReportAllocs()
	for b.Loop() {
		s := newState(t)
		s.rebuild(bs, now)
		if len(s.q) < 5*n {
			b.Fatalf("queued %d", len(s.q))
		}
	}
}
