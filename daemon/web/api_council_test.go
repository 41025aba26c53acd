package web

import (
	"encoding/csv"
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// councilSession is what GET …/council answers, as far as the tests read it.
type councilSession struct {
	Rev     uint64 `json:"rev"`
	Members []struct {
		ID     uint16 `json:"id"`
		Name   string `json:"name"`
		InRoom bool   `json:"in_room"`
	} `json:"members"`
	Agenda []struct {
		ID     uint16 `json:"id"`
		Number string `json:"number"`
		Name   string `json:"name"`
		Public bool   `json:"public"`
	} `json:"agenda"`
	Links map[string]string `json:"links"`
	Now   struct {
		Item *struct {
			Number string `json:"number"`
			Public bool   `json:"public"`
		} `json:"item"`
		Quorum struct {
			Members, Present, Needed int
			Quorate                  bool
		} `json:"quorum"`
		Vote *struct {
			ID     uint16 `json:"id"`
			Open   bool   `json:"open"`
			Cast   int    `json:"cast"`
			Totals []struct {
				Option string
				Count  int
			} `json:"totals"`
		} `json:"vote"`
	} `json:"now"`
}

// councilDo sends a change and decodes the session it answers with.
func councilDo(t *testing.T, c *client, method, path string, body any) councilSession {
	t.Helper()
	r := c.do(method, path, body)
	if r.status != http.StatusOK {
		t.Fatalf("%s %s: %d %s", method, path, r.status, r.body)
	}
	var s councilSession
	r.json(t, &s)
	return s
}

// TestCouncilAPI runs a session through the secretary's API: members with
// personal links, presence and quorum, an agenda with a closed item, a
// vote of room members (a second vote replaces the first; a member not
// present cannot vote; counts cannot exceed those present), and the
// minutes as JSON and as the CSV a spreadsheet opens.
func TestCouncilAPI(t *testing.T) {
	e := newTestEnv(t)
	anna := e.login("anna")
	b := anna.create(map[string]any{"kind": "council", "title": "Rat der Stadt",
		"start": "2026-11-26T10:00:00+01:00", "end": "2026-11-26T12:00:00+01:00",
		"hybrid": map[string]any{"enabled": true, "expected_remote": 3}})
	base := "/api/v1/bookings/" + b.ID + "/council"

	e.anonymous().do("GET", base, nil).problem(t, http.StatusUnauthorized, "unauthenticated")
	other := anna.create(map[string]any{"start": "2026-12-02T16:00:00+01:00", "end": "2026-12-02T17:00:00+01:00"})
	anna.do("GET", "/api/v1/bookings/"+other.ID+"/council", nil).problem(t, http.StatusNotFound, "no-council")

	var s councilSession
	for _, n := range []string{"Anna Arendt", "Bernd Brandt", "Clara Claußen"} {
		s = councilDo(t, anna, "POST", base+"/members", map[string]any{"name": n, "group": "Fraktion A"})
	}
	if len(s.Members) != 3 || len(s.Links) != 3 {
		t.Fatalf("members %+v, links %v", s.Members, s.Links)
	}
	for id, link := range s.Links {
		if !strings.Contains(link, "/j/") {
			t.Errorf("member %s: link %q", id, link)
		}
	}
	anna.do("POST", base+"/members", map[string]any{"name": "anna arendt"}).problem(t, http.StatusConflict, "council-refused")
	first, second, third := s.Members[0].ID, s.Members[1].ID, s.Members[2].ID
	// A new link replaces the old.
	old := s.Links[fmt.Sprint(third)]
	if s = councilDo(t, anna, "POST", fmt.Sprintf("%s/members/%d/rotate", base, third), nil); s.Links[fmt.Sprint(third)] == old {
		t.Error("the rotated link is the old one")
	}

	e.now = at(t, "2026-11-26T09:00:00Z") // the session begins: its proceedings are recorded
	councilDo(t, anna, "PUT", fmt.Sprintf("%s/members/%d/presence", base, first), map[string]any{"in_room": true})
	s = councilDo(t, anna, "PUT", fmt.Sprintf("%s/members/%d/presence", base, second), map[string]any{"in_room": true})
	if q := s.Now.Quorum; q.Members != 3 || q.Present != 2 || q.Needed != 2 || !q.Quorate {
		t.Fatalf("quorum %+v, want 2 of 3 present, quorate", q)
	}

	councilDo(t, anna, "POST", base+"/agenda", map[string]any{"number": "1", "name": "Haushaltssatzung", "public": true})
	s = councilDo(t, anna, "POST", base+"/agenda", map[string]any{"number": "2", "name": "Grundstücke", "public": false})
	if len(s.Agenda) != 2 || s.Agenda[1].Public {
		t.Fatalf("agenda %+v", s.Agenda)
	}
	item1, item2 := s.Agenda[0].ID, s.Agenda[1].ID
	if s = councilDo(t, anna, "POST", fmt.Sprintf("%s/agenda/%d/move", base, item2), map[string]any{"before": item1}); s.Agenda[0].ID != item2 {
		t.Fatalf("after moving item 2 up: %+v", s.Agenda)
	}
	if s = councilDo(t, anna, "POST", fmt.Sprintf("%s/agenda/%d/move", base, item2), map[string]any{"before": 0}); s.Agenda[1].ID != item2 {
		t.Fatalf("after moving item 2 to the end: %+v", s.Agenda)
	}
	anna.do("POST", base+"/votes", map[string]any{"question": "Zustimmung?"}).problem(t, http.StatusConflict, "council-refused")
	councilDo(t, anna, "POST", fmt.Sprintf("%s/agenda/%d/open", base, item1), nil)
	s = councilDo(t, anna, "POST", base+"/votes", map[string]any{"question": "Zustimmung zur Haushaltssatzung?"})
	if s.Now.Vote == nil || !s.Now.Vote.Open {
		t.Fatalf("no open vote: %+v", s.Now)
	}
	vote := fmt.Sprintf("%s/votes/%d", base, s.Now.Vote.ID)
	councilDo(t, anna, "POST", vote+"/ballots", map[string]any{"member": first, "option": "Ja"})
	councilDo(t, anna, "POST", vote+"/ballots", map[string]any{"member": second, "option": "Nein"})
	s = councilDo(t, anna, "POST", vote+"/ballots", map[string]any{"member": second, "option": "Ja"})
	if s.Now.Vote.Cast != 2 {
		t.Errorf("cast %d after a changed vote, want 2", s.Now.Vote.Cast)
	}
	anna.do("POST", vote+"/ballots", map[string]any{"member": third, "option": "Ja"}).problem(t, http.StatusConflict, "council-refused")
	anna.do("POST", vote+"/ballots", map[string]any{"member": first, "option": "Vielleicht"}).problem(t, http.StatusUnprocessableEntity, "council-refused")
	anna.do("PUT", vote+"/hands", map[string]any{"counts": map[string]int{"Enthaltung": 1}}).problem(t, http.StatusUnprocessableEntity, "council-refused")
	anna.do("POST", fmt.Sprintf("%s/agenda/%d/open", base, item2), nil).problem(t, http.StatusConflict, "council-refused")
	s = councilDo(t, anna, "POST", vote+"/close", nil)
	if v := s.Now.Vote; v == nil || v.Open || len(v.Totals) != 3 || v.Totals[0].Count != 2 || v.Totals[1].Count != 0 {
		t.Fatalf("closed vote %+v, want Ja 2, Nein 0", v)
	}
	anna.do("POST", vote+"/ballots", map[string]any{"member": first, "option": "Nein"}).problem(t, http.StatusConflict, "council-refused")
	s = councilDo(t, anna, "POST", fmt.Sprintf("%s/agenda/%d/open", base, item2), nil)
	if s.Now.Item == nil || s.Now.Item.Number != "2" || s.Now.Item.Public {
		t.Fatalf("open item %+v, want the closed item 2", s.Now.Item)
	}
	councilDo(t, anna, "POST", base+"/close-item", nil)

	var m struct {
		Type   string `json:"type"`
		Name   string `json:"name"`
		Person []struct {
			Name    string
			Present bool
		} `json:"person"`
		AgendaItem []struct {
			Number string `json:"number"`
			Spans  []struct{ Start, End string }
			Votes  []struct {
				Question string
				Totals   []struct {
					Option string
					Count  int
				}
				Ballots []struct{ Name, Option string }
			} `json:"votes"`
		} `json:"agendaItem"`
	}
	anna.do("GET", base+"/minutes", nil).json(t, &m)
	if m.Name != "Rat der Stadt" || len(m.Person) != 3 || !m.Person[0].Present || m.Person[2].Present {
		t.Fatalf("minutes: %+v", m)
	}
	if len(m.AgendaItem) != 2 || len(m.AgendaItem[0].Votes) != 1 || len(m.AgendaItem[1].Spans) != 1 || m.AgendaItem[1].Spans[0].End == "" {
		t.Fatalf("minutes items: %+v", m.AgendaItem)
	}
	if bl := m.AgendaItem[0].Votes[0].Ballots; len(bl) != 2 || bl[1].Name != "Bernd Brandt" || bl[1].Option != "Ja" {
		t.Errorf("ballots %+v, want Bernd Brandt's changed vote Ja", bl)
	}

	r := anna.do("GET", base+"/minutes.csv", nil)
	if r.status != http.StatusOK || !strings.HasPrefix(r.header.Get("Content-Type"), "text/csv") {
		t.Fatalf("minutes.csv: %d %s", r.status, r.header.Get("Content-Type"))
	}
	rows, err := csv.NewReader(strings.NewReader(string(r.body))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{
		"Anwesenheit|26.11.2026 10:00:00||Anna Arendt|anwesend (im Saal)":                                 false,
		"TOP geöffnet|26.11.2026 10:00:00|2|Grundstücke|nicht öffentlich":                                 false,
		"Abstimmung|26.11.2026 10:00:00|1|Zustimmung zur Haushaltssatzung?|Ja: 2, Nein: 0, Enthaltung: 0": false,
		"Stimme|26.11.2026 10:00:00|1|Bernd Brandt|Ja (im Saal)":                                          false,
	}
	for _, row := range rows {
		k := strings.Join(row, "|")
		if _, ok := want[k]; ok {
			want[k] = true
		}
	}
	for k, seen := range want {
		if !seen {
			t.Errorf("minutes.csv lacks the row %q:\n%s", k, r.body)
		}
	}
	if rows[0][0] != "Art" {
		t.Errorf("header %v", rows[0])
	}

	// Removing a member ends the link; the minutes keep the name.
	s = councilDo(t, anna, "DELETE", fmt.Sprintf("%s/members/%d", base, third), nil)
	if len(s.Members) != 2 || len(s.Links) != 2 {
		t.Errorf("after removing: %+v", s.Members)
	}
}
