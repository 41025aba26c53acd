package oparl

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kogge-project/kogge/rooms"
)

type syncFixture struct {
	*fixture
	st      *memStore
	m       Mapping
	agendas map[string][]AgendaItem
	opts    []Option
}

func newSyncFixture(t *testing.T, mutate func(*EmulatorData)) *syncFixture {
	f := newFixture(t, mutate)
	sf := &syncFixture{fixture: f, st: newMemStore(), m: DemoMapping(f.srv.URL), agendas: map[string][]AgendaItem{}}
	sf.opts = []Option{WithClock(f.clock.Now), WithAgenda(func(id string, items []AgendaItem) { sf.agendas[id] = items })}
	return sf
}

func (f *syncFixture) sync(t *testing.T, since time.Time, extra ...Option) Report {
	t.Helper()
	rep, err := Sync(t.Context(), f.client, f.m, f.st, since, append(append([]Option{}, f.opts...), extra...)...)
	if err != nil {
		t.Fatalf("sync: %v (report %+v)", err, rep)
	}
	return rep
}

// put changes a demo meeting at the emulator, one minute later by the clock.
func (f *syncFixture) put(t *testing.T, key string, change func(*EmulatorMeeting)) {
	t.Helper()
	m, ok := f.em.Meeting(key)
	if !ok {
		t.Fatalf("no meeting %s", key)
	}
	change(&m)
	f.clock.Advance(time.Minute)
	m.Modified = time.Time{}
	f.em.Put(m)
}

type counts struct{ fetched, created, updated, cancelled, unchanged, unmapped, skipped, problems int }

func countsOf(r Report) counts {
	return counts{r.Fetched, r.Created, r.Updated, r.Cancelled, r.Unchanged, r.Unmapped, r.Skipped, len(r.Problems)}
}

func wantCounts(t *testing.T, r Report, want counts) {
	t.Helper()
	if got := countsOf(r); got != want {
		t.Fatalf("counts %+v, want %+v; problems %q", got, want, r.Problems)
	}
}

// The full demo import: three bookings (council, committee, whole-day
// retreat); cancelled-before-import, tombstone and caucus skipped; the
// Stadthalle and the meeting without a place unmapped.
var fullDemo = counts{fetched: 9, created: 4, unmapped: 2, skipped: 3}

func TestFullSync(t *testing.T) {
	f := newSyncFixture(t, nil)
	zone := f.client.Zone()
	rep := f.sync(t, time.Time{})
	wantCounts(t, rep, fullDemo)
	if rep.Pages != 3 || rep.Body == "" || !rep.Finished.Equal(testNow) {
		t.Errorf("report: %+v", rep)
	}
	if rep.UnmappedLocations["Stadthalle, Großer Saal"] != 1 || rep.UnmappedLocations["(no location)"] != 1 {
		t.Errorf("unmapped locations: %v", rep.UnmappedLocations)
	}
	council := f.st.get(ExternalRef(f.id(DemoCouncil)))
	if council.Room != "ratssaal" || council.Kind != rooms.KindCouncil || council.Committee != "Rat der Stadt" ||
		council.Status != rooms.StatusConfirmed || council.Organizer != DefaultOrganizer || council.CreatedBy != DefaultActor {
		t.Errorf("council booking: %+v", council)
	}
	if lt := council.Start.In(zone); lt.Hour() != 17 || council.End.Sub(council.Start) != 210*time.Minute {
		t.Errorf("council times: %v – %v", council.Start, council.End)
	}
	// Times without an offset are Berlin wall-clock times; embedded
	// organization objects give the committee's name and kind.
	building := f.st.get(ExternalRef(f.id(DemoBuilding)))
	if building.Room != "sitzungszimmer-2" || building.Start.In(zone).Hour() != 16 || building.Kind != rooms.KindCommittee ||
		building.Committee != "Bauausschuss" {
		t.Errorf("building committee booking: %+v", building)
	}
	// A date-only meeting takes the whole local day.
	retreat := f.st.get(ExternalRef(f.id(DemoRetreat)))
	if lt := retreat.Start.In(zone); lt.Hour() != 0 || lt.Minute() != 0 || retreat.End.Sub(retreat.Start) != 24*time.Hour {
		t.Errorf("retreat: %v – %v", retreat.Start.In(zone), retreat.End.In(zone))
	}
	if items := f.agendas[f.id(DemoCouncil)]; len(items) != 3 || items[1].Name != "Haushaltssatzung 2027" {
		t.Errorf("agenda: %+v", items)
	}
	last, _ := f.em.Meeting(DemoNoEnd)
	if !rep.NextSince.Equal(last.Modified) {
		t.Errorf("NextSince %v, want the latest modification %v", rep.NextSince, last.Modified)
	}
}

