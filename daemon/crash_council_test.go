package main

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// councilFact is what the secretary has changed for one member: marked
// in the chamber or not, and the room vote entered for them ("" none).
type councilFact struct {
	InRoom bool
	Option string
}

// TestKill9NeverLosesAnAcknowledgedCouncilVote runs a council session
// through the secretary's HTTP API while three clients mark room members
// present or absent and enter their votes; the daemon is SIGKILLed right
// after a random number of answers (so other requests are in flight),
// restarted on the same data, and every acknowledged presence and vote
// must be there. Each client owns its members and sends one change at a
// time, so a member has at most one change in flight at the kill: it may
// or may not have landed, nothing else may differ.
func TestKill9NeverLosesAnAcknowledgedCouncilVote(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 0))
	dir := t.TempDir()
	cfg := writeConfig(t, dir, testRoomsTOML)

	d := startDaemon(t, cfg, dir)
	// A session that sits now (its room's preparation lead has begun):
	// presence and votes are recorded only then.
	start := time.Now().UTC().Truncate(time.Minute).Add(time.Minute)
	code, body := d.call("POST", "/api/v1/bookings", map[string]any{"room": "ratssaal", "kind": "council",
		"title": "Rat der Stadt", "start": start.Format(time.RFC3339), "end": start.Add(3 * time.Hour).Format(time.RFC3339)})
	if code != 201 {
		t.Fatalf("council booking: %d %s", code, body)
	}
	var bv bookingView
	json.Unmarshal(body, &bv)
	base := "/api/v1/bookings/" + bv.ID + "/council"
	var ses crashSession
	for i := 1; i <= 9; i++ {
		ses = councilCall(t, d, "POST", base+"/members", map[string]any{"name": fmt.Sprintf("Mitglied %d", i)})
	}
	ses = councilCall(t, d, "POST", base+"/agenda", map[string]any{"number": "1", "name": "Haushaltssatzung", "public": true})
	councilCall(t, d, "POST", fmt.Sprintf("%s/agenda/%d/open", base, ses.Agenda[0].ID), nil)
	ses = councilCall(t, d, "POST", base+"/votes", map[string]any{"question": "Zustimmung zur Haushaltssatzung?"})
	if ses.Now.Vote == nil {
		t.Fatalf("no open vote: %+v", ses.Now)
	}
	vote := fmt.Sprintf("%s/votes/%d", base, ses.Now.Vote.ID)
	acked := map[uint16]councilFact{}
	names := map[string]uint16{}
	for _, m := range ses.Members {
		acked[m.ID] = councilFact{}
		names[m.Name] = m.ID
	}

	votes := 0 // acknowledged ballots seen after the restarts
	for round := 0; round < 6; round++ {
		pending := changeUntilKilled(d, base, vote, ses.Members, acked, 1+rng.IntN(25), rng.Uint64())
		d.wait()
		d = startDaemon(t, cfg, dir)
		got := storedFacts(t, d, base, names)
		for id, want := range acked {
			if got[id] == want {
				continue
			}
			if p, ok := pending[id]; ok && got[id] == p {
				acked[id] = p // the unanswered change landed
				continue
			}
			t.Fatalf("round %d: member %d is %+v after the restart, acknowledged %+v (in flight: %+v)", round, id, got[id], want, pending[id])
		}
		for _, f := range acked {
			if f.Option != "" {
				votes++
			}
		}
	}
	t.Logf("%d acknowledged ballots checked over 6 restarts", votes)
	if votes == 0 {
		t.Fatal("no vote was acknowledged: the test did not exercise the store")
	}
}

// crashSession is what the council API answers, as far as this test reads it.
type crashSession struct {
	Members []crashMember `json:"members"`
	Agenda  []struct {
		ID uint16 `json:"id"`
	} `json:"agenda"`
	Now struct {
		Vote *struct {
			ID uint16 `json:"id"`
		} `json:"vote"`
	} `json:"now"`
}

