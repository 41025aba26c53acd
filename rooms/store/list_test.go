package store

import (
	"encoding/base64"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // the zones these tests use, whatever the machine has

	"github.com/kogge-project/kogge/rooms"
)

func berlin(t testing.TB) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatalf("no tzdata: %v", err)
	}
	return loc
}

func TestDST(t *testing.T) {
	loc := berlin(t)
	tests := []struct {
		name      string
		day       time.Time // local midnight
		wantStart time.Time // 01:30 local as UTC
		wantEnd   time.Time // 03:30 local as UTC
		dayLength time.Duration
	}{
		{"spring forward", time.Date(2030, 3, 31, 0, 0, 0, 0, loc),
			time.Date(2030, 3, 31, 0, 30, 0, 0, time.UTC), time.Date(2030, 3, 31, 1, 30, 0, 0, time.UTC), 23 * time.Hour},
		{"fall back", time.Date(2030, 10, 27, 0, 0, 0, 0, loc),
			time.Date(2030, 10, 26, 23, 30, 0, 0, time.UTC), time.Date(2030, 10, 27, 2, 30, 0, 0, time.UTC), 25 * time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := MustOpen(t)
			y, m, d := tt.day.Date()
			b := at("a", time.Date(y, m, d, 1, 30, 0, 0, loc), 0)
			b.End = time.Date(y, m, d, 3, 30, 0, 0, loc)
			got := mustCreate(t, s, b)
			stored, err := s.Get(got.ID)
			if err != nil {
				t.Fatal(err)
			}
			if stored.Start != tt.wantStart || stored.End != tt.wantEnd {
				t.Errorf("stored %s–%s, want %s–%s (UTC instants)", stored.Start, stored.End, tt.wantStart, tt.wantEnd)
			}
			if stored.Start.Location() != time.UTC {
				t.Errorf("stored in %s, want UTC", stored.Start.Location())
			}
			next := time.Date(y, m, d+1, 0, 0, 0, 0, loc)
			if next.Sub(tt.day) != tt.dayLength {
				t.Fatalf("test premise: day is %s long", next.Sub(tt.day))
			}
			// Querying the local day in Berlin time finds it.
			o, _ := s.Overlapping("a", tt.day, next)
			p, _ := s.List(Query{From: tt.day, To: next})
			if !slices.Equal(ids(o), []string{got.ID}) || !slices.Equal(ids(p.Bookings), []string{got.ID}) {
				t.Errorf("day query: Overlapping %v, List %v", ids(o), ids(p.Bookings))
			}
			// The day before and after do not.
			if o, _ := s.Overlapping("a", tt.day.AddDate(0, 0, -1), tt.day); len(o) != 0 {
				t.Errorf("previous day shows %v", ids(o))
			}
		})
	}
}

// TestDSTFallBackHourTwice: on the fall-back day 02:00–03:00 happens twice.
// Bookings at the same wall-clock times in the two passes do not collide;
// one spanning the switch collides with both.
func TestDSTFallBackHourTwice(t *testing.T) {
	loc := berlin(t)
	// 02:15–02:45 CEST is 00:15–00:45Z; 02:15–02:45 CET is 01:15–01:45Z.
	first := at("a", time.Date(2030, 10, 27, 0, 15, 0, 0, time.UTC), 30*time.Minute)
	second := at("a", time.Date(2030, 10, 27, 1, 15, 0, 0, time.UTC), 30*time.Minute)
	if f, s := first.Start.In(loc).Format("15:04 MST"), second.Start.In(loc).Format("15:04 MST"); f != "02:15 CEST" || s != "02:15 CET" {
		t.Fatalf("test premise: %s and %s", f, s)
	}
	s := MustOpen(t)
	a := mustCreate(t, s, first)
	b := mustCreate(t, s, second)
	// 02:30 CEST until 02:30 CET: one hour across the switch.
	_, err := s.Create(at("a", time.Date(2030, 10, 27, 0, 30, 0, 0, time.UTC), time.Hour), "x")
	if c := conflictIDs(t, err); !slices.Equal(c, []string{a.ID, b.ID}) {
		t.Errorf("conflicts %v, want both", c)
	}
	// Between the two passes (02:45 CEST – 02:15 CET) the room is free.
	gap, err := s.Create(at("a", time.Date(2030, 10, 27, 0, 45, 0, 0, time.UTC), 30*time.Minute), "x")
	if err != nil {
		t.Fatalf("gap between the two 02:00 hours: %v", err)
	}
	// Local 02:00 on that day, as time.Date picks it, is one instant; a
	// window from it for an hour sees exactly one of the two bookings.
	two := time.Date(2030, 10, 27, 2, 0, 0, 0, loc)
	o, _ := s.Overlapping("a", two, two.Add(time.Hour))
	if got := ids(o); !slices.Equal(got, []string{a.ID, gap.ID}) && !slices.Equal(got, []string{gap.ID, b.ID}) {
		t.Errorf("local 02:00 (%s) + 1h: %v", two.UTC(), ids(o))
	}
}