func TestIdempotent(t *testing.T) {
	for _, tc := range []struct {
		name  string
		delta bool
	}{{"full twice", false}, {"full then delta", true}} {
		t.Run(tc.name, func(t *testing.T) {
			f := newSyncFixture(t, nil)
			first := f.sync(t, time.Time{})
			writes, n := f.st.count()
			since := time.Time{}
			if tc.delta {
				since = first.NextSince
			}
			second := f.sync(t, since)
			if second.Created+second.Updated+second.Cancelled != 0 || len(second.Problems) != 0 {
				t.Fatalf("second sync changed something: %+v", second)
			}
			if w, m := f.st.count(); w != writes || m != n {
				t.Fatalf("store writes %d → %d, bookings %d → %d", writes, w, n, m)
			}
			if tc.delta && second.Fetched != 1 { // the boundary meeting, modified_since being inclusive
				t.Errorf("delta fetched %d meetings", second.Fetched)
			}
			if !second.NextSince.Equal(first.NextSince) {
				t.Errorf("NextSince moved: %v → %v", first.NextSince, second.NextSince)
			}
		})
	}
}

func TestDeltaChanges(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(t *testing.T, f *syncFixture)
		want   counts
		check  func(t *testing.T, f *syncFixture)
	}{
		{"tombstone cancels", func(t *testing.T, f *syncFixture) {
			f.clock.Advance(time.Minute)
			f.em.Delete(DemoCouncil)
		}, counts{fetched: 2, cancelled: 1, unchanged: 1}, func(t *testing.T, f *syncFixture) {
			if b := f.st.get(ExternalRef(f.id(DemoCouncil))); b.Status != rooms.StatusCancelled {
				t.Errorf("status %s", b.Status)
			}
		}},
		{"cancelled meeting cancels", func(t *testing.T, f *syncFixture) {
			f.put(t, DemoBuilding, func(m *EmulatorMeeting) { m.Cancelled = true })
		}, counts{fetched: 2, cancelled: 1, unchanged: 1}, func(t *testing.T, f *syncFixture) {
			if b := f.st.get(ExternalRef(f.id(DemoBuilding))); b.Status != rooms.StatusCancelled {
				t.Errorf("status %s", b.Status)
			}
		}},
		{"moved meeting moves", func(t *testing.T, f *syncFixture) {
			f.put(t, DemoBuilding, func(m *EmulatorMeeting) {
				m.Start, m.End = shift(t, m.Start, 24*time.Hour), shift(t, m.End, 25*time.Hour)
			})
		}, counts{fetched: 2, updated: 1, unchanged: 1}, func(t *testing.T, f *syncFixture) {
			b := f.st.get(ExternalRef(f.id(DemoBuilding)))
			if b.Version != 2 || b.Start.In(f.client.Zone()).Hour() != 16 || b.End.Sub(b.Start) != 3*time.Hour {
				t.Errorf("moved booking: %+v", b)
			}
		}},
		{"renamed and re-roomed", func(t *testing.T, f *syncFixture) {
			f.put(t, DemoCouncil, func(m *EmulatorMeeting) {
				m.Name = "12. Sitzung des Rates (Sondersitzung)"
				m.LocationKey, m.Location = "", &EmulatorLocation{Key: "sz2", Room: "Sitzungszimmer 2"}
			})
		}, counts{fetched: 2, updated: 1, unchanged: 1}, func(t *testing.T, f *syncFixture) {
			b := f.st.get(ExternalRef(f.id(DemoCouncil)))
			if b.Room != "sitzungszimmer-2" || !strings.HasSuffix(b.Title, "(Sondersitzung)") || b.Kind != rooms.KindCouncil {
				t.Errorf("booking: %+v", b)
			}
		}},
		{"moved to an unmapped place frees the room", func(t *testing.T, f *syncFixture) {
			f.put(t, DemoBuilding, func(m *EmulatorMeeting) { m.Location = &EmulatorLocation{Description: "Feuerwache"} })
		}, counts{fetched: 2, cancelled: 1, unchanged: 1, unmapped: 1}, nil},
		{"losing the location keeps the booking", func(t *testing.T, f *syncFixture) {
			f.put(t, DemoBuilding, func(m *EmulatorMeeting) { m.Location = nil })
		}, counts{fetched: 2, unchanged: 1, unmapped: 1}, func(t *testing.T, f *syncFixture) {
			if b := f.st.get(ExternalRef(f.id(DemoBuilding))); b.Status != rooms.StatusConfirmed {
				t.Errorf("status %s", b.Status)
			}
		}},
		{"new meeting", func(t *testing.T, f *syncFixture) {
			f.put(t, DemoElsewhere, func(m *EmulatorMeeting) { m.Key = "m-neu"; m.LocationKey = "ratssaal" })
		}, counts{fetched: 2, created: 1, unchanged: 1}, nil},
		{"cancelled in Kogge is not revived", func(t *testing.T, f *syncFixture) {
			b := f.st.get(ExternalRef(f.id(DemoBuilding)))
			if _, err := f.st.Cancel(b.ID, b.Version, "anna"); err != nil {
				t.Fatal(err)
			}
			f.put(t, DemoBuilding, func(m *EmulatorMeeting) { m.Name = "Bauausschuss (verlegt)" })
		}, counts{fetched: 2, unchanged: 2, problems: 1}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newSyncFixture(t, nil)
			first := f.sync(t, time.Time{})
			tc.change(t, f)
			rep := f.sync(t, first.NextSince)
			wantCounts(t, rep, tc.want)
			if tc.check != nil {
				tc.check(t, f)
			}
			// And the delta after that changes nothing.
			again := f.sync(t, rep.NextSince)
			if again.Created+again.Updated+again.Cancelled != 0 {
				t.Errorf("third sync: %+v", again)
			}
		})
	}
}

