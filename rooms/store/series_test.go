package store

import (
	"errors"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kogge-project/kogge/rooms"
	"github.com/kogge-project/kogge/rooms/store/kv"
)

// weekly returns n occurrences in room, every step from start, each d long.
func weekly(room string, start time.Time, n int, step, d time.Duration) []rooms.Booking {
	out := make([]rooms.Booking, n)
	for i := range out {
		out[i] = at(room, start.Add(time.Duration(i)*step), d)
	}
	return out
}

const week = 7 * 24 * time.Hour

func newSeries(room string, start time.Time) rooms.Series {
	return rooms.Series{
		Template:          at(room, start, 3*time.Hour),
		Rule:              "FREQ=WEEKLY;BYDAY=TU",
		MaterialisedUntil: start.Add(18 * 30 * 24 * time.Hour),
	}
}

func starts(bs []rooms.Booking) []time.Time {
	out := make([]time.Time, len(bs))
	for i, b := range bs {
		out[i] = b.Start
	}
	return out
}

func skippedStarts(sk []SkippedOccurrence) []time.Time {
	out := make([]time.Time, len(sk))
	for i, o := range sk {
		out[i] = o.Start
	}
	return out
}

// allBookings lists every stored booking, cancelled ones included.
func allBookings(t *testing.T, s *Store) []rooms.Booking {
	t.Helper()
	page, err := s.List(Query{Limit: MaxLimit})
	if err != nil {
		t.Fatal(err)
	}
	return page.Bookings
}