func TestListPagination(t *testing.T) {
	s := MustOpen(t)
	var bs []rooms.Booking
	for i := range 1234 {
		room := []string{"a", "b"}[i%2]
		// Several bookings share a start to exercise the id tie-break.
		bs = append(bs, at(room, t0.Add(time.Duration(i/3)*time.Hour), time.Hour))
	}
	bulkInsert(t, s, bs)

	tests := []struct {
		name  string
		q     Query
		count int
	}{
		{"all", Query{Limit: 500}, 1234},
		{"all, default limit", Query{}, 1234},
		{"limit above max", Query{Limit: 10000}, 1234},
		{"room", Query{Room: "a", Limit: 7}, 617},
		{"window", Query{From: t0.Add(10 * time.Hour), To: t0.Add(300 * time.Hour), Limit: 50}, 0},
		{"room window", Query{Room: "b", From: t0.Add(10 * time.Hour), To: t0.Add(300 * time.Hour), Limit: 50}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var want []string
			for _, b := range bs {
				if tt.q.matches(&b) && (tt.q.Room == "" || b.Room == tt.q.Room) {
					want = append(want, b.ID)
				}
			}
			if tt.count != 0 && len(want) != tt.count {
				t.Fatalf("test premise: %d matches", len(want))
			}
			slices.SortFunc(want, func(x, y string) int { return startOf(bs, x).Compare(startOf(bs, y)) })
			limit := min(max(tt.q.Limit, 0), MaxLimit)
			if limit == 0 {
				limit = DefaultLimit
			}
			var got []string
			q := tt.q
			for pages := 0; ; pages++ {
				if pages > len(bs) {
					t.Fatal("pagination does not end")
				}
				p, err := s.List(q)
				if err != nil {
					t.Fatal(err)
				}
				if len(p.Bookings) > limit || (p.Next != "" && len(p.Bookings) != limit) {
					t.Fatalf("page of %d with limit %d, next %q", len(p.Bookings), limit, p.Next)
				}
				got = append(got, ids(p.Bookings)...)
				if p.Next == "" {
					break
				}
				q.After = p.Next
			}
			if !slices.Equal(got, stableByStart(bs, want)) {
				t.Errorf("pages gave %d ids, want %d (duplicates or gaps)", len(got), len(want))
			}
		})
	}
}

func startOf(bs []rooms.Booking, id string) time.Time {
	for _, b := range bs {
		if b.ID == id {
			return b.Start
		}
	}
	return time.Time{}
}

// stableByStart orders ids by start then id: the listing order.
func stableByStart(bs []rooms.Booking, ids []string) []string {
	out := slices.Clone(ids)
	slices.SortFunc(out, func(x, y string) int {
		if c := startOf(bs, x).Compare(startOf(bs, y)); c != 0 {
			return c
		}
		return strings.Compare(x, y)
	})
	return out
}

func TestListBadCursor(t *testing.T) {
	s := MustOpen(t)
	bulkInsert(t, s, []rooms.Booking{at("a", t0, time.Hour), at("a", t0.Add(time.Hour), time.Hour)})
	p, err := s.List(Query{Room: "a", Limit: 1})
	if err != nil || p.Next == "" {
		t.Fatalf("first page: %+v, %v", p, err)
	}
	for name, q := range map[string]Query{
		"not base64":      {After: "!!!"},
		"wrong length":    {After: base64.RawURLEncoding.EncodeToString([]byte("short"))},
		"other room":      {Room: "b", After: p.Next},
		"room-less query": {After: p.Next},
	} {
		if _, err := s.List(q); !errors.Is(err, ErrBadCursor) {
			t.Errorf("%s: got %v, want ErrBadCursor", name, err)
		}
	}
}