func shift(t *testing.T, s string, d time.Duration) string {
	t.Helper()
	v, err := time.Parse("2006-01-02T15:04:05", s)
	if err != nil {
		t.Fatal(err)
	}
	return v.Add(d).Format("2006-01-02T15:04:05")
}

// A move into a booked slot is reported, leaves the booking alone, and is
// retried by the next delta, which succeeds once the slot is free.
func TestMoveIntoConflict(t *testing.T) {
	f := newSyncFixture(t, nil)
	first := f.sync(t, time.Time{})
	ref := ExternalRef(f.id(DemoBuilding))
	before := f.st.get(ref)
	blocker, err := f.st.Create("", rooms.Booking{Room: "sitzungszimmer-2", Title: "Personalgespräch", Kind: rooms.KindInterview,
		Start: before.Start.Add(24 * time.Hour), End: before.End.Add(24 * time.Hour), Status: rooms.StatusConfirmed}, "anna")
	if err != nil {
		t.Fatal(err)
	}
	f.put(t, DemoBuilding, func(m *EmulatorMeeting) {
		m.Start, m.End = shift(t, m.Start, 24*time.Hour), shift(t, m.End, 24*time.Hour)
	})
	moved, _ := f.em.Meeting(DemoBuilding)

	rep := f.sync(t, first.NextSince)
	wantCounts(t, rep, counts{fetched: 2, unchanged: 1, problems: 1})
	if p := rep.Problems[0]; !strings.Contains(p, "stays where it is") || !strings.Contains(p, blocker.ID) {
		t.Errorf("problem: %s", p)
	}
	if after := f.st.get(ref); after != before {
		t.Errorf("booking changed: %+v → %+v", before, after)
	}
	if !rep.NextSince.Equal(moved.Modified) || rep.Refused != 1 || len(rep.Outstanding) != 1 {
		t.Errorf("NextSince %v, want %v; refused %d", rep.NextSince, moved.Modified, rep.Refused)
	}

	// Nothing changed at the source, but the retry happens anyway, and
	// is not reported again…
	rep = f.sync(t, rep.NextSince, WithRefused(rep.Outstanding))
	wantCounts(t, rep, counts{fetched: 1})
	if rep.StillRefused != 1 {
		t.Errorf("still refused: %d", rep.StillRefused)
	}
	// …and succeeds once the secretary has freed the slot.
	if _, err := f.st.Cancel(blocker.ID, blocker.Version, "anna"); err != nil {
		t.Fatal(err)
	}
	rep = f.sync(t, rep.NextSince, WithRefused(rep.Outstanding))
	wantCounts(t, rep, counts{fetched: 1, updated: 1})
	if len(rep.Outstanding) != 0 {
		t.Errorf("outstanding after the move: %v", rep.Outstanding)
	}
	if b := f.st.get(ref); !b.Start.Equal(before.Start.Add(24 * time.Hour)) {
		t.Errorf("not moved: %+v", b)
	}
}

