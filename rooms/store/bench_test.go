package store

// Benchmarks are not part of CI (plain go test never runs them). Run e.g.
//
//	go test -run '^$' -bench . -benchtime 300x ./rooms/store
//
// The preloaded files are built once per size and cached in os.TempDir
// (kogge-store-bench-*.db); delete them after changing the layout.

import (
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kogge-project/kogge/rooms"
	"github.com/kogge-project/kogge/rooms/store/kv"
)

var benchRooms = []string{"ratssaal", "sitzungssaal-2", "besprechung-3"}

// benchStart is where preloaded bookings begin; they are 1 h long (plus
// 15 min setup) every 90 min per room, so 100k of them span about 5.7 years.
var benchStart = time.Date(2026, 1, 5, 7, 0, 0, 0, time.UTC)

const benchSpacing = 90 * time.Minute

func benchBooking(i int) rooms.Booking {
	b := at(benchRooms[i%len(benchRooms)], benchStart.Add(time.Duration(i/len(benchRooms))*benchSpacing), time.Hour)
	b.Setup = 15 * time.Minute
	b.Title = fmt.Sprintf("Ausschuss für Stadtentwicklung, Sitzung %d", i)
	b.Notes = "Beamer, Mikrofone, Hybrid"
	return b
}

// benchSpan is how far the preloaded bookings reach.
func benchSpan(n int) time.Duration {
	return time.Duration(n/len(benchRooms)+1) * benchSpacing
}

var preloadMu sync.Mutex