func TestListFilters(t *testing.T) {
	s := MustOpen(t)
	mk := func(room string, h int, k rooms.Kind, st rooms.Status) rooms.Booking {
		b := at(room, t0.Add(time.Duration(h)*time.Hour), time.Hour)
		b.Kind, b.Status = k, st
		return b
	}
	bs := []rooms.Booking{
		mk("a", 0, rooms.KindMeeting, rooms.StatusConfirmed),                                    // 0
		mk("a", 1, rooms.KindCouncil, rooms.StatusTentative),                                    // 1
		mk("a", 2, rooms.KindInterview, rooms.StatusCancelled),                                  // 2
		mk("b", 0, rooms.KindCouncil, rooms.StatusConfirmed),                                    // 3
		mk("b", 5, rooms.KindMeeting, rooms.StatusConfirmed),                                    // 4
		withBuffers(mk("c", 3, rooms.KindMeeting, rooms.StatusConfirmed), time.Hour, time.Hour), // 5: occupies 2–5
	}
	bulkInsert(t, s, bs)
	h := func(n int) time.Time { return t0.Add(time.Duration(n) * time.Hour) }
	tests := []struct {
		name string
		q    Query
		want []int
	}{
		{"everything, cancelled included", Query{}, []int{0, 3, 1, 2, 5, 4}},
		{"room", Query{Room: "a"}, []int{0, 1, 2}},
		{"kind", Query{Kind: rooms.KindCouncil}, []int{3, 1}},
		{"status", Query{Status: rooms.StatusConfirmed}, []int{0, 3, 5, 4}},
		{"cancelled only", Query{Status: rooms.StatusCancelled}, []int{2}},
		{"from", Query{From: h(2)}, []int{2, 5, 4}},
		{"to", Query{To: h(1)}, []int{0, 3}},
		{"window by start/end, not buffers", Query{From: h(4), To: h(5)}, nil},
		{"window touching end is out", Query{From: h(1), To: h(2)}, []int{1}},
		{"room and window", Query{Room: "b", From: h(1)}, []int{4}},
		{"unknown room", Query{Room: "zz"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := s.List(tt.q)
			if err != nil {
				t.Fatal(err)
			}
			var want []string
			for _, i := range tt.want {
				want = append(want, bs[i].ID)
			}
			if got := ids(p.Bookings); !slices.Equal(got, want) || p.Next != "" {
				t.Errorf("got %v next %q, want %v", got, p.Next, want)
			}
		})
	}
}

func TestOverlapping(t *testing.T) {
	s := MustOpen(t)
	// A month-long booking stored first, then many short ones after its
	// start: a scan from the window start alone would miss it.
	long := mustCreate(t, s, withBuffers(at("a", t0, 30*24*time.Hour), time.Hour, 0))
	var short []rooms.Booking
	for i := range 200 {
		short = append(short, at("b", t0.Add(time.Duration(i)*time.Hour), time.Hour))
	}
	bulkInsert(t, s, short)
	buffered := mustCreate(t, s, withBuffers(at("c", t0, time.Hour), 0, 30*time.Minute))
	cancelled := mustCreate(t, s, at("c", t0.Add(2*time.Hour), time.Hour))
	if _, err := s.Cancel(cancelled.ID, 1, "x"); err != nil {
		t.Fatal(err)
	}

	mid := t0.Add(20 * 24 * time.Hour)
	tests := []struct {
		name     string
		room     string
		from, to time.Time
		want     []string
	}{
		{"inside a long booking", "a", mid, mid.Add(24 * time.Hour), []string{long.ID}},
		{"in its setup", "a", t0.Add(-time.Hour), t0.Add(-30 * time.Minute), []string{long.ID}},
		{"before its setup", "a", t0.Add(-2 * time.Hour), t0.Add(-time.Hour), nil},
		{"after it", "a", t0.Add(30 * 24 * time.Hour), t0.Add(31 * 24 * time.Hour), nil},
		{"in a teardown", "c", t0.Add(70 * time.Minute), t0.Add(80 * time.Minute), []string{buffered.ID}},
		{"after a teardown", "c", t0.Add(90 * time.Minute), t0.Add(4 * time.Hour), nil},
		{"other rooms don't leak", "b", t0.Add(10 * time.Hour), t0.Add(12 * time.Hour), []string{short[10].ID, short[11].ID}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.Overlapping(tt.room, tt.from, tt.to)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(ids(got), tt.want) {
				t.Errorf("got %v, want %v", ids(got), tt.want)
			}
		})
	}
	// List with From inside the long booking also finds it (global bound).
	p, _ := s.List(Query{From: mid, To: mid.Add(time.Hour)})
	if !slices.Equal(ids(p.Bookings), []string{long.ID}) {
		t.Errorf("List in the middle of the long booking: %v", ids(p.Bookings))
	}
}

func TestEachWalksEveryPageAndStops(t *testing.T) {
	s := MustOpen(t)
	start := time.Date(2027, 1, 4, 8, 0, 0, 0, time.UTC)
	for i := range 7 {
		mustCreate(t, s, at("a", start.Add(time.Duration(i)*2*time.Hour), time.Hour))
	}
	var seen int
	if err := s.Each(Query{Room: "a", Limit: 3}, func(rooms.Booking) (bool, error) { seen++; return true, nil }); err != nil || seen != 7 {
		t.Fatalf("walked %d of 7, %v", seen, err)
	}
	seen = 0
	if err := s.Each(Query{Room: "a", Limit: 3}, func(rooms.Booking) (bool, error) { seen++; return seen < 4, nil }); err != nil || seen != 4 {
		t.Fatalf("stopped after %d, want 4 (%v)", seen, err)
	}
}
