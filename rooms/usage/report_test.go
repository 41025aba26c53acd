package usage

import (
	"math"
	"testing"
	"time"

	"github.com/kogge-project/kogge/rooms"
)

var berlin = mustZone("Europe/Berlin")

func mustZone(name string) *time.Location {
	z, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return z
}

func at(y int, m time.Month, d, hh, mm int) time.Time {
	return time.Date(y, m, d, hh, mm, 0, 0, berlin)
}

func officeRoom() rooms.Room {
	r := rooms.Room{ID: "zimmer", Name: "Sitzungszimmer", Zone: berlin}
	for wd := time.Monday; wd <= time.Friday; wd++ {
		r.Hours.Days[wd] = true
	}
	r.Hours.From, r.Hours.Until = 8*time.Hour, 18*time.Hour
	return r
}

func meeting(room string, kind rooms.Kind, start, end time.Time) Meeting {
	return Meeting{Room: room, Kind: kind, Status: rooms.StatusEnded, Start: start, End: end, Used: end}
}

func near(t *testing.T, what string, got, want float64) {
	t.Helper()
	if math.Abs(got-want) > 1e-9 {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}

// A room bookable Monday to Friday 08:00–18:00, one week with a closure
// on Wednesday: 4 days × 10 h = 40 bookable hours. 10 h booked, of which
// 2 h on the closed day do not count: 8 h of 40 = 20 %.
func TestUtilisationOfAWeekWithAClosureDay(t *testing.T) {
	room := officeRoom()
	in := Input{
		From: rooms.Date{Year: 2027, Month: 3, Day: 8}, To: rooms.Date{Year: 2027, Month: 3, Day: 14}, Zone: berlin,
		Rooms:    []rooms.Room{room},
		Closures: []rooms.Closure{{From: rooms.Date{Year: 2027, Month: 3, Day: 10}, To: rooms.Date{Year: 2027, Month: 3, Day: 10}, Reason: "Betriebsausflug"}},
		Meetings: []Meeting{
			meeting(room.ID, rooms.KindCouncil, at(2027, 3, 8, 9, 0), at(2027, 3, 8, 13, 0)),
			meeting(room.ID, rooms.KindMeeting, at(2027, 3, 9, 14, 0), at(2027, 3, 9, 16, 0)),
			meeting(room.ID, rooms.KindInterview, at(2027, 3, 10, 10, 0), at(2027, 3, 10, 12, 0)), // closed day
			meeting(room.ID, rooms.KindCommittee, at(2027, 3, 12, 16, 0), at(2027, 3, 12, 18, 0)),
			{Room: room.ID, Kind: rooms.KindMeeting, Status: rooms.StatusCancelled, Start: at(2027, 3, 11, 8, 0), End: at(2027, 3, 11, 18, 0)},
			meeting("other-room", rooms.KindMeeting, at(2027, 3, 11, 8, 0), at(2027, 3, 11, 18, 0)),
		},
	}
	rep := Compute(in)
	if len(rep.Rooms) != 1 || len(rep.Weeks) != 1 {
		t.Fatalf("rooms %d, weeks %d", len(rep.Rooms), len(rep.Weeks))
	}
	f := rep.Rooms[0].Figures
	near(t, "bookable", f.BookableHours, 40)
	near(t, "booked", f.BookedHours, 8)
	near(t, "utilisation", *f.Utilisation, 20)
	near(t, "council", f.ByKind[rooms.KindCouncil], 4)
	near(t, "interview", f.ByKind[rooms.KindInterview], 0)
	near(t, "committee", f.ByKind[rooms.KindCommittee], 2)
	w := rep.Weeks[0]
	if w.Week != "2027-03-08" || w.Days != 7 || *w.Utilisation != 20 {
		t.Errorf("week %+v", w)
	}
	if f.Bookings != 4 {
		t.Errorf("bookings = %d, want 4 (cancelled and other rooms left out)", f.Bookings)
	}
	near(t, "heat Mon 10h", *rep.Heat.Percent[0][10], 100)
	near(t, "heat Tue 10h", *rep.Heat.Percent[1][10], 0)
	// Wednesday was closed, Saturday and 07:00 are never bookable.
	if rep.Heat.Percent[2][10] != nil || rep.Heat.Percent[5][10] != nil || rep.Heat.Percent[0][7] != nil {
		t.Error("hours that are never bookable have a heat figure")
	}
}

// A room open around the clock counts real hours: the week of the spring
// DST change has 167, the week of the autumn change 169.
func TestDSTWeeksCountRealHours(t *testing.T) {
	room := rooms.Room{ID: "saal", Name: "Ratssaal", Zone: berlin, Hours: rooms.AlwaysOpen()}
	for _, c := range []struct {
		monday rooms.Date
		want   float64
	}{
		{rooms.Date{Year: 2027, Month: 3, Day: 22}, 167},
		{rooms.Date{Year: 2027, Month: 10, Day: 25}, 169},
		{rooms.Date{Year: 2027, Month: 6, Day: 7}, 168},
	} {
		sunday := rooms.Date{Year: c.monday.Year, Month: c.monday.Month, Day: c.monday.Day + 6}
		// Booked from Saturday noon to Monday 00:00 local: 36 real
		// hours in a normal week, 35 or 37 across a change.
		sat := time.Date(c.monday.Year, c.monday.Month, c.monday.Day+5, 12, 0, 0, 0, berlin)
		mon := time.Date(c.monday.Year, c.monday.Month, c.monday.Day+7, 0, 0, 0, 0, berlin)
		rep := Compute(Input{From: c.monday, To: sunday, Zone: berlin, Rooms: []rooms.Room{room},
			Meetings: []Meeting{meeting(room.ID, rooms.KindMeeting, sat, mon)}})
		f := rep.Rooms[0].Figures
		near(t, c.monday.String()+" bookable", f.BookableHours, c.want)
		near(t, c.monday.String()+" booked", f.BookedHours, c.want-132)
	}
}

// 100 licences held at once, and the next hold starting the instant one
// of them ends: the peak is 100, never 101.
func TestLicencePeakNeverCountsATouchingHoldTwice(t *testing.T) {
	start, end := at(2027, 3, 12, 10, 0), at(2027, 3, 12, 11, 0)
	var ms []Meeting
	for i := range 100 {
		m := meeting("saal", rooms.KindMeeting, start, end)
		m.Provider, m.Licence, m.HoldFrom, m.HoldTo = "gotomeeting", string(rune('a'+i%26))+string(rune('a'+i/26)), start, end
		ms = append(ms, m)
	}
	next := meeting("saal", rooms.KindMeeting, end, end.Add(time.Hour))
	next.Provider, next.Licence, next.HoldFrom, next.HoldTo = "gotomeeting", "aa", end, end.Add(time.Hour)
	ms = append(ms, next)
	rep := Compute(Input{From: rooms.Date{Year: 2027, Month: 3, Day: 11}, To: rooms.Date{Year: 2027, Month: 3, Day: 13}, Zone: berlin,
		Providers: []Provider{{Name: "builtin"}, {Name: "gotomeeting", Pool: 100, YearlyCost: 12000}},
		Meetings:  ms})
	if len(rep.Licences) != 1 {
		t.Fatalf("licences = %+v, want only the pool", rep.Licences)
	}
	u := rep.Licences[0]
	if u.Peak != 100 || !u.PeakFrom.Equal(start) || !u.PeakTo.Equal(end) {
		t.Errorf("peak %d %v–%v, want 100 10:00–11:00", u.Peak, u.PeakFrom, u.PeakTo)
	}
	want := []DayPeak{{"2027-03-11", 0}, {"2027-03-12", 100}, {"2027-03-13", 0}}
	for i, d := range u.Days {
		if d != want[i] {
			t.Errorf("day %d = %+v, want %+v", i, d, want[i])
		}
	}
	near(t, "licence hours", u.LicenceHours, 101)
	near(t, "period cost", *u.PeriodCost, 12000*3.0/365)
	near(t, "cost per hour", *u.CostPerHour, 12000*3.0/365/101)
}

// A no-show and an early end are counted once each, even when the
// booking spans two days and the week.
func TestNoShowsAndEarlyEndsCountedOnce(t *testing.T) {
	room := rooms.Room{ID: "saal", Name: "Ratssaal", Zone: berlin, Hours: rooms.AlwaysOpen()}
	released := Meeting{Room: room.ID, Kind: rooms.KindMeeting, Status: rooms.StatusReleased,
		Start: at(2027, 3, 8, 22, 0), End: at(2027, 3, 9, 2, 0), CheckinRequired: true}
	early := meeting(room.ID, rooms.KindMeeting, at(2027, 3, 10, 9, 0), at(2027, 3, 10, 12, 0))
	early.CheckinRequired, early.CheckedIn = true, true
	early.EarlyEnd(at(2027, 3, 10, 12, 0)) // no change: ended on time
	early.Used = at(2027, 3, 10, 10, 30)
	rep := Compute(Input{From: rooms.Date{Year: 2027, Month: 3, Day: 8}, To: rooms.Date{Year: 2027, Month: 3, Day: 14}, Zone: berlin,
		Rooms: []rooms.Room{room}, Meetings: []Meeting{released, early}})
	for _, f := range []Figures{rep.Rooms[0].Figures, rep.Weeks[0].Figures} {
		if f.NoShows != 1 || f.EarlyEnds != 1 || f.CheckinRequired != 2 || f.CheckedIn != 1 || f.Bookings != 2 {
			t.Errorf("counts %+v", f)
		}
		near(t, "checkin rate", *f.CheckinRate, 50)
		near(t, "booked", f.BookedHours, 7)
		near(t, "used", f.UsedHours, 1.5)
	}
}

func TestEarlyEndKeepsTheScheduledEnd(t *testing.T) {
	m := meeting("saal", rooms.KindMeeting, at(2027, 3, 10, 9, 0), at(2027, 3, 10, 10, 0))
	m.EarlyEnd(at(2027, 3, 10, 12, 0))
	if !m.End.Equal(at(2027, 3, 10, 12, 0)) || !m.Used.Equal(at(2027, 3, 10, 10, 0)) {
		t.Errorf("end %v used %v", m.End, m.Used)
	}
}

func TestRemoteParticipationAndMoves(t *testing.T) {
	day := func(h int) time.Time { return at(2027, 3, 9, h, 0) }
	hybrid := func(h int, provider string, remote int) Meeting {
		m := meeting("saal", rooms.KindMeeting, day(h), day(h+1))
		m.Hybrid, m.Provider, m.ExpectedRemote, m.Title = true, provider, remote, "Sitzung"
		return m
	}
	onSFU := hybrid(8, "builtin", 60)
	var j Joins
	j.Join()
	j.Join()
	j.Leave()
	j.Join()
	j.Join()
	j.End()
	j.Leave()
	j.Apply(&onSFU)
	big := hybrid(10, "builtin", 80)
	secret := hybrid(12, "pexip", 3)
	secret.Confidential, secret.Title = true, ""
	failed := hybrid(14, "gotomeeting", 3)
	failed.FailedOver = true
	full := hybrid(16, "pexip", 3) // GoTo had no licence left
	plain := meeting("saal", rooms.KindMeeting, day(18), day(19))
	rep := Compute(Input{From: rooms.Date{Year: 2027, Month: 3, Day: 9}, To: rooms.Date{Year: 2027, Month: 3, Day: 9}, Zone: berlin,
		Rooms:     []rooms.Room{{ID: "saal", Name: "Ratssaal", Zone: berlin, Hours: rooms.AlwaysOpen()}},
		Providers: []Provider{{Name: "gotomeeting", MaxParticipants: 50}, {Name: "builtin", ConfidentialOK: true}, {Name: "pexip", ConfidentialOK: true}},
		Meetings:  []Meeting{onSFU, big, secret, failed, full, plain}})
	r := rep.Remote
	if r.Bookings != 6 || r.Hybrid != 5 || math.Abs(*r.HybridShare-500.0/6) > 1e-9 {
		t.Errorf("bookings %d hybrid %d share %v", r.Bookings, r.Hybrid, *r.HybridShare)
	}
	if r.Moves[MoveCapacity] != 2 || r.Moves[MoveConfidential] != 1 || r.Moves[MoveFailover] != 1 || r.Moves[MoveLicences] != 1 {
		t.Errorf("moves %v", r.Moves)
	}
	if r.ByProvider["gotomeeting"] != 1 || r.UnknownPeaks != 4 {
		t.Errorf("by provider %v, unknown %d", r.ByProvider, r.UnknownPeaks)
	}
	if p := r.Meetings[0].PeakRemote; p == nil || *p != 3 {
		t.Errorf("peak of the SFU meeting = %v, want 3", p)
	}
	if r.Meetings[1].PeakRemote != nil {
		t.Error("an external meeting has a participant peak")
	}
}
