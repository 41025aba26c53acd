package signaling

import (
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

func joinTicket(m *meeting, id string, role Role, link string, until time.Time) *fakeEndpoint {
	ep := newFakeEndpoint()
	m.post(joinReq{p: &participant{id: id, name: id, role: role, link: link, until: until, ep: ep}})
	return ep
}

func stillOpen(t *testing.T, name string, ep *fakeEndpoint) {
	t.Helper()
	select {
	case r := <-ep.closed:
		t.Fatalf("%s closed: %+v", name, r)
	default:
	}
}

func TestRevoke(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var audits []string
		h := NewHub(Config{Hooks: Hooks{Audit: func(_, actor, action, detail string) {
			audits = append(audits, actor+" "+action+" "+detail)
		}}}, nil, &fakeMedia{})
		defer h.Close()
		m, _ := h.open(MeetingSpec{ID: "m", Lobby: true}, nil)
		host := joinTicket(m, "host", RoleHost, "host:1", time.Time{})
		cohost := joinTicket(m, "cohost", RoleHost, "host:2", time.Time{})
		waiter := joinTicket(m, "waiter", RoleGuest, "guest:3", time.Time{})
		guest := joinTicket(m, "guest", RoleGuest, "guest:3", time.Time{})
		other := joinTicket(m, "other", RoleGuest, "guest:4", time.Time{})
		m.post(inboundReq{id: "host", typ: "admit", msg: &admitMsg{ID: "guest"}})
		synctest.Wait()

		h.Revoke("m", func(link string) bool { return link != "guest:3" && link != "host:2" })
		h.Revoke("not open", func(string) bool { return false })
		for name, ep := range map[string]*fakeEndpoint{"waiter": waiter, "guest": guest, "cohost": cohost} {
			r := <-ep.closed
			if r.Reason != ReasonInvalidToken || r.Message != "This link was withdrawn." {
				t.Fatalf("%s closed %+v", name, r)
			}
		}
		synctest.Wait()
		stillOpen(t, "host", host)
		stillOpen(t, "other", other)
		if s := host.last(); s.Type != "state" || len(s.Participants) != 1 || !inLobby("other")(s) {
			t.Fatalf("host state %+v", s)
		}
		if n := len(slices.DeleteFunc(audits, func(a string) bool { return !strings.Contains(a, " revoke ") })); n != 3 {
			t.Fatalf("revoke audits: %d", n)
		}
	})
}

func TestLobbyUntil(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := NewHub(Config{}, nil, &fakeMedia{})
		defer h.Close()
		start := time.Now()
		until := start.Add(10 * time.Minute)
		m, _ := h.open(MeetingSpec{ID: "m", Lobby: true}, nil)
		host := joinTicket(m, "host", RoleHost, "", until) // hosts never wait
		waiter := joinTicket(m, "waiter", RoleGuest, "", until)
		late := joinTicket(m, "late", RoleGuest, "", start.Add(20*time.Minute))
		open := joinTicket(m, "open", RoleGuest, "", time.Time{})
		admitted := joinTicket(m, "admitted", RoleGuest, "", until)
		m.post(inboundReq{id: "host", typ: "admit", msg: &admitMsg{ID: "admitted"}})

		if r := <-waiter.closed; r.Reason != ReasonEnded {
			t.Fatalf("waiter closed %+v", r)
		}
		if d := time.Since(start); d != 10*time.Minute {
			t.Fatalf("waiter sent away after %v", d)
		}
		synctest.Wait()
		for name, ep := range map[string]*fakeEndpoint{"host": host, "late": late, "open": open, "admitted": admitted} {
			stillOpen(t, name, ep)
		}
		if !inLobby("late", "open")(host.last()) {
			t.Fatalf("lobby %+v", host.last().Lobby)
		}
		// Arriving after until: not into the lobby.
		if r := <-joinTicket(m, "after", RoleGuest, "", until).closed; r.Reason != ReasonEnded {
			t.Fatalf("late arrival closed %+v", r)
		}
		if r := <-late.closed; r.Reason != ReasonEnded || time.Since(start) != 20*time.Minute {
			t.Fatalf("second waiter closed %+v after %v", r, time.Since(start))
		}
		stillOpen(t, "open", open)
		stillOpen(t, "admitted", admitted)
	})
}

func TestEndedMarkersBounded(t *testing.T) {
	h := NewHub(Config{}, nil, &fakeMedia{})
	defer h.Close()
	now := time.Now()
	for i := range maxEndedMarkers {
		h.ended[strings.Repeat("x", i%7)+time.Duration(i).String()] = now.Add(time.Hour + time.Duration(i))
	}
	h.ended["expired"] = now.Add(-time.Minute)
	m := newMeeting(h, MeetingSpec{ID: "new", Closes: now.Add(time.Hour)})
	h.forget(m, refusal(ReasonEnded))
	if len(h.ended) > maxEndedMarkers {
		t.Fatalf("%d markers", len(h.ended))
	}
	if _, ok := h.ended["new"]; !ok {
		t.Fatal("the newest end is not marked")
	}
	if _, ok := h.ended["expired"]; ok {
		t.Fatal("expired marker kept")
	}
}
