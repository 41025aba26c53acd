package main

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kogge-project/kogge/internal/etcdtest"
	"github.com/kogge-project/kogge/signaling"
)

// closedReason reads on until the server's closed message and returns
// its reason.
func (c *meetClient) closedReason() string {
	c.t.Helper()
	_ = c.ws.SetReadDeadline(time.Now().Add(15 * time.Second))
	for {
		var m meetMsg
		if err := c.ws.ReadJSON(&m); err != nil {
			c.t.Fatalf("waiting for closed: %v", err)
		}
		if m.Type == "closed" {
			return m.Reason
		}
	}
}

// A meeting its host ended before its closing time stays ended on every
// node: a join through any other node right after the end — before that
// node's copy need have heard of it — is told it ended, and no node opens
// the meeting anew. What every node sees is the meeting's memo, which
// keeps the end until the closing time (signaling/memory.go).
func TestClusterEndedMeetingStaysEnded(t *testing.T) {
	c := etcdtest.Start(t, 3)
	nodes := clusterNodes(t, c, 3)
	anna := nodes[0].login("anna")
	b := anna.createHybrid("Bauausschuss", "")
	r := anna.do("GET", "/api/v1/bookings/"+b.ID+"/join", nil)
	var links struct {
		HostURL  string `json:"host_url"`
		GuestURL string `json:"guest_url"`
	}
	r.json(t, &links)
	if r.status != http.StatusOK || !strings.Contains(links.HostURL, "/j/") || !strings.Contains(links.GuestURL, "/j/") {
		t.Fatalf("join links: %d %s", r.status, r.body)
	}
	token := func(u string) string { return u[strings.LastIndex(u, "/j/")+3:] }
	for _, n := range nodes[1:] {
		n.caughtUp()
	}

	// The host joins and ends the meeting through node 2, wherever the
	// meeting runs.
	host := dialMeeting(t, nodes[1], token(links.HostURL), "Vorsitz")
	host.next("welcome")
	owner := ownerOf(t, nodes, b.ID)
	if err := host.ws.WriteJSON(map[string]any{"type": "end"}); err != nil {
		t.Fatal(err)
	}
	if why := host.closedReason(); why != signaling.ReasonEnded {
		t.Fatalf("the host was told %q, want ended", why)
	}

	// Right away, the links through every other node: ended.
	for i, n := range nodes {
		if i == owner {
			continue
		}
		for _, tok := range []string{token(links.HostURL), token(links.GuestURL)} {
			if why := dialMeeting(t, n, tok, "Nachzüglerin").closedReason(); why != signaling.ReasonEnded {
				t.Fatalf("a join through node %d after the end: %q, want ended", i+1, why)
			}
		}
	}
	for i, n := range nodes {
		if _, open := n.d.meetings.Hub().Meeting(b.ID); open {
			t.Fatalf("node %d opened the ended meeting again", i+1)
		}
	}

	// The memo in the store keeps the end until the closing time, and
	// nobody to resume (written just after the end: polled).
	deadline := time.Now().Add(10 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		resp, err := nodes[0].d.etcd.Get(ctx, etcdPrefix+"store/d/meeting_memos//"+b.ID)
		cancel()
		var memo signaling.MeetingMemo
		if err == nil && len(resp.Kvs) > 0 && json.Unmarshal(resp.Kvs[0].Value, &memo) == nil && !memo.Ended.IsZero() {
			if len(memo.Participants) != 0 {
				t.Fatalf("memo %s, want nobody", resp.Kvs[0].Value)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the ended meeting's memo has no end mark: %v", err)
		}
		time.Sleep(20 * time.Millisecond) // polling a key, not timing
	}
}