func TestCreateSeries(t *testing.T) {
	tue := t0.Add(24*time.Hour + 7*time.Hour) // Tuesday 16:00 UTC
	five := weekly("a", tue, 5, week, 3*time.Hour)
	tests := []struct {
		name    string
		stored  []rooms.Booking // booked before the series
		occ     []rooms.Booking
		skip    bool
		written []int         // indexes into occ that are stored
		clashes map[int][]int // occ index -> indexes into stored (or -1-i: occ i)
	}{
		{name: "free", occ: five, written: []int{0, 1, 2, 3, 4}},
		{name: "free, skip mode", occ: five, skip: true, written: []int{0, 1, 2, 3, 4}},
		{
			name:    "fail lists every collision",
			stored:  []rooms.Booking{at("a", five[1].Start.Add(time.Hour), time.Hour), at("a", five[3].Start, 30*time.Minute), at("a", five[3].End.Add(-time.Minute), time.Hour)},
			occ:     five,
			clashes: map[int][]int{1: {0}, 3: {1, 2}},
		},
		{
			name:    "skip writes the rest",
			stored:  []rooms.Booking{at("a", five[1].Start.Add(time.Hour), time.Hour), at("a", five[3].Start, 30*time.Minute)},
			occ:     five,
			skip:    true,
			written: []int{0, 2, 4},
			clashes: map[int][]int{1: {0}, 3: {1}},
		},
		{
			name:    "buffers count",
			stored:  []rooms.Booking{withBuffers(at("a", five[2].End.Add(10*time.Minute), time.Hour), 15*time.Minute, 0)},
			occ:     five,
			skip:    true,
			written: []int{0, 1, 3, 4},
			clashes: map[int][]int{2: {0}},
		},
		{
			name:    "cancelled and other rooms do not block",
			stored:  []rooms.Booking{withStatus(at("a", five[0].Start, time.Hour), rooms.StatusCancelled), at("b", five[1].Start, time.Hour)},
			occ:     five,
			written: []int{0, 1, 2, 3, 4},
		},
		{
			// Two-hour occurrences every 90 minutes: each collides with the
			// one before it, unless that one was skipped. fail lists what
			// skip would skip: 2 does not collide, since 1 is not stored.
			name:    "self-collision, fail",
			occ:     weekly("a", tue, 4, 90*time.Minute, 2*time.Hour),
			clashes: map[int][]int{1: {-1}, 3: {-3}},
		},
		{
			name:    "self-collision, skip",
			occ:     weekly("a", tue, 4, 90*time.Minute, 2*time.Hour),
			skip:    true,
			written: []int{0, 2},
			clashes: map[int][]int{1: {-1}, 3: {-3}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := MustOpen(t)
			var stored []rooms.Booking
			for _, b := range tt.stored {
				stored = append(stored, mustCreate(t, s, b))
			}
			countsBefore, _ := s.CountByStatus()
			sr, got, skipped, err := s.CreateSeries(newSeries("a", tue), tt.occ, tt.skip, "anna")

			// What each colliding occurrence must name, by start.
			var wantSkipped []time.Time
			for i := range tt.occ {
				if _, ok := tt.clashes[i]; ok {
					wantSkipped = append(wantSkipped, tt.occ[i].Start)
				}
			}
			checkClashes := func(sk []SkippedOccurrence) {
				t.Helper()
				if !slices.EqualFunc(skippedStarts(sk), wantSkipped, time.Time.Equal) {
					t.Fatalf("skipped %v, want %v", skippedStarts(sk), wantSkipped)
				}
				for _, o := range sk {
					i := slices.IndexFunc(tt.occ, func(b rooms.Booking) bool { return b.Start.Equal(o.Start) })
					var want []time.Time
					for _, j := range tt.clashes[i] {
						if j >= 0 {
							want = append(want, stored[j].Start)
						} else {
							want = append(want, tt.occ[-1-j].Start)
						}
					}
					if !slices.EqualFunc(starts(o.Conflicts), want, time.Time.Equal) || o.Reason != ReasonConflict {
						t.Errorf("occurrence %s: reason %q, conflicts at %v, want %v", o.Start, o.Reason, starts(o.Conflicts), want)
					}
				}
			}

			if !tt.skip && len(tt.clashes) > 0 {
				ce, ok := errors.AsType[*SeriesConflictError](err)
				if !ok {
					t.Fatalf("want *SeriesConflictError, got %v", err)
				}
				checkClashes(ce.Occurrences)
				if !strings.HasPrefix(ce.Error(), strconv.Itoa(len(tt.clashes))+" occurrences collide: ") {
					t.Errorf("message %q", ce.Error())
				}
				t.Logf("message: %v", ce)
				if n := len(allBookings(t, s)); n != len(stored) {
					t.Errorf("a failed series stored bookings: %d, want %d", n, len(stored))
				}
				if all, _ := s.ListSeries(); len(all) != 0 {
					t.Errorf("a failed series was stored: %+v", all)
				}
				if counts, _ := s.CountByStatus(); !reflect.DeepEqual(counts, countsBefore) {
					t.Errorf("counters moved: %v, want %v", counts, countsBefore)
				}
				return
			}
			if err != nil {
				t.Fatalf("CreateSeries: %v", err)
			}
			checkClashes(skipped)
			var want []time.Time
			for _, i := range tt.written {
				want = append(want, tt.occ[i].Start)
			}
			if !slices.EqualFunc(starts(got), want, time.Time.Equal) {
				t.Fatalf("stored %v, want %v", starts(got), want)
			}
			if sr.ID == "" || sr.Version != 1 || sr.CreatedBy != "anna" || !sr.Created.Equal(t0) || !sr.Updated.Equal(t0) {
				t.Errorf("series %+v", sr)
			}
			if back, err := s.GetSeries(sr.ID); err != nil || !reflect.DeepEqual(back, sr) {
				t.Errorf("GetSeries: %+v, %v\nwant %+v", back, err, sr)
			}
			for _, b := range got {
				if b.ID == "" || b.SeriesID != sr.ID || b.Version != 1 || b.CreatedBy != "anna" || !b.Created.Equal(t0) {
					t.Errorf("occurrence %+v", b)
				}
				if back, err := s.Get(b.ID); err != nil || !reflect.DeepEqual(back, b) {
					t.Errorf("Get %s: %+v, %v\nwant %+v", b.ID, back, err, b)
				}
				if log, _ := s.Audit(b.ID); len(log) != 1 || log[0].Action != ActionCreate || !strings.Contains(log[0].Detail, sr.ID) {
					t.Errorf("audit of occurrence: %+v", log)
				}
			}
			if sb, _ := s.SeriesBookings(sr.ID, time.Time{}); !reflect.DeepEqual(sb, got) {
				t.Errorf("SeriesBookings: %v, want %v", ids(sb), ids(got))
			}
			log, _ := s.Audit(sr.ID)
			if len(log) != 1 || log[0].Action != ActionSeriesCreate || log[0].Changes["rule"].After != sr.Rule ||
				log[0].Detail != strconv.Itoa(len(got))+" occurrences stored, "+strconv.Itoa(len(skipped))+" skipped" {
				t.Errorf("series audit: %+v", log)
			}
			if counts, _ := s.CountByStatus(); counts[rooms.StatusConfirmed] != countsBefore[rooms.StatusConfirmed]+len(got) {
				t.Errorf("confirmed count %d, want %d", counts[rooms.StatusConfirmed], countsBefore[rooms.StatusConfirmed]+len(got))
			}
		})
	}
}

