package web

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// TestCouncilProceedingsOnlyWhileTheSessionSits: a session is prepared
// (members, agenda) at any time, but its proceedings — opening an item,
// a vote, a ballot, presence — are recorded only while its meeting is
// open (the room's preparation lead before the start to the end grace
// after the end). Before it and after it they are refused with a
// sentence, and the minutes of an ended session stay as they were; a
// cancelled session records nothing.
func TestCouncilProceedingsOnlyWhileTheSessionSits(t *testing.T) {
	e := newTestEnv(t)
	anna := e.token("anna") // a session cookie would expire when the clock moves on
	b := anna.create(map[string]any{"kind": "council", "title": "Rat der Stadt",
		"start": "2026-11-26T10:00:00+01:00", "end": "2026-11-26T12:00:00+01:00"})
	base := "/api/v1/bookings/" + b.ID + "/council"
	room, _ := e.catalog.Get(b.Room)

	// Just before the room's preparation lead: preparing works,
	// proceeding does not.
	e.now = at(t, "2026-11-26T09:00:00Z").Add(-room.PrepLeadOrDefault()).Add(-1)
	councilDo(t, anna, "POST", base+"/members", map[string]any{"name": "Anna Arendt"})
	s := councilDo(t, anna, "POST", base+"/agenda", map[string]any{"number": "1", "name": "Haushaltssatzung", "public": true})
	item, member := s.Agenda[0].ID, s.Members[0].ID
	open := fmt.Sprintf("%s/agenda/%d/open", base, item)
	presence := fmt.Sprintf("%s/members/%d/presence", base, member)
	refused := func(method, path string, body any, sentence string) {
		t.Helper()
		p := anna.do(method, path, body).problem(t, http.StatusConflict, "council-refused")
		if p.Detail != sentence {
			t.Errorf("%s %s: %q, want %q", method, path, p.Detail, sentence)
		}
	}
	notYet := "Die Sitzung hat noch nicht begonnen: Tagesordnungspunkte, Abstimmungen und Anwesenheit werden erst festgehalten, wenn sie geöffnet ist."
	refused("POST", open, nil, notYet)
	refused("PUT", presence, map[string]any{"in_room": true}, notYet)
	if r := anna.do("POST", open, nil, "Accept-Language", "en"); !strings.Contains(string(r.body), "The session has not begun yet") {
		t.Errorf("in English: %d %s", r.status, r.body)
	}

	// From the room's preparation on, the session sits.
	e.now = e.now.Add(1)
	councilDo(t, anna, "PUT", presence, map[string]any{"in_room": true})
	councilDo(t, anna, "POST", open, nil)
	s = councilDo(t, anna, "POST", base+"/votes", map[string]any{"question": "Zustimmung?"})
	vote := fmt.Sprintf("%s/votes/%d", base, s.Now.Vote.ID)
	councilDo(t, anna, "POST", vote+"/ballots", map[string]any{"member": member, "option": "Ja"})
	councilDo(t, anna, "POST", vote+"/close", nil)
	// The end grace: the chair may still close the item.
	e.now = at(t, "2026-11-26T11:00:00Z").Add(e.wrtc.EndGrace.Duration).Add(-1)
	councilDo(t, anna, "POST", base+"/close-item", nil)
	minutes := anna.do("GET", base+"/minutes.csv", nil).body

	// After the end grace the record is closed: nothing proceeds, and the
	// minutes stay as they were.
	e.now = e.now.Add(1)
	ended := "Die Sitzung ist beendet: ihr Protokoll kann nicht mehr geändert werden."
	refused("POST", open, nil, ended)
	refused("PUT", presence, map[string]any{"in_room": false}, ended)
	refused("POST", base+"/votes", map[string]any{"question": "Noch einmal?"}, ended)
	refused("POST", vote+"/ballots", map[string]any{"member": member, "option": "Nein"}, ended)
	refused("POST", vote+"/close", nil, ended)
	refused("POST", base+"/close-item", nil, ended)
	if got := anna.do("GET", base+"/minutes.csv", nil).body; string(got) != string(minutes) {
		t.Errorf("the minutes changed after the session:\n%s\nwas:\n%s", got, minutes)
	}
	// The page is told, to show the record only.
	var view struct {
		NotSitting string `json:"not_sitting"`
	}
	if anna.do("GET", base, nil).json(t, &view); view.NotSitting != "session-ended" {
		t.Errorf("not_sitting %q after the session, want session-ended", view.NotSitting)
	}

	// A cancelled session records nothing, even in its window.
	c := anna.create(map[string]any{"kind": "council", "title": "Rat der Stadt",
		"start": "2026-12-03T10:00:00+01:00", "end": "2026-12-03T12:00:00+01:00"})
	cbase := "/api/v1/bookings/" + c.ID + "/council"
	s = councilDo(t, anna, "POST", cbase+"/agenda", map[string]any{"number": "1", "name": "Haushaltssatzung", "public": true})
	if r := anna.do("DELETE", "/api/v1/bookings/"+c.ID, nil, "If-Match", `"1"`); r.status != http.StatusOK && r.status != http.StatusNoContent {
		t.Fatalf("cancel: %d %s", r.status, r.body)
	}
	e.now = at(t, "2026-12-03T09:30:00Z")
	refused("POST", fmt.Sprintf("%s/agenda/%d/open", cbase, s.Agenda[0].ID), nil,
		"Die Sitzung findet nicht statt: für sie kann nichts festgehalten werden.")
}