type crashMember struct {
	ID     uint16 `json:"id"`
	Name   string `json:"name"`
	InRoom bool   `json:"in_room"`
}

func councilCall(t *testing.T, d *child, method, path string, body any) crashSession {
	t.Helper()
	code, raw := d.call(method, path, body)
	if code != http.StatusOK {
		t.Fatalf("%s %s: %d %s", method, path, code, raw)
	}
	var s crashSession
	if err := json.Unmarshal(raw, &s); err != nil {
		t.Fatal(err)
	}
	return s
}

// storedFacts reads presence from the session and the votes from the
// minutes (which name who voted how while the vote is still open).
func storedFacts(t *testing.T, d *child, base string, names map[string]uint16) map[uint16]councilFact {
	t.Helper()
	got := map[uint16]councilFact{}
	for _, m := range councilCall(t, d, "GET", base, nil).Members {
		got[m.ID] = councilFact{InRoom: m.InRoom}
	}
	code, raw := d.call("GET", base+"/minutes", nil)
	if code != http.StatusOK {
		t.Fatalf("minutes: %d %s", code, raw)
	}
	var m struct {
		AgendaItem []struct {
			Votes []struct {
				Ballots []struct{ Name, Option string } `json:"ballots"`
			} `json:"votes"`
		} `json:"agendaItem"`
	}
	if err := json.Unmarshal(raw, &m); err != nil || len(m.AgendaItem) != 1 || len(m.AgendaItem[0].Votes) != 1 {
		t.Fatalf("minutes: %v %s", err, raw)
	}
	for _, b := range m.AgendaItem[0].Votes[0].Ballots {
		f := got[names[b.Name]]
		f.Option = b.Option
		got[names[b.Name]] = f
	}
	return got
}

// changeUntilKilled runs three clients, each owning every third member:
// a member out of the room is marked present, one in the room gets a vote
// (or a changed one), or now and then leaves. The daemon is SIGKILLed at
// the killAfter-th answer. acked is updated with every answered change;
// the changes sent but unanswered at the kill are returned.
func changeUntilKilled(d *child, base, vote string, members []crashMember, acked map[uint16]councilFact, killAfter int, seed uint64) map[uint16]councilFact {
	var mu sync.Mutex
	pending := map[uint16]councilFact{}
	answers := 0
	var kill sync.Once
	var wg sync.WaitGroup
	options := []string{"Ja", "Nein", "Enthaltung"}
	for w := 0; w < 3; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(seed, uint64(w)))
			client := d.local()
			for i := 0; i < 100; i++ {
				m := members[w+3*rng.IntN(len(members)/3)].ID
				mu.Lock()
				f := acked[m]
				mu.Unlock()
				var path, body string
				switch {
				case !f.InRoom:
					f.InRoom = true
					path, body = fmt.Sprintf("%s/members/%d/presence", base, m), `{"in_room":true}`
				case rng.IntN(5) == 0:
					f.InRoom = false // the ballot stays: it was cast while present
					path, body = fmt.Sprintf("%s/members/%d/presence", base, m), `{"in_room":false}`
				default:
					f.Option = options[rng.IntN(len(options))]
					path, body = vote+"/ballots", fmt.Sprintf(`{"member":%d,"option":%q}`, m, f.Option)
				}
				method := "POST"
				if strings.HasSuffix(path, "/presence") {
					method = "PUT"
				}
				mu.Lock()
				pending[m] = f
				mu.Unlock()
				req, _ := http.NewRequest(method, "http://kogge"+path, strings.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				resp, err := client.Do(req)
				if err != nil {
					return // killed: the change stays pending
				}
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					d.t.Errorf("%s %s %s: %d", method, path, body, resp.StatusCode)
					return
				}
				mu.Lock()
				acked[m] = f
				delete(pending, m)
				answers++
				n := answers
				mu.Unlock()
				if n >= killAfter {
					kill.Do(func() { d.cmd.Process.Kill() })
				}
			}
		}(w)
	}
	wg.Wait()
	kill.Do(func() { d.cmd.Process.Kill() })
	return pending
}
