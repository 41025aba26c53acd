package main

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/kogge-project/kogge/daemon/config"
	"github.com/kogge-project/kogge/integrations/oparl"
)

// TestOParlImportBooksMeetingsOnce: the daemon imports the emulator's demo
// council meetings at start; a second sync changes nothing.
func TestOParlImportBooksMeetingsOnce(t *testing.T) {
	zone, _ := time.LoadLocation("Europe/Berlin")
	em := httptest.NewServer(oparl.NewEmulator(oparl.DemoData(time.Now(), zone)))
	defer em.Close()
	e := newTestEnv(t, withClock(time.Now()), func(e *testEnv) {
		m := oparl.DemoMapping(em.URL)
		e.cfg.OParl = config.OParl{Endpoint: em.URL + "/oparl/v1/system", Body: m.Body, Organizations: m.Organizations}
		for _, l := range m.Locations {
			e.cfg.OParl.Locations = append(e.cfg.OParl.Locations, config.OParlLocation{Match: l.Match, Room: l.Room})
		}
	})
	select {
	case <-e.d.importedAtStart:
	case <-time.After(time.Minute):
		t.Fatal("the import at start did not finish within a minute")
	}
	var st struct {
		Last *oparl.Report `json:"last"`
	}
	e.login("anna").do("GET", "/api/v1/integrations/oparl", nil).json(t, &st)
	if st.Last == nil || st.Last.Fetched == 0 || st.Last.Created == 0 {
		t.Fatalf("status after the import at start: %+v", st)
	}
	first := *st.Last
	second, err := e.d.oparl.Sync(t.Context())
	if err != nil || second.Created != 0 || second.Updated != 0 {
		t.Fatalf("second sync changed things: %+v %v", second, err)
	}
	var page struct {
		Bookings []struct {
			ID, Title, Room string
			SetupMinutes    int `json:"setup_minutes"`
			TeardownMinutes int `json:"teardown_minutes"`
		}
	}
	e.login("anna").do("GET", "/api/v1/bookings?limit=500", nil).json(t, &page)
	if len(page.Bookings) != first.Created {
		t.Fatalf("%d bookings for %d created", len(page.Bookings), first.Created)
	}
	withAgenda := 0
	for _, b := range page.Bookings {
		// Imported meetings get their room's buffers, as booked ones do.
		if room, _ := e.catalog.Get(b.Room); b.SetupMinutes != int(room.Setup/time.Minute) || b.TeardownMinutes != int(room.Teardown/time.Minute) {
			t.Errorf("imported %q has buffers %d/%d, its room %v/%v", b.Title, b.SetupMinutes, b.TeardownMinutes, room.Setup, room.Teardown)
		}
		var ag struct {
			Agenda []oparl.AgendaItem `json:"agenda"`
		}
		e.login("anna").do("GET", "/api/v1/bookings/"+b.ID+"/agenda", nil).json(t, &ag)
		if len(ag.Agenda) > 0 {
			withAgenda++
		}
	}
	if withAgenda == 0 {
		t.Error("no imported meeting has its agenda")
	}
}

// TestOParlRestartKeepsTheImportsState: the cursor, the agendas and the
// last report are in the store. After a restart during which the council
// system is down, the agenda is still served and the status still knows
// where the next delta starts; the next import is a delta. A meeting
// without a usable end is booked with the assumed-end mark.
func TestOParlRestartKeepsTheImportsState(t *testing.T) {
	zone, _ := time.LoadLocation("Europe/Berlin")
	em := httptest.NewServer(oparl.NewEmulator(oparl.DemoData(time.Now(), zone)))
	defer em.Close()
	emu := em.Config.Handler.(*oparl.Emulator)
	e := newTestEnv(t, withClock(time.Now()), func(e *testEnv) {
		m := oparl.DemoMapping(em.URL)
		e.cfg.OParl = config.OParl{Endpoint: em.URL + "/oparl/v1/system", Body: m.Body, Organizations: m.Organizations}
		for _, l := range m.Locations {
			e.cfg.OParl.Locations = append(e.cfg.OParl.Locations, config.OParlLocation{Match: l.Match, Room: l.Room})
		}
	})
	waitImport := func() {
		t.Helper()
		select {
		case <-e.d.importedAtStart:
		case <-time.After(time.Minute):
			t.Fatal("the import at start did not finish within a minute")
		}
	}
	waitImport()
	type status struct {
		Last      *oparl.Report `json:"last"`
		Error     string        `json:"error"`
		NextSince time.Time     `json:"next_since"`
	}
	var before status
	e.login("anna").do("GET", "/api/v1/integrations/oparl", nil).json(t, &before)
	if before.Last == nil || before.Last.Created == 0 || before.NextSince.IsZero() || len(before.Last.AssumedEnds) != 1 {
		t.Fatalf("status after the first import: %+v %+v", before, before.Last)
	}
	noEnd, found, err := e.store.FindByExternal(oparl.ExternalRef(oparl.MeetingID(em.URL, oparl.DemoNoEnd)))
	if err != nil || !found || !noEnd.EndAssumed || noEnd.End.Sub(noEnd.Start) != oparl.DefaultMeetingLength {
		t.Fatalf("the meeting without an end: %+v, %v, %v", noEnd, found, err)
	}
	council, found, err := e.store.FindByExternal(oparl.ExternalRef(oparl.MeetingID(em.URL, oparl.DemoCouncil)))
	if err != nil || !found {
		t.Fatal("the council meeting is not booked", err)
	}

	emu.Fail(func(*http.Request) (int, string) { return http.StatusServiceUnavailable, `{"message":"Wartung"}` })
	e.restart()
	waitImport()
	var ag struct {
		Agenda []oparl.AgendaItem `json:"agenda"`
	}
	e.login("anna").do("GET", "/api/v1/bookings/"+council.ID+"/agenda", nil).json(t, &ag)
	if len(ag.Agenda) != 3 {
		t.Errorf("agenda after a restart with the council system down: %+v", ag.Agenda)
	}
	var after status
	e.login("anna").do("GET", "/api/v1/integrations/oparl", nil).json(t, &after)
	if !after.NextSince.Equal(before.NextSince) || after.Error == "" {
		t.Errorf("status after the failed import at start: %+v (before: next since %v)", after, before.NextSince)
	}

	emu.Fail(nil)
	rep, err := e.d.oparl.Sync(t.Context())
	if err != nil || !rep.Since.Equal(before.NextSince) || rep.Fetched >= before.Last.Fetched || rep.Created != 0 {
		t.Fatalf("the import after the restart is no delta: %+v, %v (first read %d)", rep, err, before.Last.Fetched)
	}
}