func TestCreateConflictAndValidation(t *testing.T) {
	f := newSyncFixture(t, nil)
	// The whole-day retreat is outside any room's hours: the daemon's
	// validation refuses it, and the import says so.
	validate := WithValidate(func(b *rooms.Booking) error {
		if b.End.Sub(b.Start) > 10*time.Hour {
			return errors.New("too long")
		}
		b.Setup = 15 * time.Minute // validation may complete the booking
		return nil
	})
	if _, err := f.st.Create("", rooms.Booking{Room: "ratssaal", Title: "Empfang", Status: rooms.StatusConfirmed,
		Start: testNow.Add(24 * time.Hour), End: testNow.Add(60 * 24 * time.Hour)}, "anna"); err != nil {
		t.Fatal(err)
	}
	rep := f.sync(t, time.Time{}, validate)
	wantCounts(t, rep, counts{fetched: 9, created: 2, unmapped: 2, skipped: 3, problems: 2})
	joined := strings.Join(rep.Problems, "\n")
	if !strings.Contains(joined, "too long") || !strings.Contains(joined, "already booked") {
		t.Errorf("problems: %q", rep.Problems)
	}
	if b := f.st.get(ExternalRef(f.id(DemoBuilding))); b.Setup != 15*time.Minute {
		t.Errorf("validation hook's defaults lost: %+v", b)
	}
	// The refused meetings do not hold the cursor back: they are
	// remembered instead.
	last, _ := f.em.Meeting(DemoNoEnd)
	if !rep.NextSince.Equal(last.Modified) || len(rep.Outstanding) != 2 {
		t.Errorf("NextSince %v, want %v (the latest modification); outstanding %d", rep.NextSince, last.Modified, len(rep.Outstanding))
	}
}

func TestPaginationDoesNotMatter(t *testing.T) {
	for _, size := range []int{1, 2, 3, 7, 100} {
		f := newSyncFixture(t, func(d *EmulatorData) { d.PageSize = size })
		rep := f.sync(t, time.Time{})
		wantCounts(t, rep, fullDemo)
		if want := (9 + size - 1) / size; rep.Pages != want {
			t.Errorf("page size %d: %d pages, want %d", size, rep.Pages, want)
		}
	}
}

