package council

import (
	"bytes"
	"encoding/csv"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kogge-project/kogge/rooms"
	"github.com/kogge-project/kogge/rooms/store"
)

var t0 = time.Date(2030, 3, 4, 17, 0, 0, 0, time.UTC)

// fixture is a council booking in a real store with a service on it; the
// clock moves a minute per change so that the minutes have an order.
type fixture struct {
	t       *testing.T
	path    string
	st      *store.Store
	svc     *Service
	booking string
	minute  atomic.Int64
	views   []View
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{t: t, path: filepath.Join(t.TempDir(), "kogge.db")}
	clock := func() time.Time { return t0.Add(time.Duration(f.minute.Add(1)) * time.Minute) }
	st, err := store.Open(f.path, store.Options{Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	b, err := st.Create(rooms.Booking{Room: "ratssaal", Title: "Bürgerschaft", Kind: rooms.KindCouncil,
		Organizer: "Ratsbüro", Start: t0, End: t0.Add(4 * time.Hour), Status: rooms.StatusConfirmed}, "sekretariat")
	if err != nil {
		t.Fatal(err)
	}
	f.st, f.booking = st, b.ID
	f.svc = NewService(Options{Store: st, Now: clock,
		Agenda: func(string) []ItemInput {
			return []ItemInput{{"1", "Eröffnung", true}, {"2", "Haushalt 2031", true}, {"3", "Grundstücksangelegenheit", false}}
		},
		Changed: func(_ string, v View) { f.views = append(f.views, v) }})
	return f
}

func (f *fixture) do(actor string, fn func(*Session, time.Time) error) *Session {
	f.t.Helper()
	s, err := f.svc.Update(f.booking, actor, fn)
	if err != nil {
		f.t.Fatalf("update: %v", err)
	}
	return s
}

func (f *fixture) refused(code string, fn func(*Session, time.Time) error) {
	f.t.Helper()
	_, err := f.svc.Update(f.booking, "x", fn)
	var e *Error
	if !errors.As(err, &e) || e.Code != code {
		f.t.Fatalf("got %v, want refusal %s", err, code)
	}
}

var names = []string{"Anna Berg", "Bernd Claus", "Cem Demir", "Dora Ernst", "Emil Falk", // room
	"Frieda Gans", "Gül Hansen", "Hauke Iversen", "Inga Jensen"} // remote

// session9 gives the session 9 members, 5 in the room and 4 remote.
func (f *fixture) session9() *Session {
	return f.do("sekretariat", func(s *Session, now time.Time) error {
		for i, n := range names {
			m, err := s.AddMember(n, "")
			if err != nil {
				return err
			}
			if i < 5 {
				s.SetInRoom(now, m.ID, true)
			} else {
				s.SetRemote(now, m.ID, true)
			}
		}
		return nil
	})
}

func TestSeededAgendaAndQuorum(t *testing.T) {
	f := newFixture(t)
	s, err := f.svc.Get(f.booking)
	if err != nil || len(s.Agenda) != 3 || s.Agenda[2].Public {
		t.Fatalf("seeded agenda %+v, %v", s.Agenda, err)
	}
	s = f.session9()
	q := s.QuorumNow()
	if q.Members != 9 || q.Present != 9 || q.Needed != 5 || !q.Quorate || q.InRoom != 5 || q.Remote != 4 {
		t.Fatalf("quorum %+v", q)
	}
	// Remote members leave one after the other: 5 of 9 is still more
	// than half, 4 is not.
	for _, id := range []uint16{6, 7, 8, 9} {
		s = f.do("system", func(s *Session, now time.Time) error { return s.SetRemote(now, id, false) })
	}
	if q := s.QuorumNow(); q.Present != 5 || !q.Quorate {
		t.Fatalf("after 4 left: %+v", q)
	}
	s = f.do("sekretariat", func(s *Session, now time.Time) error { return s.SetInRoom(now, 1, false) })
	if q := s.QuorumNow(); q.Present != 4 || q.Quorate {
		t.Fatalf("after 5 left: %+v", q)
	}
	if last := f.views[len(f.views)-1]; last.Quorum.Quorate || last.Rev != s.Rev {
		t.Fatalf("last view %+v, session rev %d", last, s.Rev)
	}
	// A stricter rule: at least two thirds.
	s = f.do("sekretariat", func(s *Session, _ time.Time) error { return s.SetQuorum(Quorum{Num: 2, Den: 3, AtLeast: true}) })
	if q := s.QuorumNow(); q.Needed != 6 {
		t.Fatalf("two thirds of 9: %+v", q)
	}
}

func TestVoteRoomAndRemote(t *testing.T) {
	f := newFixture(t)
	f.session9()
	f.refused("no-open-item", func(s *Session, now time.Time) error { _, err := s.StartVote(now, "Haushalt?", nil, false); return err })
	f.do("chair", func(s *Session, now time.Time) error { return s.OpenItem(now, 2) })
	f.refused("secret-remote", func(s *Session, now time.Time) error { _, err := s.StartVote(now, "Wahl", nil, true); return err })
	f.do("chair", func(s *Session, now time.Time) error {
		_, err := s.StartVote(now, "Dem Haushalt zustimmen?", nil, false)
		return err
	})
	f.refused("vote-open", func(s *Session, now time.Time) error { return s.OpenItem(now, 3) })
	// Four remote votes, one changed; five room votes entered.
	remote := map[uint16]string{6: "Nein", 7: "Ja", 8: "Enthaltung", 9: "Ja"}
	for id, o := range remote {
		f.do("member", func(s *Session, now time.Time) error { return s.Cast(now, id, o, true) })
	}
	f.do("member", func(s *Session, now time.Time) error { return s.Cast(now, 6, "Ja", true) }) // replaces Nein
	f.refused("invalid-option", func(s *Session, now time.Time) error { return s.Cast(now, 7, "Vielleicht", true) })
	f.refused("not-present", func(s *Session, now time.Time) error { return s.Cast(now, 6, "Ja", false) })
	for id, o := range map[uint16]string{1: "Ja", 2: "Ja", 3: "Nein", 4: "Nein", 5: "Enthaltung"} {
		f.do("sekretariat", func(s *Session, now time.Time) error { return s.Cast(now, id, o, false) })
	}
	s := f.do("chair", func(s *Session, now time.Time) error { _, err := s.CloseVote(now); return err })
	f.refused("no-open-vote", func(s *Session, now time.Time) error { return s.Cast(now, 6, "Nein", true) })
	v := s.View().Vote
	if v == nil || v.Open || len(v.Ballots) != 9 {
		t.Fatalf("vote view %+v", v)
	}
	want := []OptionCount{{"Ja", 5}, {"Nein", 2}, {"Enthaltung", 2}}
	for i, tc := range v.Totals {
		if tc != want[i] {
			t.Fatalf("totals %+v, want %+v", v.Totals, want)
		}
	}
	for _, b := range v.Ballots {
		if b.Name == "Frieda Gans" && (b.Option != "Ja" || !b.Remote) {
			t.Fatalf("Frieda's ballot %+v: the second vote must replace the first", b)
		}
	}
	// The audit has every ballot and presence change.
	audit, err := f.st.Audit(f.booking)
	if err != nil {
		t.Fatal(err)
	}
	casts, presence := 0, 0
	for _, e := range audit {
		switch e.Action {
		case "council_vote_cast":
			casts++
		case "council_presence":
			presence++
		}
	}
	if casts != 10 || presence != 9 {
		t.Fatalf("audit: %d casts, %d presence changes; want 10 and 9", casts, presence)
	}
}

func TestSecretBallotAndHands(t *testing.T) {
	f := newFixture(t)
	f.session9()
	f.do("chair", func(s *Session, now time.Time) error { return s.OpenItem(now, 3) })
	for _, id := range []uint16{6, 7, 8, 9} {
		f.do("system", func(s *Session, now time.Time) error { return s.SetRemote(now, id, false) })
	}
	f.do("chair", func(s *Session, now time.Time) error { _, err := s.StartVote(now, "Verkauf", nil, true); return err })
	f.refused("secret-named", func(s *Session, now time.Time) error { return s.Cast(now, 1, "Ja", false) })
	f.refused("invalid-count", func(s *Session, _ time.Time) error { return s.SetHands(map[string]int{"Ja": 6}) })
	f.do("sekretariat", func(s *Session, _ time.Time) error { return s.SetHands(map[string]int{"Ja": 3, "Nein": 2}) })
	// A remote member who joins now cannot vote in secret.
	f.do("system", func(s *Session, now time.Time) error { return s.SetRemote(now, 6, true) })
	f.refused("secret-remote", func(s *Session, now time.Time) error { return s.Cast(now, 6, "Ja", true) })
	s := f.do("chair", func(s *Session, now time.Time) error { _, err := s.CloseVote(now); return err })
	v := s.View().Vote
	if v.Totals[0].Count != 3 || v.Totals[1].Count != 2 || len(v.Ballots) != 0 {
		t.Fatalf("secret result %+v", v)
	}
	if r := s.View().Redacted(); r.Item.Name != "" || r.Vote.Question != "" {
		t.Fatalf("redacted view shows the closed item: %+v", r)
	}
}

func TestMinutes(t *testing.T) {
	f := newFixture(t)
	f.session9()
	f.do("chair", func(s *Session, now time.Time) error { return s.OpenItem(now, 1) })
	f.do("chair", func(s *Session, now time.Time) error { return s.AddSpeaker(now, "=Anna Berg") })
	f.do("chair", func(s *Session, now time.Time) error {
		_, err := s.StartVote(now, "Tagesordnung", nil, false)
		return err
	})
	f.do("sekretariat", func(s *Session, now time.Time) error { return s.Cast(now, 1, "Ja", false) })
	s := f.do("chair", func(s *Session, now time.Time) error {
		if _, err := s.CloseVote(now); err != nil {
			return err
		}
		return s.CloseItem(now)
	})
	m := s.Minutes("Bürgerschaft", t0, t0.Add(time.Hour))
	if len(m.Person) != 9 || len(m.Attendance) != 9 || len(m.AgendaItem) != 3 {
		t.Fatalf("minutes %+v", m)
	}
	it := m.AgendaItem[0]
	if len(it.Spans) != 1 || it.Spans[0].End.IsZero() || len(it.Speakers) != 1 || len(it.Votes) != 1 || it.Votes[0].Totals[0].Count != 1 {
		t.Fatalf("item 1 in the minutes %+v", it)
	}
	var buf bytes.Buffer
	if err := m.CSV(&buf, time.FixedZone("CET", 3600)); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	text := buf.String()
	for _, r := range rows {
		text += strings.Join(r, "|") + "\n"
	}
	for _, want := range []string{"Anwesenheit|04.03.2030 18:03:00||Anna Berg|anwesend (im Saal)", "Wortmeldung", "'=Anna Berg",
		"Abstimmung|", "Tagesordnung|Ja: 1, Nein: 0, Enthaltung: 0", "Stimme|", "Anna Berg|Ja (im Saal)", "per Video"} {
		if !strings.Contains(text, want) {
			t.Errorf("CSV lacks %q:\n%s", want, text)
		}
	}
}

// TestAcknowledgedVotesSurviveKill: what a kill -9 leaves is the file as
// committed. Every acknowledged ballot is in a copy of the file taken
// while the store is still open, without closing it.
func TestAcknowledgedVotesSurviveKill(t *testing.T) {
	f := newFixture(t)
	f.session9()
	f.do("chair", func(s *Session, now time.Time) error { return s.OpenItem(now, 2) })
	f.do("chair", func(s *Session, now time.Time) error { _, err := s.StartVote(now, "Haushalt", nil, false); return err })
	for id := uint16(1); id <= 9; id++ {
		f.do("x", func(s *Session, now time.Time) error { return s.Cast(now, id, "Ja", id > 5) })
	}
	raw, err := os.ReadFile(f.path)
	if err != nil {
		t.Fatal(err)
	}
	cp := filepath.Join(t.TempDir(), "after-kill.db")
	if err := os.WriteFile(cp, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(cp, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	s, err := NewService(Options{Store: st}).Get(f.booking)
	if err != nil {
		t.Fatal(err)
	}
	if v := s.OpenVote(); v == nil || len(v.Ballots) != 9 {
		t.Fatalf("after the kill: %+v", v)
	}
}
