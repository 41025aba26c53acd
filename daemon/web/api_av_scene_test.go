package web

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kogge-project/kogge/rooms/av/roomav"
)

// sceneStream reads the "scene" events of one room from /events. Open it
// before starting a scene: the stream carries what happens after it opens.
type sceneStream struct {
	t      *testing.T
	events chan roomav.SceneEvent
}

func (e *testEnv) sceneStream(room string) *sceneStream {
	e.t.Helper()
	plain, _, err := e.accounts.CreateToken("bernd", "scene events")
	if err != nil {
		e.t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second) // a failure bound
	e.t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, "GET", e.srv.URL+"/api/v1/events?room="+room, nil)
	req.Header.Set("Authorization", "Bearer "+plain)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	lines := bufio.NewScanner(res.Body)
	if !lines.Scan() || !strings.HasPrefix(lines.Text(), ": kogge events") {
		e.t.Fatalf("stream start %q", lines.Text())
	}
	s := &sceneStream{t: e.t, events: make(chan roomav.SceneEvent, 64)}
	go func() {
		defer res.Body.Close()
		defer close(s.events)
		for lines.Scan() {
			if lines.Text() != "event: scene" || !lines.Scan() {
				continue
			}
			var ev roomav.SceneEvent
			if json.Unmarshal([]byte(strings.TrimPrefix(lines.Text(), "data: ")), &ev) == nil {
				s.events <- ev
			}
		}
	}()
	return s
}

// run collects the events of run id up to its end, within d.
func (s *sceneStream) run(id string, d time.Duration) (results []roomav.SceneEvent, end roomav.SceneEvent) {
	s.t.Helper()
	deadline := time.After(d)
	for {
		select {
		case ev, ok := <-s.events:
			if !ok {
				s.t.Fatal("the event stream ended before the scene did")
			}
			if ev.ID != id {
				continue
			}
			if ev.Done {
				return results, ev
			}
			results = append(results, ev)
		case <-deadline:
			s.t.Fatalf("scene run %s did not end within %v (results so far %+v)", id, d, results)
		}
	}
}

// startScene posts a scene and returns its run id; the answer must be 202.
func startScene(t *testing.T, c *client, path string) string {
	t.Helper()
	var started struct {
		ID string `json:"id"`
	}
	r := c.do("POST", path, nil)
	if r.status != http.StatusAccepted {
		t.Fatalf("POST %s: %d %s, want 202", path, r.status, r.body)
	}
	if err := json.Unmarshal(r.body, &started); err != nil || started.ID == "" {
		t.Fatalf("POST %s: %s", path, r.body)
	}
	return started.ID
}

// A scene answers at once with 202 and its id; each action's result
// (the device named by label too) and then the end arrive as "scene"
// events, from the staff API and the panel alike.
func TestScenesAnswerAtOnceAndReportOnTheEventStream(t *testing.T) {
	e := newTestEnv(t)
	e.withDemoDevices()
	events := e.sceneStream("ratssaal")
	anna := e.login("anna")
	begin := time.Now()
	id := startScene(t, anna, "/api/v1/rooms/ratssaal/scenes/hybrid")
	if took := time.Since(begin); took > time.Second {
		t.Errorf("the scene request took %v; it must answer at once", took)
	}
	results, end := events.run(id, 20*time.Second)
	if len(results) == 0 || !end.Done || end.Scene != "hybrid" || end.Room != "ratssaal" {
		t.Fatalf("results %+v end %+v", results, end)
	}
	for _, r := range results {
		if r.Device == "" || r.Label == "" || r.Command == "" {
			t.Errorf("a result without its device in words: %+v", r)
		}
		if !r.OK && strings.Contains(r.Error, "ratssaal/") {
			t.Errorf("an error names the internal key: %q", r.Error)
		}
	}
	rp := e.panel("ratssaal", "Tür Ratssaal")
	pid := startScene(t, rp, "/api/v1/panel/ratssaal/scenes/hybrid")
	if _, end := events.run(pid, 20*time.Second); !end.Done {
		t.Fatalf("panel scene end %+v", end)
	}
}