// A server failing mid-walk changes nothing: Sync reads everything before
// it writes.
func TestServerFailureAppliesNothing(t *testing.T) {
	for _, tc := range []struct {
		name   string
		status int
		body   string
		want   string
	}{
		{"HTTP 500", 500, `{"type":"Error"}`, "HTTP 500"},
		{"malformed JSON", 200, `{"data":[`, "malformed JSON"},
		{"HTML error page", 200, `<html>Wartungsarbeiten</html>`, "malformed JSON"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newSyncFixture(t, nil)
			f.em.Fail(func(r *http.Request) (int, string) {
				if r.URL.Query().Get("page") == "3" {
					return tc.status, tc.body
				}
				return 0, ""
			})
			since := testNow.Add(-48 * time.Hour)
			rep, err := Sync(t.Context(), f.client, f.m, f.st, since, f.opts...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
			if w, _ := f.st.count(); w != 0 || rep.Created+rep.Updated+rep.Cancelled != 0 {
				t.Fatalf("%d writes after a failed fetch; report %+v", w, rep)
			}
			if !rep.NextSince.Equal(since) || rep.Finished.IsZero() {
				t.Errorf("report: %+v", rep)
			}
			// The server recovers: the same since imports everything.
			f.em.Fail(nil)
			wantCounts(t, f.sync(t, rep.NextSince), fullDemo)
		})
	}
}

