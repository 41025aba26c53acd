package store

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/kogge-project/kogge/rooms"
)

func TestPending(t *testing.T) {
	s := MustOpen(t)
	since := t0.Add(48 * time.Hour)
	mk := func(start time.Time, d time.Duration, st rooms.Status, teardown time.Duration) rooms.Booking {
		b := withBuffers(at("a", start, d), 0, teardown)
		b.Status = st
		return b
	}
	type row struct {
		name    string
		b       rooms.Booking
		pending bool
	}
	rows := []row{
		{"over long ago", mk(t0, time.Hour, rooms.StatusConfirmed, 0), false},
		{"ends exactly at since", mk(since.Add(-time.Hour), time.Hour, rooms.StatusConfirmed, 0), false},
		{"teardown runs past since", mk(since.Add(-2*time.Hour), time.Hour+30*time.Minute, rooms.StatusCheckedIn, time.Hour), true},
		{"running", mk(since.Add(-30*time.Minute), time.Hour, rooms.StatusCheckedIn, 0), true},
		// Started two days before since and still running: only a scan
		// that starts at since - max_span finds it.
		{"long, started well before", withRoom(mk(since.Add(-47*time.Hour), 48*time.Hour, rooms.StatusConfirmed, 0), "b"), true},
		{"future confirmed", mk(since.Add(time.Hour), time.Hour, rooms.StatusConfirmed, 0), true},
		{"future tentative", mk(since.Add(3*time.Hour), time.Hour, rooms.StatusTentative, 0), true},
		{"future cancelled", mk(since.Add(5*time.Hour), time.Hour, rooms.StatusCancelled, 0), false},
		{"future released", mk(since.Add(5*time.Hour), time.Hour, rooms.StatusReleased, 0), false},
		{"ended early", mk(since.Add(-10*time.Minute), time.Hour, rooms.StatusEnded, 0), false},
		{"far future", mk(since.Add(5*365*24*time.Hour), time.Hour, rooms.StatusConfirmed, 0), true},
	}
	bs := make([]rooms.Booking, len(rows))
	for i, r := range rows {
		bs[i] = r.b
	}
	bulkInsert(t, s, bs) // no conflict checks: several statuses share slots
	var want []string
	for i, r := range rows {
		if r.pending {
			want = append(want, bs[i].ID)
		}
	}
	got, err := s.Pending(since)
	if err != nil {
		t.Fatal(err)
	}
	// By occupied start: the index order.
	slices.SortFunc(bs, func(a, b rooms.Booking) int { return a.OccupiedFrom().Compare(b.OccupiedFrom()) })
	var wantOrdered []string
	for _, b := range bs {
		if slices.Contains(want, b.ID) {
			wantOrdered = append(wantOrdered, b.ID)
		}
	}
	if !slices.Equal(ids(got), wantOrdered) {
		names := map[string]string{}
		for i, r := range rows {
			names[bs[i].ID] = r.name
		}
		for _, b := range got {
			t.Logf("got %s (%s)", b.ID, names[b.ID])
		}
		t.Fatalf("Pending: %v, want %v", ids(got), wantOrdered)
	}
}

func withRoom(b rooms.Booking, room string) rooms.Booking {
	b.Room = room
	return b
}

// checkIn is a decide function as the timeline would write it.
func checkIn(at time.Time) func(*rooms.Booking) (bool, error) {
	return func(b *rooms.Booking) (bool, error) {
		switch b.Status {
		case rooms.StatusCheckedIn:
			return false, nil // already: a repeated tap on the panel
		case rooms.StatusConfirmed, rooms.StatusTentative:
			b.Status, b.CheckedIn = rooms.StatusCheckedIn, at
			return true, nil
		}
		return false, errors.New("cannot check in a " + string(b.Status) + " booking")
	}
}

