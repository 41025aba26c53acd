package web

import (
	"bufio"
	"context"
	"net/http"
	"strings"
	"testing"
	"time"
)

// A booking made by one secretary reaches the open pages of the others as
// a "booking" event (ids and times, no title), filtered by room.
func TestBookingChangesReachTheEventStream(t *testing.T) {
	e := newTestEnv(t)
	plain, _, err := e.accounts.CreateToken("bernd", "events")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second) // a failure bound
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", e.srv.URL+"/api/v1/events?room=ratssaal", nil)
	req.Header.Set("Authorization", "Bearer "+plain)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	lines := bufio.NewScanner(res.Body)
	if !lines.Scan() || !strings.HasPrefix(lines.Text(), ": kogge events") {
		t.Fatalf("stream start %q", lines.Text())
	}
	anna := e.token("anna")
	anna.create(map[string]any{"room": "sitzungszimmer-2", "start": "2026-12-01T09:00:00+01:00", "end": "2026-12-01T10:00:00+01:00"}) // another room: filtered out
	b := anna.create(map[string]any{"title": "Geheimsache"})
	for lines.Scan() {
		if lines.Text() != "event: booking" {
			continue
		}
		lines.Scan()
		data := lines.Text()
		if !strings.Contains(data, b.ID) || !strings.Contains(data, `"room":"ratssaal"`) || strings.Contains(data, "Geheimsache") {
			t.Fatalf("booking event %s", data)
		}
		return
	}
	t.Fatalf("no booking event: %v", lines.Err())
}
