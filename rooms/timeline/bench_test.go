package timeline

import (
	"errors"
	"fmt"
	"path/filepath"
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
	st, err := store.Open(filepath.Join(b.TempDir(), "kogge.db"), store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	now := time.Date(2026, 1, 5, 8, 0, 0, 0, time.UTC)
	const roomsN, per = 200, 500
	for r := range roomsN {
		occ := make([]rooms.Booking, per)
		for i := range occ {
			s := now.Add(time.Hour + time.Duration(i)*2*time.Hour)
			occ[i] = rooms.Booking{Room: fmt.Sprintf("room-%d", r), Title: "Ausschuss für Stadtentwicklung", Kind: rooms.KindMeeting,
				Organizer: "Amt 10", Start: s, End: s.Add(time.Hour), Teardown: 15 * time.Minute, Status: rooms.StatusConfirmed,
				CheckinRequired: i%10 == 0, Notes: "Beamer, Mikrofone, Hybrid"}
		}
		if _, _, _, err := st.CreateSeries(rooms.Series{Template: occ[0], Rule: "FREQ=HOURLY;INTERVAL=2"}, occ, false, "bench"); err != nil {
			b.Fatal(err)
		}
	}
	for _, mode := range []struct {
		name string
		st   Store
	}{{"pending", realStore{st}}, {"streamed", streamedStore{realStore{st}}}} {
		b.Run(mode.name, func(b *testing.B) {
			t := New(mode.st, Options{Room: benchCatalog(roomsN).Get})
			b.ReportAllocs()
			for b.Loop() {
				s := newState(t)
				if err := t.rebuild(s, now); err != nil {
					b.Fatal(err)
				}
				if len(s.bookings) != roomsN*per {
					b.Fatalf("%d bookings", len(s.bookings))
				}
			}
			b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/op")
		})
	}
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
