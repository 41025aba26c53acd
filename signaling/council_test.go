package signaling

import (
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/kogge-project/kogge/rooms/council"
	"github.com/kogge-project/kogge/rooms/store"
)

// memCouncil is council.Store in memory (rooms/council's own tests use
// the bbolt store).
type memCouncil struct {
	mu   sync.Mutex
	recs map[string][]byte
}

func (s *memCouncil) CouncilGet(id string) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.recs[id], nil
}

func (s *memCouncil) CouncilUpdate(id string, fn func([]byte) ([]byte, []store.AuditEntry, error)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	next, _, err := fn(s.recs[id])
	if err == nil {
		s.recs[id] = next
	}
	return err
}

// cmsg is a server message with the council fields.
type cmsg struct {
	Type    string        `json:"type"`
	State   string        `json:"state"`
	Member  uint16        `json:"member"`
	Council *council.View `json:"council"`
	Lobby   []lobbyOut    `json:"lobby"`
	Code    string        `json:"code"`
	Reason  string        `json:"reason"`
	To      string        `json:"to"`
	Vote    uint16        `json:"vote"`
	Option  string        `json:"option"`
}

func (c *client) nextC(ok func(cmsg) bool) cmsg {
	c.t.Helper()
	for {
		_ = c.ws.SetReadDeadline(time.Now().Add(readTimeout))
		_, data, err := c.ws.ReadMessage()
		if err != nil {
			c.t.Fatalf("read: %v", err)
		}
		var m cmsg
		if err := json.Unmarshal(data, &m); err != nil {
			c.t.Fatalf("decode %s: %v", data, err)
		}
		if m.Type == "closed" {
			c.t.Fatalf("closed: %s", data)
		}
		if ok(m) {
			return m
		}
	}
}

func councilState(ok func(v *council.View) bool) func(cmsg) bool {
	return func(m cmsg) bool { return m.Type == "state" && m.Council != nil && ok(m.Council) }
}

func isType(t string) func(cmsg) bool { return func(m cmsg) bool { return m.Type == t } }

