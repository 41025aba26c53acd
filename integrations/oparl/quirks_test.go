package oparl

import (
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/kogge-project/kogge/rooms"
)

// Fixtures in the shapes real council information systems send (written
// for these tests from the OParl 1.1 specification and the vendor quirks
// listed in times.go and kind.go): one body, organizations classified
// three ways, meetings whose end is a placeholder.

// quirkDay is a Tuesday in the weeks after testNow, in Berlin (CEST).
func quirkAt(t *testing.T, day, h, m, s int) time.Time {
	return time.Date(2026, 6, 16+day, h, m, s, 0, testZone(t))
}

func rfc(t time.Time) string { return t.Format(time.RFC3339) }

// quirkData is a council system with one meeting per case.
func quirkData(t *testing.T, meetings ...EmulatorMeeting) EmulatorData {
	stamp := testNow.Add(-time.Hour)
	for i := range meetings {
		if meetings[i].Modified.IsZero() {
			stamp = stamp.Add(time.Minute)
			meetings[i].Modified = stamp
		}
		if len(meetings[i].Organizations) == 0 {
			meetings[i].Organizations = []string{"ausschuss-gremien"}
		}
	}
	return EmulatorData{
		Body: EmulatorBody{Key: "b", Name: "Stadt Quirk", AGS: DemoAGS},
		Organizations: []EmulatorOrganization{
			// SD.NET style: everything in one class.
			{Key: "rat-gremien", Name: "Stadtrat", Classification: "Gremien", Type: "Gremium"},
			{Key: "ausschuss-gremien", Name: "Ausschuss für Umwelt und Verkehr", Classification: "Gremien", Type: "Gremium"},
			// Most organizations without a classification.
			{Key: "kreistag", Name: "Kreistag des Landkreises"},
			{Key: "ortschaftsrat", Name: "Ortschaftsrat Nord"},
			{Key: "beirat", Name: "Seniorenbeirat"},
			{Key: "buergerschaft", Name: "Bürgerschaft"},
			// The specification's classification.
			{Key: "parlament", Name: "Versammlung", Classification: "Parlament"},
			{Key: "hfa", Name: "Haupt- und Finanzausschuss", Classification: "Ausschuss"},
			// Nothing says: a committee unless the configuration overrides.
			{Key: "sonder", Name: "Sondergremium Hafen"},
		},
		Meetings: meetings,
		PageSize: 50,
	}
}

type quirkFixture struct {
	srv    *httptest.Server
	em     *Emulator
	client *Client
	st     *memStore
	m      Mapping
	clock  *fakeClock
}

func newQuirkFixture(t *testing.T, data EmulatorData) *quirkFixture {
	t.Helper()
	clock := &fakeClock{t: testNow}
	data.Now = clock.Now
	em := NewEmulator(data)
	srv := httptest.NewServer(em)
	t.Cleanup(srv.Close)
	c, err := NewClient(srv.URL+EmulatorSystemPath, Options{HTTPClient: srv.Client(), Zone: testZone(t)})
	if err != nil {
		t.Fatal(err)
	}
	m := Mapping{Body: DemoAGS, Locations: []LocationRule{{Match: "Ratssaal", Room: "ratssaal"}, {Match: "Zimmer 2", Room: "sz2"}}}
	return &quirkFixture{srv: srv, em: em, client: c, st: newMemStore(), m: m, clock: clock}
}

func (f *quirkFixture) sync(t *testing.T, since time.Time, opts ...Option) Report {
	t.Helper()
	rep, err := Sync(t.Context(), f.client, f.m, f.st, since, append([]Option{WithClock(f.clock.Now)}, opts...)...)
	if err != nil {
		t.Fatalf("sync: %v", err)
	}
	return rep
}

func (f *quirkFixture) booking(t *testing.T, key string) rooms.Booking {
	t.Helper()
	b, ok, _ := f.st.FindByExternal(ExternalRef(MeetingID(f.srv.URL, key)))
	if !ok {
		t.Fatalf("meeting %s is not booked", key)
	}
	return b
}

var (
	saal   = &EmulatorLocation{Key: "saal", Description: "Rathaus, Ratssaal"}
	zimmer = &EmulatorLocation{Key: "z2", Description: "Rathaus, Zimmer 2"}
)

