package store

import (
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/kogge-project/kogge/rooms"
	"github.com/kogge-project/kogge/rooms/usage"
)

// usageHistory builds, 400 days before t0, a released no-show, a meeting
// ended an hour early, a hybrid one with joins and a failover, and a
// cancelled one.
func usageHistory(t *testing.T, s *Store, clock *time.Time) (start time.Time, ids []string) {
	t.Helper()
	s.SetAllocator(firstFree("goto", pool(2)))
	start = t0.Add(-400 * day)
	*clock = start.Add(-day)
	defer func() { *clock = t0 }()
	noShow := at("a", start, time.Hour)
	noShow.CheckinRequired = true
	noShow = mustCreate(t, s, noShow)
	if _, err := s.Transition(noShow.ID, "release", "timeline", func(b *rooms.Booking) (bool, error) {
		b.Status = rooms.StatusReleased
		return true, nil
	}); err != nil {
		t.Fatal(err)
	}
	early := mustCreate(t, s, at("a", start.Add(2*time.Hour), 3*time.Hour))
	*clock = start.Add(3 * time.Hour)
	if _, err := s.Transition(early.ID, actionEnd, "panel", func(b *rooms.Booking) (bool, error) {
		b.Status, b.End = rooms.StatusEnded, b.End.Add(-time.Hour)
		return true, nil
	}); err != nil {
		t.Fatal(err)
	}
	hy := hybrid("b", start, 2*time.Hour)
	hy.Hybrid.ExpectedRemote = 4
	hy = mustCreate(t, s, hy)
	for _, a := range []string{"join", "join", "leave", "join", "join", "remove", "end"} {
		if err := s.AppendAudit(AuditEntry{Time: start.Add(10 * time.Minute), Actor: "Gast (guest)", Action: "meeting." + a, BookingID: hy.ID}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.UpdateAllocation(hy.ID, "broker", func(_ rooms.Booking, a *Allocation) error {
		a.Provider, a.Licence, a.LastError = "pexip", "", "moved from goto: down"
		a.Excluded = append(a.Excluded, "goto")
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	gone := mustCreate(t, s, at("b", start.Add(5*time.Hour), time.Hour))
	if _, err := s.Cancel(gone.ID, gone.Version, "tester"); err != nil {
		t.Fatal(err)
	}
	return start, []string{noShow.ID, early.ID, hy.ID}
}

func TestUsageHistorySurvivesThePurge(t *testing.T) {
	clock := t0
	s := MustOpen(t, Options{Now: func() time.Time { return clock }})
	start, _ := usageHistory(t, s, &clock)
	from, to := start.Add(-day), start.Add(day)
	before, err := s.UsageHistory(from, to)
	if err != nil {
		t.Fatal(err)
	}
	if len(before) != 3 {
		t.Fatalf("history = %+v, want 3 meetings (the cancelled one left out)", before)
	}
	byStart := func(ms []usage.Meeting) {
		slices.SortFunc(ms, func(a, b usage.Meeting) int {
			if c := a.Start.Compare(b.Start); c != 0 {
				return c
			}
			return len(a.Room) - len(b.Room) + compareStr(a.Room, b.Room)
		})
	}
	byStart(before)
	noShow, hy, early := before[0], before[1], before[2]
	if noShow.Status != rooms.StatusReleased || !noShow.Used.IsZero() || !noShow.CheckinRequired {
		t.Errorf("no-show %+v", noShow)
	}
	if !early.End.Equal(start.Add(5*time.Hour)) || !early.Used.Equal(start.Add(4*time.Hour)) {
		t.Errorf("early end: booked until %v, used until %v", early.End, early.Used)
	}
	if !hy.RemoteKnown || hy.PeakRemote != 3 || !hy.FailedOver || hy.Provider != "pexip" || hy.Title != "Sitzung" {
		t.Errorf("hybrid %+v", hy)
	}

	st := mustPurge(t, s, shortInterviews, time.Time{}, 2)
	if st.Bookings != 4 {
		t.Fatalf("purged %d bookings, want 4", st.Bookings)
	}
	after, err := s.UsageHistory(from, to)
	if err != nil {
		t.Fatal(err)
	}
	byStart(after)
	for i := range before {
		before[i].Title, before[i].Purged = "", true
	}
	if !reflect.DeepEqual(normalised(before), normalised(after)) {
		t.Errorf("after the purge\n got %+v\nwant %+v", after, before)
	}
	// A purge run again keeps one digest per booking.
	mustPurge(t, s, shortInterviews, time.Time{}, 2)
	if again, _ := s.UsageHistory(from, to); len(again) != 3 {
		t.Errorf("%d meetings after a second purge", len(again))
	}
}

func compareStr(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// normalised drops the location of times (JSON reads them back in UTC).
func normalised(ms []usage.Meeting) []usage.Meeting {
	out := slices.Clone(ms)
	for i := range out {
		m := &out[i]
		for _, p := range []*time.Time{&m.Start, &m.End, &m.Used, &m.HoldFrom, &m.HoldTo} {
			if !p.IsZero() {
				*p = p.UTC()
			}
		}
	}
	return out
}

// The broker releases a meeting's licence when it ends; the report still
// counts the hold, up to the real end, and none for a no-show.
func TestUsageCountsReleasedHoldsOfMeetingsThatTookPlace(t *testing.T) {
	clock := t0
	s := MustOpen(t, Options{Now: func() time.Time { return clock }})
	inner := firstFree("goto", pool(2))
	s.SetAllocator(func(b rooms.Booking, prev *Allocation, busy BusyFunc) (*Allocation, error) {
		if prev != nil && (b.Status == rooms.StatusEnded || !b.Status.Blocks()) {
			a := prev.Clone()
			a.State = AllocReleased
			return &a, nil
		}
		return inner(b, prev, busy)
	})
	start := t0.Add(time.Hour)
	ended := mustCreate(t, s, hybrid("a", start, 2*time.Hour))
	noShow := hybrid("b", start, time.Hour)
	noShow.CheckinRequired = true
	noShow = mustCreate(t, s, noShow)
	clock = start.Add(time.Hour)
	if _, err := s.Transition(ended.ID, actionEnd, "panel", func(b *rooms.Booking) (bool, error) {
		b.Status, b.End = rooms.StatusEnded, clock
		return true, nil
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Transition(noShow.ID, "release", "timeline", func(b *rooms.Booking) (bool, error) {
		b.Status = rooms.StatusReleased
		return true, nil
	}); err != nil {
		t.Fatal(err)
	}
	if a := mustAlloc(t, s, ended.ID); a.State != AllocReleased {
		t.Fatalf("allocation %s", a.State)
	}
	ms, err := s.UsageHistory(t0, t0.Add(day))
	if err != nil {
		t.Fatal(err)
	}
	byRoom := map[string]usage.Meeting{}
	for _, m := range ms {
		byRoom[m.Room] = m
	}
	if m := byRoom["a"]; m.Provider != "goto" || !m.HoldFrom.Equal(start) || !m.HoldTo.Equal(clock) || !m.Used.Equal(clock) {
		t.Errorf("ended meeting %+v: want the licence held from the start to the early end", m)
	}
	if m := byRoom["b"]; m.Provider != "goto" || !m.HoldFrom.IsZero() || !m.HoldTo.IsZero() {
		t.Errorf("no-show %+v: want where it would have run, and no hold", m)
	}
}