// TestCouncilSession: 9 members (5 in the room, 4 remote by link) and 2
// guests: quorum, a closed item, a vote, a secret ballot.
func TestCouncilSession(t *testing.T) {
	spec := testSpec()
	spec.Council, spec.Lobby = true, true
	mem := &memCouncil{recs: map[string][]byte{}}
	svc := council.NewService(council.Options{Store: mem, Agenda: func(string) []council.ItemInput {
		return []council.ItemInput{{Number: "1", Name: "Eröffnung", Public: true},
			{Number: "2", Name: "Haushalt", Public: true}, {Number: "3", Name: "Grundstück", Public: false}}
	}})
	e := newEnv(t, spec, func(en *env) { en.hub.cfg.Council = svc })
	_, err := svc.Update(spec.ID, "sekretariat", func(s *council.Session, now time.Time) error {
		for i := range 9 {
			m, err := s.AddMember(fmt.Sprintf("Mitglied %d", i+1), "")
			if err != nil {
				return err
			}
			if i < 5 {
				s.SetInRoom(now, m.ID, true)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for i := uint16(6); i <= 9; i++ {
		e.auth.set(fmt.Sprintf("member%d", i), Ticket{Meeting: spec, Role: RoleGuest, Member: i, MemberName: fmt.Sprintf("Mitglied %d", i)})
	}
	// The daemon passes changes made elsewhere on (Options.Changed).
	change := func(fn func(*council.Session, time.Time) error) {
		t.Helper()
		s, err := svc.Update(spec.ID, "sekretariat", fn)
		if err != nil {
			t.Fatal(err)
		}
		e.hub.Council(spec.ID, s.View())
	}

	h := e.join("host", "Vorsitz")
	members := map[uint16]*client{}
	for i := uint16(6); i <= 9; i++ {
		members[i] = e.join(fmt.Sprintf("member%d", i), "typed name")
		if members[i].welcome.State != "joined" {
			t.Fatalf("member %d: %+v, want joined without the lobby", i, members[i].welcome)
		}
	}
	s := h.nextC(councilState(func(v *council.View) bool { return v.Quorum.Present == 9 }))
	if !s.Council.Quorum.Quorate || s.Council.Quorum.Needed != 5 || len(s.Council.Agenda) != 3 {
		t.Fatalf("quorum %+v agenda %+v", s.Council.Quorum, s.Council.Agenda)
	}
	// A remote member leaves: the quorum is recomputed.
	members[9].send(map[string]any{"type": "leave"})
	h.nextC(councilState(func(v *council.View) bool { return v.Quorum.Present == 8 && v.Quorum.Remote == 3 }))
	members[9] = e.join("member9", "x")
	h.nextC(councilState(func(v *council.View) bool { return v.Quorum.Present == 9 }))

	guests := []*client{e.join("guest", "Presse"), e.join("guest", "Bürgerin")}
	for _, g := range guests {
		if g.welcome.State != "lobby" {
			t.Fatalf("guest %+v", g.welcome)
		}
	}
	h.send(map[string]any{"type": "admit", "all": true})
	for _, g := range guests {
		g.nextC(isType("admitted"))
	}
	// A guest may not open items or vote.
	guests[0].send(map[string]any{"type": "agenda", "action": "open", "item": 1})
	if m := guests[0].nextC(isType("error")); m.Code != codeForbidden {
		t.Fatalf("guest opened an item: %+v", m)
	}

	// The closed item: both guests to the lobby, members stay.
	h.send(map[string]any{"type": "agenda", "action": "open", "item": 3})
	for _, g := range guests {
		if m := g.nextC(isType("moved")); m.To != "lobby" || m.Reason != "closed_item" {
			t.Fatalf("moved %+v", m)
		}
	}
	s = h.nextC(councilState(func(v *council.View) bool { return v.Item != nil && v.Item.Number == "3" }))
	if len(s.Lobby) != 2 || s.Council.Item.Public {
		t.Fatalf("closed item: lobby %+v", s.Lobby)
	}
	// They cannot be admitted now.
	h.send(map[string]any{"type": "admit", "id": guests[0].welcome.ID})
	if m := h.nextC(isType("error")); m.Code != codeClosedPart {
		t.Fatalf("admit in the closed part: %+v", m)
	}
	members[6].nextC(councilState(func(v *council.View) bool { return v.Item != nil && !v.Item.Public }))
	// A public item brings them back.
	h.send(map[string]any{"type": "agenda", "action": "open", "item": 2})
	for _, g := range guests {
		g.nextC(isType("admitted"))
	}

	// A secret ballot is refused while members are remote.
	h.send(map[string]any{"type": "vote_start", "question": "Wahl", "secret": true})
	if m := h.nextC(isType("error")); m.Code != codeCouncil || m.Reason != "secret-remote" {
		t.Fatalf("secret ballot: %+v", m)
	}
	h.send(map[string]any{"type": "vote_start", "question": "Haushalt annehmen?"})
	s = h.nextC(councilState(func(v *council.View) bool { return v.Vote != nil && v.Vote.Open }))
	vote := s.Council.Vote.ID
	cast := func(c *client, option string) {
		t.Helper()
		c.send(map[string]any{"type": "vote", "vote": vote, "option": option})
		if m := c.nextC(func(m cmsg) bool { return m.Type == "voted" || m.Type == "error" }); m.Type != "voted" || m.Option != option {
			t.Fatalf("vote %s: %+v", option, m)
		}
	}
	cast(members[6], "Nein")
	cast(members[6], "Ja") // replaces the first
	cast(members[7], "Ja")
	cast(members[8], "Nein")
	cast(members[9], "Enthaltung")
	guests[1].send(map[string]any{"type": "vote", "vote": vote, "option": "Ja"})
	if m := guests[1].nextC(isType("error")); m.Code != codeForbidden {
		t.Fatalf("a guest voted: %+v", m)
	}
	for id, o := range map[uint16]string{1: "Ja", 2: "Ja", 3: "Nein", 4: "Enthaltung", 5: "Ja"} {
		change(func(s *council.Session, now time.Time) error { return s.Cast(now, id, o, false) })
	}
	h.nextC(councilState(func(v *council.View) bool { return v.Vote != nil && v.Vote.Cast == 9 }))
	h.send(map[string]any{"type": "vote_close"})
	s = h.nextC(councilState(func(v *council.View) bool { return v.Vote != nil && !v.Vote.Open }))
	want := []council.OptionCount{{Option: "Ja", Count: 5}, {Option: "Nein", Count: 2}, {Option: "Enthaltung", Count: 2}}
	for i, tc := range s.Council.Vote.Totals {
		if tc != want[i] {
			t.Fatalf("totals %+v, want %+v", s.Council.Vote.Totals, want)
		}
	}
	if len(s.Council.Vote.Ballots) != 9 {
		t.Fatalf("ballots %+v", s.Council.Vote.Ballots)
	}
	// Guests see the result, not the agenda.
	g := guests[0].nextC(councilState(func(v *council.View) bool { return v.Vote != nil && !v.Vote.Open }))
	if g.Council.Agenda != nil {
		t.Fatal("a guest got the agenda")
	}
}