// TestPlaceholderEnds: every placeholder form is booked with the default
// length (the room's where configured) and marked; real ends, a late
// session until midnight among them, are kept.
func TestPlaceholderEnds(t *testing.T) {
	at := func(day, h, m, s int) time.Time { return quirkAt(t, day, h, m, s) }
	meeting := func(key string, loc *EmulatorLocation, start time.Time, end string) EmulatorMeeting {
		return EmulatorMeeting{Key: key, Name: "Sitzung " + key, Start: rfc(start), End: end, Location: loc}
	}
	f := newQuirkFixture(t, quirkData(t,
		meeting("midnight-before", zimmer, at(0, 19, 0, 0), rfc(at(0, 0, 0, 0))),
		meeting("midnight-after", zimmer, at(1, 10, 0, 0), rfc(at(2, 0, 0, 0))),
		meeting("end-is-start", zimmer, at(2, 17, 0, 0), rfc(at(2, 17, 0, 0))),
		meeting("end-date-only", zimmer, at(3, 17, 0, 0), at(3, 0, 0, 0).Format("2006-01-02")),
		meeting("end-2359", zimmer, at(4, 9, 0, 0), rfc(at(4, 23, 59, 59))),
		meeting("midnight-days-later", zimmer, at(5, 20, 30, 0), rfc(at(7, 0, 0, 0))),
		meeting("no-end", zimmer, at(6, 17, 0, 0), ""),
		meeting("in-the-chamber", saal, at(0, 19, 0, 0), rfc(at(0, 0, 0, 0))),
		// Real ends: kept as they are.
		meeting("late-until-midnight", zimmer, at(8, 20, 30, 0), rfc(at(9, 0, 0, 0))),
		meeting("real", zimmer, at(9, 18, 0, 0), rfc(at(9, 21, 15, 0))),
	))
	f.m.LengthByRoom = map[string]time.Duration{"ratssaal": 4 * time.Hour}
	rep := f.sync(t, time.Time{})
	if rep.Created != 10 || len(rep.Problems) != 0 || rep.Refused != 0 {
		t.Fatalf("report: %+v", rep)
	}
	for _, key := range []string{"midnight-before", "midnight-after", "end-is-start", "end-date-only", "end-2359", "midnight-days-later", "no-end"} {
		b := f.booking(t, key)
		if !b.EndAssumed || b.End.Sub(b.Start) != DefaultMeetingLength {
			t.Errorf("%s: %v – %v, assumed %v; want 2 h assumed", key, b.Start, b.End, b.EndAssumed)
		}
	}
	if b := f.booking(t, "in-the-chamber"); !b.EndAssumed || b.End.Sub(b.Start) != 4*time.Hour {
		t.Errorf("the chamber's default length not used: %+v", b)
	}
	if b := f.booking(t, "late-until-midnight"); b.EndAssumed || !b.End.Equal(at(9, 0, 0, 0)) {
		t.Errorf("a late session until midnight was taken for a placeholder: %+v", b)
	}
	if b := f.booking(t, "real"); b.EndAssumed || !b.End.Equal(at(9, 21, 15, 0)) {
		t.Errorf("a real end changed: %+v", b)
	}
	if len(rep.AssumedEnds) != 8 {
		t.Fatalf("assumed-end lines: %q", rep.AssumedEnds)
	}
	line := rep.AssumedEnds[0]
	for _, want := range []string{`"Sitzung midnight-before"`, "16.06.2026 19:00", MeetingID(f.srv.URL, "midnight-before"), "2 hours assumed", "until 21:00"} {
		if !strings.Contains(strings.Join(rep.AssumedEnds, "\n"), want) {
			t.Errorf("assumed-end lines lack %q: %q", want, line)
		}
	}

	// The source now gives a real end: the booking takes it and loses the mark.
	m, _ := f.em.Meeting("no-end")
	m.End, m.Modified = rfc(at(6, 18, 30, 0)), time.Time{}
	f.clock.Advance(time.Minute)
	f.em.Put(m)
	rep = f.sync(t, rep.NextSince)
	if b := f.booking(t, "no-end"); rep.Updated != 1 || b.EndAssumed || !b.End.Equal(at(6, 18, 30, 0)) {
		t.Errorf("after a real end: %+v, report %+v", b, rep)
	}
}

// TestAssumedEndKeepsAKnownEnd: a person's end (or an end the source
// gave before) is not replaced by a guess while the start stays.
func TestAssumedEndKeepsAKnownEnd(t *testing.T) {
	at := func(h int) time.Time { return quirkAt(t, 0, h, 0, 0) }
	f := newQuirkFixture(t, quirkData(t, EmulatorMeeting{Key: "x", Name: "Ausschuss", Start: rfc(at(17)), End: rfc(at(20)), Location: zimmer}))
	first := f.sync(t, time.Time{})
	m, _ := f.em.Meeting("x")
	m.End, m.Modified = rfc(at(0)), time.Time{} // the end got lost at the source
	f.clock.Advance(time.Minute)
	f.em.Put(m)
	rep := f.sync(t, first.NextSince)
	if b := f.booking(t, "x"); rep.Updated != 0 || !b.End.Equal(at(20)) || b.EndAssumed {
		t.Errorf("a known end was replaced: %+v, report %+v", b, rep)
	}
}