func TestSyncErrors(t *testing.T) {
	f := newSyncFixture(t, nil)
	for _, tc := range []struct {
		name string
		ctx  func() context.Context
		m    Mapping
		want string
	}{
		{"bad mapping", t.Context, Mapping{Body: DemoAGS, Locations: []LocationRule{{Room: "ratssaal"}}}, "match is empty"},
		{"unknown body", t.Context, Mapping{Body: "01001000", Locations: f.m.Locations}, "no body"},
		{"cancelled context", func() context.Context {
			ctx, cancel := context.WithCancel(t.Context())
			cancel()
			return ctx
		}, f.m, "context canceled"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Sync(tc.ctx(), f.client, tc.m, f.st, time.Time{}, f.opts...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
	if w, _ := f.st.count(); w != 0 {
		t.Errorf("%d writes", w)
	}
}

func TestStoreTrouble(t *testing.T) {
	t.Run("concurrent edit is retried once", func(t *testing.T) {
		f := newSyncFixture(t, nil)
		first := f.sync(t, time.Time{})
		ref := ExternalRef(f.id(DemoBuilding))
		edited := false
		f.st.beforeUpdate = func(id string) {
			if edited {
				return
			}
			edited = true
			b := f.st.get(ref)
			if _, err := f.st.Update(b.ID, b.Version, "anna", func(b *rooms.Booking) error { b.Notes = "Beamer!"; return nil }); err != nil {
				t.Error(err)
			}
		}
		f.put(t, DemoBuilding, func(m *EmulatorMeeting) { m.Name = "Bauausschuss (Sondersitzung)" })
		rep := f.sync(t, first.NextSince)
		wantCounts(t, rep, counts{fetched: 2, updated: 1, unchanged: 1})
		if b := f.st.get(ref); b.Notes != "Beamer!" || b.Version != 3 {
			t.Errorf("booking: %+v", b)
		}
	})
	t.Run("lookup failure is a problem", func(t *testing.T) {
		f := newSyncFixture(t, nil)
		st := failingStore{f.st}
		rep, err := Sync(t.Context(), f.client, f.m, st, time.Time{}, f.opts...)
		if err != nil {
			t.Fatal(err)
		}
		last, _ := f.em.Meeting(DemoNoEnd)
		if len(rep.Problems) != 9 || rep.Created != 0 || !rep.NextSince.Equal(last.Modified) || len(rep.Outstanding) != 9 {
			t.Errorf("report: %+v", rep)
		}
	})
}

type failingStore struct{ *memStore }

func (failingStore) FindByExternal(string) (rooms.Booking, bool, error) {
	return rooms.Booking{}, false, errBroken
}

func TestPastMeetingsAreSkipped(t *testing.T) {
	f := newSyncFixture(t, nil)
	f.sync(t, time.Time{})
	f.clock.Advance(365 * 24 * time.Hour)
	f.em.Delete(DemoCouncil) // too late to matter: the meeting is over
	rep := f.sync(t, time.Time{})
	if rep.Created+rep.Updated+rep.Cancelled != 0 {
		t.Errorf("report: %+v", rep)
	}
	if b := f.st.get(ExternalRef(f.id(DemoCouncil))); b.Status != rooms.StatusConfirmed {
		t.Errorf("a past booking was cancelled: %+v", b)
	}
}

func TestMappingCheckAndKinds(t *testing.T) {
	bad := Mapping{Locations: []LocationRule{{Match: " ", Room: ""}}, KindByClassification: map[string]rooms.Kind{"Rat": "party"}, DefaultLength: -1}
	err := bad.Check()
	for _, want := range []string{"body", "match is empty", "room is empty", "party", "negative"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Check() = %v, want %q", err, want)
		}
	}
	m := Mapping{KindByClassification: map[string]rooms.Kind{"Parlament": rooms.KindCouncil, "Beirat": rooms.KindMeeting}}
	for c, want := range map[string]rooms.Kind{"parlament": rooms.KindCouncil, " Beirat ": rooms.KindMeeting, "Ausschuss": rooms.KindCommittee, "": rooms.KindCommittee} {
		if got := m.kind(Organization{Classification: c}); got != want {
			t.Errorf("kind(%q) = %s, want %s", c, got, want)
		}
	}
	if (Mapping{}).kind(Organization{Classification: "Parlament"}) != rooms.KindCouncil {
		t.Error("Parlament is not a council")
	}
	rules := Mapping{Locations: []LocationRule{{Match: "SAAL", Room: "a"}, {Match: "markt", Room: "b"}}}
	for _, tc := range []struct {
		l    *Location
		want string
	}{
		{&Location{Description: "Rathaus, Ratssaal"}, "a"},
		{&Location{StreetAddress: "Markt 1"}, "b"},
		{&Location{Room: "Großer Saal", StreetAddress: "Markt 1"}, "a"},
		{&Location{Locality: "Saalfeld"}, ""},
		{nil, ""},
	} {
		if got, _ := rules.RoomFor(tc.l); got != tc.want {
			t.Errorf("RoomFor(%+v) = %q, want %q", tc.l, got, tc.want)
		}
	}
}

func TestTimes(t *testing.T) {
	zone := testZone(t)
	at := func(h, m, s int) time.Time { return time.Date(2026, 12, 1, h, m, s, 0, zone) }
	for _, tc := range []struct {
		name       string
		mt         Meeting
		start, end time.Time
		bad        bool
	}{
		{"plain", Meeting{Start: at(18, 0, 0), End: at(20, 0, 0)}, at(18, 0, 0), at(20, 0, 0), false},
		{"seconds round outwards", Meeting{Start: at(18, 0, 30), End: at(19, 59, 1)}, at(18, 0, 0), at(20, 0, 0), false},
		{"no end", Meeting{Start: at(18, 0, 0)}, at(18, 0, 0), at(20, 0, 0), false},
		{"date-only without end", Meeting{Start: at(0, 0, 0), StartDateOnly: true}, at(0, 0, 0), at(24, 0, 0), false},
		{"no start", Meeting{End: at(20, 0, 0)}, time.Time{}, time.Time{}, true},
		{"end before start: assumed", Meeting{Start: at(18, 0, 0), End: at(17, 0, 0)}, at(18, 0, 0), at(20, 0, 0), false},
	} {
		start, end, _, err := (Mapping{}).times(tc.mt, "", zone)
		if (err != nil) != tc.bad || !start.Equal(tc.start) || !end.Equal(tc.end) {
			t.Errorf("%s: %v – %v, %v", tc.name, start, end, err)
		}
	}
	if got := clip(strings.Repeat("ä", 300), 200); len([]rune(got)) != 200 {
		t.Errorf("clip: %d runes", len([]rune(got)))
	}
}