// preloaded returns a private copy of a store file holding n bookings.
func preloaded(b *testing.B, n int) *Store {
	b.Helper()
	preloadMu.Lock()
	cached := filepath.Join(os.TempDir(), fmt.Sprintf("kogge-store-bench-v%d-%d.db", SchemaVersion, n))
	if _, err := os.Stat(cached); err != nil {
		tmp := cached + ".tmp"
		os.Remove(tmp)
		s, err := Open(tmp, Options{})
		if err != nil {
			b.Fatal(err)
		}
		// Bulk path: batches of 10k per transaction, no conflict checks.
		for lo := 0; lo < n; lo += 10000 {
			bs := make([]rooms.Booking, 0, 10000)
			for i := lo; i < min(lo+10000, n); i++ {
				bs = append(bs, benchBooking(i))
			}
			bulkInsert(b, s, bs)
		}
		s.Close()
		if err := os.Rename(tmp, cached); err != nil {
			b.Fatal(err)
		}
	}
	preloadMu.Unlock()

	path := filepath.Join(b.TempDir(), "kogge.db")
	copyFile(b, cached, path)
	s, err := Open(path, Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return s
}

func copyFile(b *testing.B, from, to string) {
	src, err := os.Open(from)
	if err != nil {
		b.Fatal(err)
	}
	defer src.Close()
	dst, err := os.OpenFile(to, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		b.Fatal(err)
	}
	if err := dst.Close(); err != nil {
		b.Fatal(err)
	}
}

// countCommits makes s count its committed write transactions. Every
// store write funnels through s.onWrite, called once per closure; a batch
// runs several closures in one transaction, so commits are deduplicated by
// transaction id. Write transactions are serialised by bbolt's writer lock,
// which orders the accesses to last.
//
// bbolt syncs twice per commit (fdatasync after the data pages, again after
// the meta page), plus once more when it grows the file; so fsyncs/op is
// reported as 2 × commits/op, a slight undercount while the file grows.
func countCommits(s *Store) *atomic.Int64 {
	var n atomic.Int64
	last := -1
	s.onWrite = func(tx *kv.Tx) {
		if id := tx.ID(); id != last {
			last = id
			tx.OnCommit(func() { n.Add(1) })
		}
	}
	return &n
}

func BenchmarkCreate(b *testing.B) {
	for _, size := range []int{0, 10_000, 100_000} {
		for _, writers := range []int{1, 32} {
			b.Run(fmt.Sprintf("existing=%d/writers=%d", size, writers), func(b *testing.B) {
				s := preloaded(b, size)
				commits := countCommits(s)
				// New bookings go into the preloaded range's gaps would
				// conflict; put them after it, in the same rooms, so the
				// conflict scan runs over a full index.
				base := benchStart.Add(benchSpan(size))
				var next atomic.Int64
				create := func() {
					i := int(next.Add(1) - 1)
					bk := benchBooking(i)
					bk.Start = base.Add(time.Duration(i/len(benchRooms)) * benchSpacing)
					bk.End = bk.Start.Add(time.Hour)
					if _, err := s.Create(bk, "bench"); err != nil {
						b.Error(err)
					}
				}
				b.ResetTimer()
				start := time.Now()
				var wg sync.WaitGroup
				var todo atomic.Int64
				todo.Store(int64(b.N))
				for range writers {
					wg.Go(func() {
						for todo.Add(-1) >= 0 {
							create()
						}
					})
				}
				wg.Wait()
				elapsed := time.Since(start)
				b.StopTimer()
				c := float64(commits.Load()) / float64(b.N)
				b.ReportMetric(float64(b.N)/elapsed.Seconds(), "creates/s")
				b.ReportMetric(c, "commits/op")
				b.ReportMetric(2*c, "fsyncs/op")
			})
		}
	}
}

func BenchmarkAvailability(b *testing.B) {
	const size = 100_000
	s := preloaded(b, size)
	rng := rand.New(rand.NewPCG(1, 2))
	days := int(benchSpan(size) / (24 * time.Hour))
	var durs []time.Duration
	for b.Loop() {
		room := benchRooms[rng.IntN(len(benchRooms))]
		from := benchStart.Add(time.Duration(rng.IntN(days)) * 24 * time.Hour)
		t := time.Now()
		got, err := s.Overlapping(room, from, from.Add(24*time.Hour))
		durs = append(durs, time.Since(t))
		if err != nil || len(got) == 0 {
			b.Fatalf("Overlapping: %d bookings, %v", len(got), err)
		}
	}
	slices.Sort(durs)
	q := func(p float64) float64 {
		return float64(durs[int(p*float64(len(durs)-1))].Nanoseconds()) / 1e3
	}
	b.ReportMetric(q(0.50), "p50-µs")
	b.ReportMetric(q(0.99), "p99-µs")
}

// BenchmarkCreateSeries stores a 10-year weekly series (520 occurrences,
// each conflict-checked) in one transaction. Every iteration uses a room
// of its own, so that no occurrence collides with an earlier iteration's.
func BenchmarkCreateSeries(b *testing.B) {
	const n = 520
	for _, size := range []int{0, 100_000} {
		b.Run(fmt.Sprintf("existing=%d", size), func(b *testing.B) {
			s := preloaded(b, size)
			commits := countCommits(s)
			start := benchStart.Add(benchSpan(size))
			i := 0
			for b.Loop() {
				room := fmt.Sprintf("series-%d", i)
				i++
				occ := make([]rooms.Booking, n)
				for j := range occ {
					occ[j] = at(room, start.Add(time.Duration(j)*7*24*time.Hour), 3*time.Hour)
					occ[j].Setup = 15 * time.Minute
				}
				sr := rooms.Series{Template: occ[0], Rule: "FREQ=WEEKLY;COUNT=520"}
				_, got, skipped, err := s.CreateSeries(sr, occ, false, "bench")
				if err != nil || len(got) != n || len(skipped) != 0 {
					b.Fatalf("CreateSeries: %d stored, %d skipped, %v", len(got), len(skipped), err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/series")
			b.ReportMetric(float64(commits.Load())/float64(b.N), "commits/op")
		})
	}
}

// BenchmarkPending reads every booking of a 100k file as pending: the
// store's share of a timeline rebuild at 100k future bookings.
func BenchmarkPending(b *testing.B) {
	const size = 100_000
	s := preloaded(b, size)
	b.ReportAllocs()
	for b.Loop() {
		got, err := s.Pending(benchStart)
		if err != nil || len(got) != size {
			b.Fatalf("Pending: %d bookings, %v", len(got), err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/op")
}

// BenchmarkEachPendingTimed is BenchmarkPending as the timeline's
// rebuild reads it (texts skipped, room names shared, no slice).
func BenchmarkEachPendingTimed(b *testing.B) {
	const size = 100_000
	s := preloaded(b, size)
	b.ReportAllocs()
	for b.Loop() {
		n := 0
		err := s.EachPendingTimed(benchStart, nil, func(*rooms.Booking) { n++ })
		if err != nil || n != size {
			b.Fatalf("EachPendingTimed: %d bookings, %v", n, err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/op")
}

// BenchmarkAllocatorBusy is one licence check (BusyFunc) against 50,000
// held allocations of 20 licences over a year: 2,500 holds per licence,
// 2 h every 3.5 h. The check asks about a random 1 h slot of a random
// licence, as the allocator does per candidate.
func BenchmarkAllocatorBusy(b *testing.B) {
	const n, licences = 50_000, 20
	s := MustOpen(b)
	year := 365 * 24 * time.Hour
	step := year / (n / licences)
	for lo := 0; lo < n; lo += 10_000 {
		err := s.db.Update(func(tx *kv.Tx) error {
			for i := lo; i < min(lo+10_000, n); i++ {
				id, err := s.ids.next(benchStart)
				if err != nil {
					return err
				}
				from := benchStart.Add(time.Duration(i/licences) * step)
				a := Allocation{Provider: "gotomeeting", Licence: fmt.Sprintf("organizer-%02d", i%licences),
					From: from, To: from.Add(2 * time.Hour), State: AllocReserved}
				if _, refused, err := writeAlloc(tx, id, nil, a, benchStart); err != nil || refused != nil {
					return fmt.Errorf("%v %v", err, refused)
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	var self [16]byte
	tx, err := s.db.Begin()
	if err != nil {
		b.Fatal(err)
	}
	defer tx.Rollback()
	busy := busyFunc(tx, self)
	hits := 0
	for b.Loop() {
		from := benchStart.Add(time.Duration(rng.Int64N(int64(year))))
		taken, err := busy("gotomeeting", fmt.Sprintf("organizer-%02d", rng.IntN(licences)), from, from.Add(time.Hour))
		if err != nil {
			b.Fatal(err)
		}
		if taken {
			hits++
		}
	}
	b.ReportMetric(float64(hits)/float64(b.N), "busy-fraction")
}

// BenchmarkCreateAllocated is a full Create with an allocator that takes
// the first free of 100 licences (one BusyFunc per candidate). Bookings
// come 80 to a slot in 80 rooms, so the allocator checks on average 40
// taken licences before it finds one; compare with BenchmarkCreate
// (existing=0), the same Create without an allocator.
func BenchmarkCreateAllocated(b *testing.B) {
	licences := make([]string, 100)
	for i := range licences {
		licences[i] = fmt.Sprintf("organizer-%03d", i)
	}
	alloc := func(bk rooms.Booking, prev *Allocation, busy BusyFunc) (*Allocation, error) {
		for _, l := range licences {
			taken, err := busy("gotomeeting", l, bk.OccupiedFrom(), bk.OccupiedUntil())
			if err != nil {
				return nil, err
			}
			if !taken {
				return &Allocation{Provider: "gotomeeting", Licence: l, From: bk.OccupiedFrom(), To: bk.OccupiedUntil(), State: AllocReserved}, nil
			}
		}
		return nil, fmt.Errorf("no licence")
	}
	for _, writers := range []int{1, 32} {
		b.Run(fmt.Sprintf("writers=%d", writers), func(b *testing.B) {
			s := preloaded(b, 0)
			s.SetAllocator(alloc)
			commits := countCommits(s)
			var next atomic.Int64
			b.ResetTimer()
			start := time.Now()
			var wg sync.WaitGroup
			var todo atomic.Int64
			todo.Store(int64(b.N))
			for range writers {
				wg.Go(func() {
					for todo.Add(-1) >= 0 {
						i := int(next.Add(1) - 1)
						bk := at(fmt.Sprintf("room-%d", i%80), benchStart.Add(time.Duration(i/80)*2*time.Hour), time.Hour)
						bk.Hybrid.Enabled = true
						if _, err := s.Create(bk, "bench"); err != nil {
							b.Error(err)
						}
					}
				})
			}
			wg.Wait()
			elapsed := time.Since(start)
			b.StopTimer()
			b.ReportMetric(float64(b.N)/elapsed.Seconds(), "creates/s")
			b.ReportMetric(float64(commits.Load())/float64(b.N), "commits/op")
		})
	}
}