func TestTransition(t *testing.T) {
	s := MustOpen(t)
	b := mustCreate(t, s, at("a", t0, time.Hour))

	// Unchanged: nothing written, even if decide scribbled on its copy.
	same, err := s.Transition(b.ID, "noop", "timeline", func(x *rooms.Booking) (bool, error) {
		x.Title = "scribbled"
		return false, nil
	})
	if err != nil || same != b {
		t.Fatalf("unchanged transition: %+v, %v", same, err)
	}
	errBoom := errors.New("boom")
	if _, err := s.Transition(b.ID, "x", "timeline", func(*rooms.Booking) (bool, error) { return true, errBoom }); err != errBoom {
		t.Fatalf("decide error: %v, want it as is", err)
	}
	if log, _ := s.Audit(b.ID); len(log) != 1 {
		t.Fatalf("no-op transitions audited: %+v", log)
	}

	in, err := s.Transition(b.ID, "checkin", "panel:a", checkIn(t0.Add(-5*time.Minute)))
	if err != nil {
		t.Fatal(err)
	}
	if in.Status != rooms.StatusCheckedIn || in.Version != 2 || !in.CheckedIn.Equal(t0.Add(-5*time.Minute)) {
		t.Errorf("checked in: %+v", in)
	}
	again, err := s.Transition(b.ID, "checkin", "panel:a", checkIn(t0))
	if err != nil || again != in {
		t.Errorf("second check-in: %+v, %v", again, err)
	}
	log, _ := s.Audit(b.ID)
	if len(log) != 2 || log[1].Action != "checkin" || log[1].Actor != "panel:a" || log[1].Changes["status"].After != string(rooms.StatusCheckedIn) {
		t.Errorf("audit %+v", log)
	}

	// Extending into the next booking is refused and writes nothing.
	next := mustCreate(t, s, at("a", t0.Add(90*time.Minute), time.Hour))
	_, err = s.Transition(b.ID, "extend", "anna", func(x *rooms.Booking) (bool, error) {
		x.End = x.End.Add(time.Hour)
		return true, nil
	})
	if c := conflictIDs(t, err); !slices.Equal(c, []string{next.ID}) {
		t.Errorf("conflicts %v", c)
	}
	ended, err := s.Transition(b.ID, "end", "anna", func(x *rooms.Booking) (bool, error) {
		x.Status, x.End = rooms.StatusEnded, t0.Add(40*time.Minute)
		return true, nil
	})
	if err != nil || ended.Version != 3 || ended.Status != rooms.StatusEnded {
		t.Fatalf("end: %+v, %v", ended, err)
	}
	// An ended booking keeps the time it used; the rest is free.
	mustCreate(t, s, at("a", t0.Add(40*time.Minute), 50*time.Minute))

	if _, err := s.Transition("01KQ0000000000000000000000", "x", "y", checkIn(t0)); !errors.Is(err, rooms.ErrNotFound) {
		t.Errorf("unknown booking: %v", err)
	}
}

// A released booking frees its room: its slot can be booked again, and
// overlap queries no longer show it.
func TestReleasedFreesTheRoom(t *testing.T) {
	s := MustOpen(t)
	b := withBuffers(at("a", t0, time.Hour), 15*time.Minute, 15*time.Minute)
	b.CheckinRequired = true
	b = mustCreate(t, s, b)
	if _, err := s.Create(at("a", t0, time.Hour), "bob"); err == nil {
		t.Fatal("the slot was free before the release")
	}
	rel, err := s.Transition(b.ID, "release", "timeline", func(x *rooms.Booking) (bool, error) {
		if x.Status != rooms.StatusConfirmed || !x.CheckedIn.IsZero() {
			return false, nil
		}
		x.Status = rooms.StatusReleased
		return true, nil
	})
	if err != nil || rel.Status != rooms.StatusReleased {
		t.Fatalf("release: %+v, %v", rel, err)
	}
	if o, _ := s.Overlapping("a", t0, t0.Add(time.Hour)); len(o) != 0 {
		t.Errorf("Overlapping still shows %v", ids(o))
	}
	mustCreate(t, s, withBuffers(at("a", t0, time.Hour), 15*time.Minute, 15*time.Minute))
	// Reviving it now collides with the new booking.
	_, err = s.Update(rel.ID, rel.Version, "admin", func(x *rooms.Booking) error {
		x.Status = rooms.StatusConfirmed
		return nil
	})
	conflictIDs(t, err)
}

