package web

import (
	"testing"
	"time"

	"github.com/kogge-project/kogge/rooms/store"
)

// The history API keeps the stored entry's fields and adds who acted,
// typed field changes and what the detail says, for the page to word.
func TestHistoryIsStructured(t *testing.T) {
	e := newTestEnv(t)
	anna := e.login("anna")
	b := anna.create(map[string]any{"start": "2026-12-01T14:00:00+01:00", "end": "2026-12-01T15:00:00+01:00"})
	etag := anna.do("GET", "/api/v1/bookings/"+b.ID, nil).header.Get("ETag")
	anna.do("PATCH", "/api/v1/bookings/"+b.ID, map[string]any{"end": "2026-12-01T16:00:00+01:00", "hybrid": map[string]any{"enabled": true, "expected_remote": 4}}, "If-Match", etag)
	for _, a := range []store.AuditEntry{
		{Actor: "panel:Tür (01JPANEL)", Action: "checkin"},
		{Actor: "Eva (host)", Action: "meeting.remove", Detail: "Max (guest) p-3"},
		{Actor: "broker", Action: store.ActionProviderMove, Detail: "from builtin to pexip: full"},
		{Actor: "bernd (token)", Action: store.ActionJoinUpdate, Detail: "lobby on; candidate 2 slot 2026-12-01T13:00:00Z–2026-12-01T13:30:00Z; pin set"},
	} {
		a.BookingID, a.Time = b.ID, testNow.Add(time.Hour)
		if err := e.store.AppendAudit(a); err != nil {
			t.Fatal(err)
		}
	}
	var hist struct {
		History []struct {
			Action  string                  `json:"action"`
			Changes map[string]store.Change `json:"changes"`
			By      historyActor            `json:"by"`
			Fields  []map[string]any        `json:"fields"`
			About   map[string]any          `json:"about"`
		} `json:"history"`
	}
	anna.do("GET", "/api/v1/bookings/"+b.ID+"/history", nil).json(t, &hist)
	byAction := map[string]int{}
	for i, h := range hist.History {
		byAction[h.Action] = i
	}
	up := hist.History[byAction["update"]]
	if up.By != (historyActor{Kind: "person", Name: "anna"}) || up.Changes["end"].After == "" {
		t.Fatalf("update: %+v", up)
	}
	want := map[string][2]any{"end": {"2026-12-01T14:00:00Z", "2026-12-01T15:00:00Z"}, "hybrid.enabled": {false, true}, "hybrid.expected_remote": {0.0, 4.0}}
	for _, f := range up.Fields {
		w, ok := want[f["field"].(string)]
		if !ok {
			t.Errorf("unexpected field %v", f)
			continue
		}
		if f["before"] != w[0] && !(w[0] == false && f["before"] == nil) || f["after"] != w[1] {
			t.Errorf("field %v, want %v", f, w)
		}
	}
	if len(up.Fields) != len(want) {
		t.Errorf("fields %v", up.Fields)
	}
	if h := hist.History[byAction["checkin"]]; h.By != (historyActor{Kind: "panel", Name: "Tür"}) {
		t.Errorf("panel actor %+v", h.By)
	}
	if h := hist.History[byAction["meeting.remove"]]; h.By != (historyActor{Kind: "host", Name: "Eva"}) || h.About["name"] != "Max" || h.About["role"] != "guest" {
		t.Errorf("meeting: %+v %+v", h.By, h.About)
	}
	if h := hist.History[byAction["provider.move"]]; h.By.Kind != "broker" || h.About["from"] != "builtin" || h.About["to"] != "pexip" || h.About["reason"] != "full" {
		t.Errorf("move: %+v %+v", h.By, h.About)
	}
	j := hist.History[byAction["join.update"]]
	facts, _ := j.About["changes"].([]any)
	if j.By != (historyActor{Kind: "token", Name: "bernd"}) || len(facts) != 3 || facts[0].(map[string]any)["what"] != "lobby_on" ||
		facts[1].(map[string]any)["what"] != "candidate_slot" || facts[1].(map[string]any)["n"] != 2.0 || facts[2].(map[string]any)["what"] != "pin_set" {
		t.Errorf("join: %+v %+v", j.By, j.About)
	}
}
