package timeline

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/kogge-project/kogge/rooms"
	"github.com/kogge-project/kogge/rooms/store"
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
	t := New(newFakeStore(), Options{Room: benchCatalog(200).Get})
	b.ReportAllocs()
	for b.Loop() {
		s := newState(t)
		s.rebuild(bs, now)
		if s.q.len() < 5*n {
			b.Fatalf("queued %d", s.q.len())
		}
	}
}

// BenchmarkRebuildFromStore100k is the whole rebuild at start against the
// real store holding 100,000 future bookings (200 rooms, 500 each):
// reading them and building the queue (target < 200 ms). "pending" is the
// path before the store could stream (Pending's full bookings), "streamed"
// the one the daemon takes (store.EachPendingTimed).
func BenchmarkRebuildFromStore100k(b *testing.B) {
	st, err := store.Open(benchFile(b), store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	now := benchNow
	const roomsN, per = benchRooms, benchPer
	for _, mode := range []struct {
		name string
		st   Store
	}{{"pending", realStore{st}}, {"streamed", streamedStore{realStore{st}}}} {
		b.Run(mode.name, func(b *testing.B) {
			t := New(mode.st, Options{Room: benchCatalog(roomsN).Get})
			b.ReportAllocs()
			cpu0 := cpuTime()
			for b.Loop() {
				s := newState(t)
				if err := t.rebuild(s, now); err != nil {
					b.Fatal(err)
				}
				if s.bookings.len() != roomsN*per {
					b.Fatalf("%d bookings", s.bookings.len())
				}
			}
			b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/op")
			// On a loaded machine the wall time is mostly waiting for a
			// core; the process's CPU time (GC workers included) is not.
			b.ReportMetric(float64(cpuTime()-cpu0)/float64(time.Millisecond)/float64(b.N), "cpu-ms/op")
		})
	}
}

var benchNow = time.Date(2026, 1, 5, 8, 0, 0, 0, time.UTC)

// The store file of BenchmarkRebuildFromStore100k: 200 rooms, 500 future
// bookings each, a series per room.
const benchRooms, benchPer = 200, 500

// benchFile returns a private copy, in b.TempDir(), of the benchmark's
// store file. Writing 100,000 bookings takes longer than the benchmark
// itself, so the file is made once and kept in os.TempDir(); delete
// kogge-timeline-bench-*.db after changing what it holds.
func benchFile(b *testing.B) string {
	b.Helper()
	cached := filepath.Join(os.TempDir(), fmt.Sprintf("kogge-timeline-bench-v%d.db", store.SchemaVersion))
	if _, err := os.Stat(cached); err != nil {
		tmp := cached + ".tmp"
		os.Remove(tmp)
		st, err := store.Open(tmp, store.Options{})
		if err != nil {
			b.Fatal(err)
		}
		for r := range benchRooms {
			occ := make([]rooms.Booking, benchPer)
			for i := range occ {
				s := benchNow.Add(time.Hour + time.Duration(i)*2*time.Hour)
				occ[i] = rooms.Booking{Room: fmt.Sprintf("room-%d", r), Title: "Ausschuss für Stadtentwicklung", Kind: rooms.KindMeeting,
					Organizer: "Amt 10", Start: s, End: s.Add(time.Hour), Teardown: 15 * time.Minute, Status: rooms.StatusConfirmed,
					CheckinRequired: i%10 == 0, Notes: "Beamer, Mikrofone, Hybrid"}
			}
			if _, _, _, err := st.CreateSeries(rooms.Series{Template: occ[0], Rule: "FREQ=HOURLY;INTERVAL=2"}, occ, false, "bench"); err != nil {
				b.Fatal(err)
			}
		}
		if err := st.Close(); err != nil {
			b.Fatal(err)
		}
		if err := os.Rename(tmp, cached); err != nil {
			b.Fatal(err)
		}
	}
	data, err := os.ReadFile(cached)
	if err != nil {
		b.Fatal(err)
	}
	path := filepath.Join(b.TempDir(), "kogge.db")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		b.Fatal(err)
	}
	return path
}

// cpuTime is the user and system time the process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// benchCatalog holds rooms room-0 … room-(n-1), looked up as the daemon
// does (a map lookup, no allocation).
func benchCatalog(n int) *rooms.Catalog {
	rs := make([]rooms.Room, n)
	for i := range rs {
		rs[i] = rooms.Room{ID: fmt.Sprintf("room-%d", i), PrepLead: rooms.Lead(15 * time.Minute), CheckinGrace: 15 * time.Minute}
	}
	return rooms.NewCatalog(rs)
}

// realStore is rooms/store as a timeline Store without its stream;
// nothing here releases or finishes.
type realStore struct{ st *store.Store }

func (r realStore) Pending(since time.Time) ([]rooms.Booking, error) { return r.st.Pending(since) }
func (realStore) Release(string, string) (rooms.Booking, error) {
	return rooms.Booking{}, errors.New("not in a benchmark")
}
func (realStore) Finish(string) (rooms.Booking, error) {
	return rooms.Booking{}, errors.New("not in a benchmark")
}

type streamedStore struct{ realStore }

func (s streamedStore) EachPending(since time.Time, expect func(int), fn func(*rooms.Booking)) error {
	return s.st.EachPendingTimed(since, expect, fn)
}