func TestSeriesBookings(t *testing.T) {
	s := MustOpen(t)
	tue := t0.Add(31 * time.Hour)
	occ := weekly("a", tue, 6, week, 3*time.Hour)
	// Handed over out of order, and with a longer setup on the last one:
	// the index orders by start, not by occupied start.
	shuffled := []rooms.Booking{occ[3], occ[0], occ[5], occ[1], occ[4], withBuffers(occ[2], 4*time.Hour, 0)}
	sr, _, _, err := s.CreateSeries(newSeries("a", tue), shuffled, false, "anna")
	if err != nil {
		t.Fatal(err)
	}
	other, _, _, err := s.CreateSeries(newSeries("b", tue), weekly("b", tue, 3, week, time.Hour), false, "anna")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		id   string
		from time.Time
		want []time.Time
	}{
		{"all", sr.ID, time.Time{}, starts(occ)},
		{"from an occurrence's start on", sr.ID, occ[2].Start, starts(occ[2:])},
		{"from between two", sr.ID, occ[2].Start.Add(time.Second), starts(occ[3:])},
		{"after the last", sr.ID, occ[5].Start.Add(time.Second), nil},
		{"the other series", other.ID, time.Time{}, starts(weekly("b", tue, 3, week, time.Hour))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.SeriesBookings(tt.id, tt.from)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.EqualFunc(starts(got), tt.want, time.Time.Equal) {
				t.Errorf("starts %v, want %v", starts(got), tt.want)
			}
		})
	}
	for _, id := range []string{"nonsense", "01KQ0000000000000000000000"} {
		if _, err := s.SeriesBookings(id, time.Time{}); !errors.Is(err, rooms.ErrNotFound) {
			t.Errorf("SeriesBookings(%q): %v, want ErrNotFound", id, err)
		}
		if _, err := s.GetSeries(id); !errors.Is(err, rooms.ErrNotFound) || !strings.Contains(err.Error(), "series") {
			t.Errorf("GetSeries(%q): %v, want ErrNotFound naming the series", id, err)
		}
	}

	// Moving one occurrence (an exception) moves its index entry; cancelled
	// ones stay listed.
	all, _ := s.SeriesBookings(sr.ID, time.Time{})
	moved, err := s.Update(all[0].ID, all[0].Version, "anna", func(b *rooms.Booking) error {
		b.Start, b.End = all[5].Start.Add(24*time.Hour), all[5].End.Add(24*time.Hour)
		b.Exception = true
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Cancel(all[1].ID, all[1].Version, "anna"); err != nil {
		t.Fatal(err)
	}
	got, _ := s.SeriesBookings(sr.ID, time.Time{})
	if want := append(ids(all[1:]), moved.ID); !slices.Equal(ids(got), want) {
		t.Errorf("after moving the first: %v, want %v", ids(got), want)
	}
	if got[0].Status != rooms.StatusCancelled {
		t.Errorf("cancelled occurrence listed as %s", got[0].Status)
	}
}

func TestAppendOccurrences(t *testing.T) {
	s := MustOpen(t)
	tue := t0.Add(31 * time.Hour)
	occ := weekly("a", tue, 8, week, 3*time.Hour)
	sr := newSeries("a", tue)
	sr.MaterialisedUntil = occ[4].Start
	sr, first, _, err := s.CreateSeries(sr, occ[:4], false, "anna")
	if err != nil {
		t.Fatal(err)
	}
	blocker := mustCreate(t, s, at("a", occ[6].Start.Add(time.Hour), time.Hour))
	// The job asks from one week too early (occ[3] again), and one
	// occurrence is taken.
	until := occ[7].End
	got, skipped, err := s.AppendOccurrences(sr.ID, 0, occ[3:], until, "horizon")
	if err != nil {
		t.Fatal(err)
	}
	if want := []time.Time{occ[4].Start, occ[5].Start, occ[7].Start}; !slices.EqualFunc(starts(got), want, time.Time.Equal) {
		t.Errorf("appended %v, want %v", starts(got), want)
	}
	if want := []time.Time{occ[3].Start, occ[6].Start}; !slices.EqualFunc(skippedStarts(skipped), want, time.Time.Equal) {
		t.Fatalf("skipped %v, want %v", skippedStarts(skipped), want)
	}
	if skipped[0].Reason != ReasonMaterialised || skipped[1].Reason != ReasonConflict || !slices.Equal(ids(skipped[1].Conflicts), []string{blocker.ID}) {
		t.Errorf("skipped %+v", skipped)
	}
	for _, b := range got {
		if b.SeriesID != sr.ID || b.Version != 1 || b.CreatedBy != "horizon" {
			t.Errorf("appended %+v", b)
		}
	}
	after, err := s.GetSeries(sr.ID)
	if err != nil {
		t.Fatal(err)
	}
	if after.Version != 2 || !after.MaterialisedUntil.Equal(until) {
		t.Errorf("series after append: version %d, materialised until %s", after.Version, after.MaterialisedUntil)
	}
	all, _ := s.SeriesBookings(sr.ID, time.Time{})
	if want := append(ids(first), ids(got)...); !slices.Equal(ids(all), want) {
		t.Errorf("series holds %v, want %v", ids(all), want)
	}
	// MaterialisedUntil never moves back.
	if _, _, err := s.AppendOccurrences(sr.ID, 0, nil, tue, "horizon"); err != nil {
		t.Fatal(err)
	}
	if again, _ := s.GetSeries(sr.ID); !again.MaterialisedUntil.Equal(until) || again.Version != 3 {
		t.Errorf("an earlier until moved the horizon: %s (version %d)", again.MaterialisedUntil, again.Version)
	}
	if log, _ := s.Audit(sr.ID); len(log) != 3 || log[1].Action != ActionSeriesExtend {
		t.Errorf("series audit %+v", log)
	}
	if _, _, err := s.AppendOccurrences("01KQ0000000000000000000000", 0, occ[7:], until, "horizon"); !errors.Is(err, rooms.ErrNotFound) {
		t.Errorf("append to no series: %v", err)
	}
	if _, _, err := s.AppendOccurrences("nonsense", 0, occ[7:], until, "horizon"); !errors.Is(err, rooms.ErrNotFound) {
		t.Errorf("append to a bad id: %v", err)
	}
}

func TestCancelSeries(t *testing.T) {
	tue := t0.Add(31 * time.Hour)
	occ := weekly("a", tue, 6, week, 3*time.Hour)
	tests := []struct {
		name string
		from time.Time
		want []int // occurrences cancelled
	}{
		{"all", time.Time{}, []int{0, 1, 3, 5}},
		{"from a date", occ[3].Start.Add(-time.Hour), []int{3, 5}},
		{"from an occurrence's start", occ[3].Start, []int{3, 5}},
		{"after the last", occ[5].End, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := MustOpen(t)
			sr, got, _, err := s.CreateSeries(newSeries("a", tue), occ, false, "anna")
			if err != nil {
				t.Fatal(err)
			}
			// Occurrence 2 was released, 4 has ended: both stay as they are.
			for i, st := range map[int]rooms.Status{2: rooms.StatusReleased, 4: rooms.StatusEnded} {
				if _, err := s.Transition(got[i].ID, "test", "timeline", func(b *rooms.Booking) (bool, error) {
					b.Status = st
					return true, nil
				}); err != nil {
					t.Fatal(err)
				}
			}
			cancelled, err := s.CancelSeries(sr.ID, tt.from, "secretary", nil)
			if err != nil {
				t.Fatal(err)
			}
			var want []string
			for _, i := range tt.want {
				want = append(want, got[i].ID)
			}
			if !slices.Equal(ids(cancelled), want) {
				t.Fatalf("cancelled %v, want %v", ids(cancelled), want)
			}
			for _, b := range cancelled {
				if b.Status != rooms.StatusCancelled || b.Version != 2 {
					t.Errorf("returned %+v", b)
				}
				if back, _ := s.Get(b.ID); !reflect.DeepEqual(back, b) {
					t.Errorf("stored %+v\nwant %+v", back, b)
				}
				if log, _ := s.Audit(b.ID); len(log) != 2 || log[1].Action != ActionCancel || log[1].Actor != "secretary" {
					t.Errorf("audit of %s: %+v", b.ID, log)
				}
				// The slot is free again.
				mustCreate(t, s, at("a", b.Start, time.Hour))
			}
			counts, _ := s.CountByStatus()
			wantCounts := map[rooms.Status]int{
				rooms.StatusCancelled: len(want), rooms.StatusReleased: 1, rooms.StatusEnded: 1,
				rooms.StatusConfirmed: 4 - len(want) + len(want), // the others, plus the re-bookings
			}
			for st, n := range wantCounts {
				if counts[st] != n {
					t.Errorf("%s: %d, want %d (all %v)", st, counts[st], n, counts)
				}
			}
			log, _ := s.Audit(sr.ID)
			if last := log[len(log)-1]; last.Action != ActionSeriesCancel || !strings.HasPrefix(last.Detail, strconv.Itoa(len(want))+" occurrences cancelled") {
				t.Errorf("series audit %+v", last)
			}
			// Again: nothing left to cancel, no error.
			if again, err := s.CancelSeries(sr.ID, tt.from, "secretary", nil); err != nil || len(again) != 0 {
				t.Errorf("second CancelSeries: %v, %v", ids(again), err)
			}
		})
	}
	s := MustOpen(t)
	if _, err := s.CancelSeries("01KQ0000000000000000000000", time.Time{}, "x", nil); !errors.Is(err, rooms.ErrNotFound) {
		t.Errorf("CancelSeries of no series: %v", err)
	}
}

