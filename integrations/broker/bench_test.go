package broker

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/kogge-project/kogge/rooms"
	"github.com/kogge-project/kogge/rooms/store"
)

// BenchmarkChoose: one allocation decision against 50,000 stored
// allocations, inside a real write transaction of the store. 100 rooms
// hold 500 consecutive 2-hour hybrid meetings each, so at every instant
// the 100 GoTo organizers are all held; the measured decision checks all
// 100 (through the store's licence index) and spills to Pexip: the worst
// case. Target: < 1 ms.
func BenchmarkChoose(b *testing.B) {
	st, err := store.Open(filepath.Join(b.TempDir(), "kogge.db"), store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	orgs := make([]string, 100)
	for i := range orgs {
		orgs[i] = fmt.Sprintf("org%03d", i)
	}
	providers := []Provider{builtinP(10), gotoP(orgs...), pexipP()}
	br, err := New(Options{Providers: providers, Backends: map[string]Backend{
		"gotomeeting": NewBuiltin(), "pexip": NewBuiltin()}, Store: st})
	if err != nil {
		b.Fatal(err)
	}
	t0 := time.Date(2030, 1, 7, 0, 0, 0, 0, time.UTC)
	const rooms_, per = 100, 500
	for r := range rooms_ {
		occ := make([]rooms.Booking, per)
		for i := range occ {
			s := t0.Add(time.Duration(i) * 2 * time.Hour)
			occ[i] = rooms.Booking{Room: fmt.Sprintf("room%03d", r), Title: "Sitzung", Kind: rooms.KindMeeting,
				Organizer: "Amt", Start: s, End: s.Add(2 * time.Hour), Status: rooms.StatusConfirmed,
				Hybrid: rooms.Hybrid{Enabled: true, ExpectedRemote: 30}}
		}
		if _, _, _, err := st.CreateSeries(rooms.Series{Template: occ[0], Rule: "FREQ=HOURLY;INTERVAL=2"}, occ, false, "bench"); err != nil {
			b.Fatal(err)
		}
	}
	n := 0
	_ = st.EachAllocation("gotomeeting", func(store.Allocation) error { n++; return nil })
	if n != rooms_*per {
		b.Fatalf("%d GoTo allocations stored, want %d", n, rooms_*per)
	}
	// Measure inside the allocator of one more booking's transaction.
	mid := t0.Add(per * time.Hour) // in the middle of the stored span
	req := Request{Participants: 31, From: mid, To: mid.Add(2 * time.Hour), Duration: 2 * time.Hour}
	st.SetAllocator(func(bk rooms.Booking, prev *store.Allocation, busy store.BusyFunc) (*store.Allocation, error) {
		b.ResetTimer()
		for range b.N {
			p, _, err := Choose(providers, req, busy, br.isDown, nil)
			if err != nil || p.Name != "pexip" {
				b.Fatalf("chose %q: %v", p.Name, err)
			}
		}
		b.StopTimer()
		return nil, nil
	})
	x := rooms.Booking{Room: "extra", Title: "x", Kind: rooms.KindMeeting, Organizer: "Amt", Start: mid,
		End: mid.Add(2 * time.Hour), Status: rooms.StatusConfirmed, Hybrid: rooms.Hybrid{Enabled: true, ExpectedRemote: 30}}
	if _, err := st.Create(x, "bench"); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1e6, "ms/decision")
}