// Status counters follow every transition, the new statuses included.
func TestCountersFollowTransitions(t *testing.T) {
	s := MustOpen(t)
	a := mustCreate(t, s, at("a", t0, time.Hour))
	b := mustCreate(t, s, at("a", t0.Add(2*time.Hour), time.Hour))
	c := mustCreate(t, s, withStatus(at("a", t0.Add(4*time.Hour), time.Hour), rooms.StatusTentative))
	set := func(id string, st rooms.Status) {
		t.Helper()
		if _, err := s.Transition(id, "set", "t", func(x *rooms.Booking) (bool, error) {
			x.Status = st
			return true, nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	steps := []struct {
		id   string
		to   rooms.Status
		want map[rooms.Status]int
	}{
		{a.ID, rooms.StatusCheckedIn, map[rooms.Status]int{rooms.StatusConfirmed: 1, rooms.StatusTentative: 1, rooms.StatusCheckedIn: 1}},
		{a.ID, rooms.StatusEnded, map[rooms.Status]int{rooms.StatusConfirmed: 1, rooms.StatusTentative: 1, rooms.StatusEnded: 1}},
		{b.ID, rooms.StatusReleased, map[rooms.Status]int{rooms.StatusTentative: 1, rooms.StatusEnded: 1, rooms.StatusReleased: 1}},
		{c.ID, rooms.StatusCancelled, map[rooms.Status]int{rooms.StatusEnded: 1, rooms.StatusReleased: 1, rooms.StatusCancelled: 1}},
	}
	for _, st := range steps {
		set(st.id, st.to)
		got, err := s.CountByStatus()
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(rooms.Statuses) {
			t.Errorf("CountByStatus has %d statuses, want every one of %v", len(got), rooms.Statuses)
		}
		for _, status := range rooms.Statuses {
			if got[status] != st.want[status] {
				t.Errorf("after %s: %s = %d, want %d (all %v)", st.to, status, got[status], st.want[status], got)
			}
		}
	}
}

// EachPendingTimed lists what Pending lists, with the fields the timeline
// reads equal and the texts and Created/Updated left out.
func TestEachPendingTimed(t *testing.T) {
	s := MustOpen(t)
	for i := range 20 {
		b := withBuffers(at(fmt.Sprintf("saal-%d", i%3), t0.Add(time.Duration(i)*time.Hour), 45*time.Minute), 10*time.Minute, 5*time.Minute)
		b.Title, b.Notes, b.Contact, b.External = "Ausschuss", "Beamer", "anna@stadt.example", fmt.Sprintf("oparl:%d", i)
		b.CheckinRequired = i%2 == 0
		b.Hybrid = rooms.Hybrid{Enabled: true, ExpectedRemote: i}
		if i%4 == 0 {
			b.Status = rooms.StatusTentative
		}
		mustCreate(t, s, b)
	}
	full, err := s.Pending(t0)
	if err != nil {
		t.Fatal(err)
	}
	var timed []rooms.Booking
	if err := s.EachPendingTimed(t0, nil, func(b *rooms.Booking) { timed = append(timed, *b) }); err != nil {
		t.Fatal(err)
	}
	if len(full) != 20 || len(timed) != len(full) {
		t.Fatalf("Pending %d, EachPendingTimed %d bookings", len(full), len(timed))
	}
	slices.SortFunc(timed, func(a, b rooms.Booking) int { return a.Start.Compare(b.Start) })
	for i, f := range full {
		want := rooms.Booking{ID: f.ID, Room: f.Room, Status: f.Status, Start: f.Start, End: f.End, Setup: f.Setup,
			Teardown: f.Teardown, CheckinRequired: f.CheckinRequired, Version: f.Version, Hybrid: f.Hybrid}
		if timed[i] != want {
			t.Errorf("booking %d:\n got %+v\nwant %+v", i, timed[i], want)
		}
	}
}

// sortIDs orders ids as their bytes compare, with a shared prefix (ids
// made close in time), duplicates and the extremes among them.
func TestSortIDs(t *testing.T) {
	for _, n := range []int{0, 1, 2, 3, 1000} {
		ids := make([]pendingID, n)
		for i := range ids {
			ids[i] = pendingID{0x0190_0000_0000_0000 | rand.Uint64()>>24, rand.Uint64()}
		}
		if n > 2 {
			ids[1] = ids[0]
			ids[2] = pendingID{^uint64(0), ^uint64(0)}
		}
		want := slices.Clone(ids)
		slices.SortFunc(want, func(a, b pendingID) int {
			x, y := a.ulid(), b.ulid()
			return bytes.Compare(x[:], y[:])
		})
		sortIDs(ids)
		if !slices.Equal(ids, want) {
			t.Errorf("%d ids: sorted wrongly", n)
		}
	}
}