func TestListSeries(t *testing.T) {
	s := MustOpen(t)
	if all, err := s.ListSeries(); err != nil || len(all) != 0 {
		t.Fatalf("empty store: %v, %v", all, err)
	}
	var want []rooms.Series
	for i, room := range []string{"c", "a", "b"} {
		sr, _, _, err := s.CreateSeries(newSeries(room, t0.Add(time.Duration(i)*time.Hour)), weekly(room, t0, 2, week, time.Hour), false, "anna")
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, sr)
	}
	slices.SortFunc(want, func(a, b rooms.Series) int { return strings.Compare(a.ID, b.ID) })
	got, err := s.ListSeries()
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("ListSeries: %+v, %v\nwant %+v", got, err, want)
	}
}

func TestUpdateSeries(t *testing.T) {
	s := MustOpen(t)
	sr, _, _, err := s.CreateSeries(newSeries("a", t0), weekly("a", t0, 2, week, time.Hour), false, "anna")
	if err != nil {
		t.Fatal(err)
	}
	if same, err := s.UpdateSeries(sr.ID, sr.Version, "anna", func(*rooms.Series) error { return nil }); err != nil || same.Version != 1 {
		t.Fatalf("empty update: %+v, %v", same, err)
	}
	up, err := s.UpdateSeries(sr.ID, sr.Version, "anna", func(x *rooms.Series) error {
		x.Rule += ";UNTIL=20300401T000000Z"
		x.ExDates = append(x.ExDates, t0.Add(week))
		x.ID, x.Version, x.CreatedBy = "forged", 42, "mallory"
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if up.ID != sr.ID || up.Version != 2 || up.CreatedBy != "anna" || !strings.HasSuffix(up.Rule, "UNTIL=20300401T000000Z") || len(up.ExDates) != 1 {
		t.Errorf("updated %+v", up)
	}
	if back, _ := s.GetSeries(sr.ID); !reflect.DeepEqual(back, up) {
		t.Errorf("stored %+v\nwant %+v", back, up)
	}
	if _, err := s.UpdateSeries(sr.ID, 1, "anna", func(*rooms.Series) error { return nil }); !errors.Is(err, rooms.ErrVersionMismatch) {
		t.Errorf("stale version: %v", err)
	}
	if log, _ := s.Audit(sr.ID); len(log) != 2 || log[1].Action != ActionSeriesUpdate || log[1].Changes["exdates"].After != "1" {
		t.Errorf("audit %+v", log)
	}
}

// A schema 2 file (no series buckets, but possibly bookings already linked
// to a series by codecV2) is migrated to 3 and its links indexed.
func TestMigrationV2toV3(t *testing.T) {
	path := t.TempDir() + "/kogge.db"
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	const seriesID = "01KQ0000000000000000000001"
	linked := at("a", t0, time.Hour)
	linked.SeriesID = seriesID
	linked = mustCreate(t, s, linked)
	plain := mustCreate(t, s, at("a", t0.Add(2*time.Hour), time.Hour))
	err = s.db.Update(func(tx *kv.Tx) error {
		for _, name := range [][]byte{bucketSeries, bucketBySeries} {
			if err := tx.DeleteBucket(name); err != nil {
				return err
			}
		}
		return setSchema(tx, 2)
	})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()

	s, err = Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	err = s.db.View(func(tx *kv.Tx) error {
		if v := schemaOf(tx); v != SchemaVersion {
			t.Errorf("schema %d after migration", v)
		}
		if tx.Bucket(bucketSeries) == nil {
			t.Error("no series bucket")
		}
		var keys [][]byte
		tx.Bucket(bucketBySeries).ForEach(func(k, _ []byte) error {
			keys = append(keys, k)
			return nil
		})
		id, _ := parseID(linked.ID)
		want, _ := seriesKey(&linked, id)
		if len(keys) != 1 || string(keys[0]) != string(want) {
			t.Errorf("series index %x, want [%x]", keys, want)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range []rooms.Booking{linked, plain} {
		if got, err := s.Get(b.ID); err != nil || !reflect.DeepEqual(got, b) {
			t.Errorf("Get after migration: %+v, %v", got, err)
		}
	}
	// A series created now works on the migrated file.
	if _, _, _, err := s.CreateSeries(newSeries("b", t0), weekly("b", t0, 3, week, time.Hour), false, "anna"); err != nil {
		t.Fatal(err)
	}
}

func TestSeriesIDMustBeAnID(t *testing.T) {
	s := MustOpen(t)
	b := at("a", t0, time.Hour)
	b.SeriesID = "not-a-series"
	if _, err := s.Create(b, "anna"); err == nil {
		t.Fatal("a booking linked to a non-id was stored")
	}
}

func TestAppendOccurrencesRefusesAStalePlan(t *testing.T) {
	s := MustOpen(t)
	tue := time.Date(2027, 1, 5, 15, 0, 0, 0, time.UTC)
	var occ []rooms.Booking
	for i := range 4 {
		occ = append(occ, at("a", tue.AddDate(0, 0, 7*i), time.Hour))
	}
	sr, _, _, err := s.CreateSeries(rooms.Series{Rule: "FREQ=WEEKLY", Template: occ[0], MaterialisedUntil: tue.AddDate(0, 0, 14)}, occ[:2], false, "anna")
	if err != nil {
		t.Fatal(err)
	}
	planned := sr.Version
	if _, err := s.CancelSeries(sr.ID, tue.AddDate(0, 0, 7), "anna", func(x *rooms.Series) error {
		x.Rule = rooms.RuleUntil(x.Rule, tue.AddDate(0, 0, 7).Add(-time.Second))
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.AppendOccurrences(sr.ID, planned, occ[2:], tue.AddDate(0, 0, 28), "horizon"); !errors.Is(err, rooms.ErrVersionMismatch) {
		t.Fatalf("a plan made before the cut was stored: %v", err)
	}
	if bs, _ := s.SeriesBookings(sr.ID, time.Time{}); len(bs) != 2 {
		t.Fatalf("%d occurrences after the refused append", len(bs))
	}
}