// TestKinds: council or committee from the classification, from the
// type, from the name, and from the override map; the kind's defaults
// follow (a council session is hybrid).
func TestKinds(t *testing.T) {
	var meetings []EmulatorMeeting
	orgs := []string{"rat-gremien", "ausschuss-gremien", "kreistag", "ortschaftsrat", "beirat", "buergerschaft", "parlament", "hfa", "sonder"}
	for i, org := range orgs {
		meetings = append(meetings, EmulatorMeeting{Key: org, Name: "Sitzung", Organizations: []string{org}, Location: zimmer,
			Start: rfc(quirkAt(t, i, 17, 0, 0)), End: rfc(quirkAt(t, i, 19, 0, 0))})
	}
	f := newQuirkFixture(t, quirkData(t, meetings...))
	f.m.KindByOrganization = map[string]rooms.Kind{f.srv.URL + "/oparl/v1/organization/sonder": rooms.KindCouncil}
	rep := f.sync(t, time.Time{})
	if rep.Created != len(orgs) {
		t.Fatalf("report: %+v", rep)
	}
	want := map[string]rooms.Kind{
		"rat-gremien": rooms.KindCouncil, "ausschuss-gremien": rooms.KindCommittee, // by name, the class says nothing
		"kreistag": rooms.KindCouncil, "ortschaftsrat": rooms.KindCommittee, "beirat": rooms.KindCommittee,
		"buergerschaft": rooms.KindCouncil,                             // no classification: by name
		"parlament":     rooms.KindCouncil, "hfa": rooms.KindCommittee, // by classification
		"sonder": rooms.KindCouncil, // by the override
	}
	for key, kind := range want {
		b := f.booking(t, key)
		if b.Kind != kind || b.Hybrid.Enabled != (kind == rooms.KindCouncil) {
			t.Errorf("%s: kind %s, hybrid %v; want %s", key, b.Kind, b.Hybrid.Enabled, kind)
		}
	}
	// The words alone, for names no fixture above has.
	for name, kind := range map[string]rooms.Kind{
		"Rat der Stadt Köln": rooms.KindCouncil, "Sitzung des Gemeinderates": rooms.KindCouncil,
		"Stadtverordnetenversammlung": rooms.KindCouncil, "Bauausschuss des Stadtrates": rooms.KindCommittee,
		"Ältestenrat": rooms.KindCommittee, "Jugendhilfeausschuß": rooms.KindCommittee,
	} {
		if got, ok := kindOfWords(name); !ok || got != kind {
			t.Errorf("%q: %s, %v; want %s", name, got, ok, kind)
		}
	}
	for _, name := range []string{"Gremien", "Gremium", "Fraktion A", "Rathausverwaltung", ""} {
		if got, ok := kindOfWords(name); ok {
			t.Errorf("%q decided %s", name, got)
		}
	}
}

// TestUnmappedBeforeRefused: a meeting at an unmapped place is listed
// with its place whatever is odd about its times.
func TestUnmappedBeforeRefused(t *testing.T) {
	halle := &EmulatorLocation{Key: "halle", Description: "Stadthalle, Großer Saal"}
	f := newQuirkFixture(t, quirkData(t,
		EmulatorMeeting{Key: "placeholder", Name: "Ausschuss", Location: halle, Start: rfc(quirkAt(t, 0, 19, 0, 0)), End: rfc(quirkAt(t, 0, 0, 0, 0))},
		EmulatorMeeting{Key: "no-start", Name: "Ausschuss", Location: &EmulatorLocation{Key: "feuerwache", Description: "Feuerwache"}},
	))
	rep := f.sync(t, time.Time{})
	if rep.Unmapped != 2 || rep.UnmappedLocations["Stadthalle, Großer Saal"] != 1 || rep.UnmappedLocations["Feuerwache"] != 1 || len(rep.Problems) != 0 {
		t.Errorf("report: %+v", rep)
	}
}

