package web

import (
	"fmt"
	"net/http"
	"testing"
	"time"
)

// panelCouncilState is the council part of the panel's state.
type panelCouncilState struct {
	Council *struct {
		Item *struct {
			Number string `json:"number"`
			Name   string `json:"name"`
			Public bool   `json:"public"`
		} `json:"item"`
		Quorum struct {
			Members int `json:"members"`
			Present int `json:"present"`
		} `json:"quorum"`
		Members []struct {
			ID     uint16 `json:"id"`
			Name   string `json:"name"`
			InRoom bool   `json:"in_room"`
		} `json:"members"`
	} `json:"council"`
}

// TestPanelCouncilPresence: during a council session in its room the
// panel shows the open item (a closed one by number only) and marks room
// members present or absent, which the secretary's session and quorum
// show; before the session, in another room's session or as another
// room's panel it is refused.
func TestPanelCouncilPresence(t *testing.T) {
	e := newTestEnv(t)
	anna := e.login("anna")
	b := anna.create(map[string]any{"kind": "council", "title": "Rat der Stadt", "room": "ratssaal",
		"start": "2026-11-26T09:30:00+01:00", "end": "2026-11-26T12:00:00+01:00"})
	base := "/api/v1/bookings/" + b.ID + "/council"
	for _, n := range []string{"Anna Arendt", "Bernd Brandt", "Clara Claußen"} {
		councilDo(t, anna, "POST", base+"/members", map[string]any{"name": n})
	}
	councilDo(t, anna, "POST", base+"/agenda", map[string]any{"number": "1", "name": "Haushaltssatzung", "public": true})
	s := councilDo(t, anna, "POST", base+"/agenda", map[string]any{"number": "2", "name": "Grundstücke", "public": false})
	first := s.Members[0].ID

	door := e.panel("ratssaal", "Tür Ratssaal")
	other := e.panel("sitzungszimmer-2", "Tür SZ2")
	presence := func(room string, member uint16) string {
		return fmt.Sprintf("/api/v1/panel/%s/council/members/%d/presence", room, member)
	}
	// Before the session runs the door shows none and marks nobody.
	var st panelCouncilState
	door.do("GET", "/api/v1/panel/ratssaal/state", nil).json(t, &st)
	if st.Council != nil {
		t.Fatalf("council before the session: %+v", st.Council)
	}
	door.do("PUT", presence("ratssaal", first), map[string]any{"in_room": true}).problem(t, http.StatusConflict, "wrong-state")

	e.now = e.now.Add(45 * time.Minute) // 09:45, the session runs
	councilDo(t, anna, "POST", fmt.Sprintf("%s/agenda/%d/open", base, s.Agenda[0].ID), nil)
	door.do("GET", "/api/v1/panel/ratssaal/state", nil).json(t, &st)
	if c := st.Council; c == nil || c.Item == nil || c.Item.Number != "1" || c.Item.Name != "Haushaltssatzung" || !c.Item.Public || len(c.Members) != 3 || c.Quorum.Present != 0 {
		t.Fatalf("council at the door: %+v", st.Council)
	}
	// Another room's panel may not act here, nor find a session in its own room.
	other.do("PUT", presence("ratssaal", first), map[string]any{"in_room": true}).problem(t, http.StatusForbidden, "forbidden")
	other.do("PUT", presence("sitzungszimmer-2", first), map[string]any{"in_room": true}).problem(t, http.StatusConflict, "wrong-state")
	door.do("PUT", presence("ratssaal", first), map[string]any{}).problem(t, http.StatusUnprocessableEntity, "council-refused")
	door.do("PUT", presence("ratssaal", 99), map[string]any{"in_room": true}).problem(t, http.StatusConflict, "council-refused")

	r := door.do("PUT", presence("ratssaal", first), map[string]any{"in_room": true})
	if r.status != http.StatusOK {
		t.Fatalf("presence: %d %s", r.status, r.body)
	}
	r.json(t, &st)
	if c := st.Council; c.Quorum.Present != 1 || !c.Members[0].InRoom || c.Members[1].InRoom {
		t.Fatalf("after marking %d present: %+v", first, c)
	}
	if s = councilDo(t, anna, "GET", base, nil); !s.Members[0].InRoom || s.Now.Quorum.Present != 1 {
		t.Fatalf("the secretary's session: %+v %+v", s.Members, s.Now.Quorum)
	}
	door.do("PUT", presence("ratssaal", first), map[string]any{"in_room": false}).json(t, &st)
	if st.Council.Quorum.Present != 0 {
		t.Fatalf("after marking absent: %+v", st.Council)
	}

	// A closed item shows at the door by its number only.
	councilDo(t, anna, "POST", base+"/close-item", nil)
	councilDo(t, anna, "POST", fmt.Sprintf("%s/agenda/%d/open", base, s.Agenda[1].ID), nil)
	door.do("GET", "/api/v1/panel/ratssaal/state", nil).json(t, &st)
	if it := st.Council.Item; it == nil || it.Number != "2" || it.Public || it.Name != "" {
		t.Fatalf("closed item at the door: %+v", it)
	}

	var m struct {
		Attendance []struct {
			Name    string `json:"name"`
			Present bool   `json:"present"`
		} `json:"attendance"`
	}
	anna.do("GET", base+"/minutes", nil).json(t, &m)
	if len(m.Attendance) != 2 || m.Attendance[0].Name != "Anna Arendt" || !m.Attendance[0].Present || m.Attendance[1].Present {
		t.Fatalf("attendance in the minutes: %+v", m.Attendance)
	}
}