// TestRefusalIsRememberedAndTheCursorMoves: a refused meeting is reported
// once, does not hold the cursor back, is not read again, is tried again
// from memory (and booked once Kogge frees the slot), and is reported
// again when the source changes it.
func TestRefusalIsRememberedAndTheCursorMoves(t *testing.T) {
	at := func(h int) time.Time { return quirkAt(t, 0, h, 0, 0) }
	f := newQuirkFixture(t, quirkData(t,
		EmulatorMeeting{Key: "clash", Name: "Umweltausschuss", Location: zimmer, Start: rfc(at(17)), End: rfc(at(19))},
		EmulatorMeeting{Key: "fine", Name: "Hauptausschuss", Location: zimmer, Start: rfc(at(9)), End: rfc(at(11))},
	))
	blocker, err := f.st.Create("", rooms.Booking{Room: "sz2", Title: "Personalversammlung", Status: rooms.StatusConfirmed, Start: at(18), End: at(20)}, "anna")
	if err != nil {
		t.Fatal(err)
	}
	first := f.sync(t, time.Time{})
	fine, _ := f.em.Meeting("fine")
	if first.Created != 1 || first.Refused != 1 || len(first.Problems) != 1 || !first.NextSince.Equal(fine.Modified) {
		t.Fatalf("first: %+v", first)
	}
	if p := first.Problems[0]; !strings.Contains(p, `"Umweltausschuss" on 16.06.2026 17:00`) || !strings.Contains(p, MeetingID(f.srv.URL, "clash")) {
		t.Errorf("problem line: %s", p)
	}
	// Later changes elsewhere: the delta reads only those, retries the
	// refusal from memory and says nothing about it.
	f.clock.Advance(time.Minute)
	f.em.Put(EmulatorMeeting{Key: "new", Name: "Beirat", Location: saal, Organizations: []string{"beirat"}, Start: rfc(at(10)), End: rfc(at(12))})
	second := f.sync(t, first.NextSince, WithRefused(first.Outstanding))
	if second.Fetched != 2 || second.Retried != 1 || second.StillRefused != 1 || len(second.Problems) != 0 || second.Created != 1 {
		t.Fatalf("second: %+v", second)
	}
	if !second.NextSince.After(first.NextSince) {
		t.Errorf("cursor held back: %v → %v", first.NextSince, second.NextSince)
	}
	// The source changes the meeting: reported again, as a new version.
	m, _ := f.em.Meeting("clash")
	m.Name, m.Modified = "Umweltausschuss (geändert)", time.Time{}
	f.clock.Advance(time.Minute)
	f.em.Put(m)
	third := f.sync(t, second.NextSince, WithRefused(second.Outstanding))
	if third.Refused != 1 || third.StillRefused != 0 || len(third.Problems) != 1 || !strings.Contains(third.Problems[0], "(geändert)") {
		t.Fatalf("third: %+v", third)
	}
	// Kogge frees the slot: the next import books it without reading it.
	if _, err := f.st.Cancel(blocker.ID, blocker.Version, "anna"); err != nil {
		t.Fatal(err)
	}
	fourth := f.sync(t, third.NextSince, WithRefused(third.Outstanding))
	if fourth.Created != 1 || len(fourth.Outstanding) != 0 {
		t.Fatalf("fourth: %+v", fourth)
	}
	if b := f.booking(t, "clash"); b.Title != "Umweltausschuss (geändert)" {
		t.Errorf("booked: %+v", b)
	}
}

// TestImporterKeepsItsState: the Importer's cursor, refusals and agendas
// live in its StateStore; a new Importer on the same state goes on with a
// delta, and a changed mapping starts again with a full import.
func TestImporterKeepsItsState(t *testing.T) {
	f := newQuirkFixture(t, quirkData(t, EmulatorMeeting{Key: "a", Name: "Hauptausschuss", Location: zimmer,
		Start: rfc(quirkAt(t, 0, 17, 0, 0)), End: rfc(quirkAt(t, 0, 19, 0, 0)),
		Agenda: []EmulatorAgendaItem{{Number: "1", Name: "Eröffnung", Public: true}}}))
	state := newMemState()
	newImporter := func(m Mapping) *Importer {
		o, err := NewImporter(f.srv.URL+EmulatorSystemPath, nil, m, f.st, WithState(state), WithNow(f.clock.Now))
		if err != nil {
			t.Fatal(err)
		}
		o.client = f.client
		return o
	}
	first, err := newImporter(f.m).Sync(t.Context())
	if err != nil || first.Created != 1 || !first.Since.IsZero() {
		t.Fatalf("first: %+v, %v", first, err)
	}
	o := newImporter(f.m) // as after a restart
	if items, ok := o.AgendaFor(f.booking(t, "a")); !ok || len(items) != 1 {
		t.Errorf("agenda after a restart: %v, %v", items, ok)
	}
	second, err := o.Sync(t.Context())
	if err != nil || !second.Since.Equal(first.NextSince) {
		t.Fatalf("second is no delta: %+v, %v", second, err)
	}
	changed := f.m
	changed.Locations = append(changed.Locations, LocationRule{Match: "Stadthalle", Room: "halle"})
	third, err := newImporter(changed).Sync(t.Context())
	if err != nil || !third.Since.IsZero() {
		t.Fatalf("a changed mapping did not start over: %+v, %v", third, err)
	}
}
