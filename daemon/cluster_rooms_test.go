package main

import (
	"net/http"
	"testing"
	"time"

	"github.com/kogge-project/kogge/daemon/config"
	"github.com/kogge-project/kogge/rooms/av"
)

// Room devices on a cluster (docs/cluster.md, "Room devices"), through
// the daemon as it is built: each room's devices are driven by one node,
// and a person, a panel or the daemon's own jobs acting through any node
// reach them through that one.

// Each room's devices get connections from exactly one node, which every
// node names as the room's driver; the others show what it publishes.
func TestClusterRoomDevicesHaveOneDriver(t *testing.T) {
	rc := startRoomCluster(t)
	anna := rc.nodes[0].login("anna")
	for room, dev := range map[string]string{"ratssaal": "beamer", "sitzungszimmer-2": "display"} {
		d := rc.driver(room)
		for i, n := range rc.nodes {
			waitDevice(anna.on(n), room, dev, "the driver's status", online)
			if i != d && rc.taps[i][dev].connections() != 0 {
				t.Errorf("node %d, which does not drive %s, opened %d connections to its %s", i+1, room, rc.taps[i][dev].connections(), dev)
			}
		}
		if rc.taps[d][dev].connections() == 0 {
			t.Errorf("the driver of %s (node %d) has no connection to its %s", room, d+1, dev)
		}
	}
	// The Ratssaal's DSP too (one control connection, subscriptions).
	d := rc.driver("ratssaal")
	waitDevice(anna.on(rc.nodes[d]), "ratssaal", "dsp", "the DSP", online)
	for i := range rc.nodes {
		if n := rc.taps[i]["dsp"].connections(); (i == d) != (n > 0) {
			t.Errorf("node %d opened %d connections to the DSP; the driver is node %d", i+1, n, d+1)
		}
	}
}

// A person logged in on a node that does not drive the room starts a
// scene there: it runs once, on the driver (the display sees its command
// once, through the driver's connection only), the answer is the
// driver's run, and the person's event stream on the node they use
// tells when it ended. A device command through the third node is
// answered with the driver's status.
func TestClusterSceneThroughAnotherNodeRunsOnTheDriver(t *testing.T) {
	rc := startRoomCluster(t)
	const room = "sitzungszimmer-2"
	d := rc.driver(room)
	other, third := (d+1)%3, (d+2)%3
	anna := loginAt(t, rc.nodes[other], "anna")
	stream := anna.events(rc.nodes[other], "/api/v1/events?room="+room)

	id := runID(t, anna.do(rc.nodes[other], "POST", "/api/v1/rooms/"+room+"/scenes/on", nil))
	if failed := stream.sceneEnd(id); failed != 0 {
		t.Fatalf("the scene ended with %d failed actions", failed)
	}
	if n := rc.devs.Display.Sets("POWR 1"); n != 1 {
		t.Errorf("the display was switched on %d times, want once", n)
	}
	for i := range rc.nodes {
		if i != d && rc.taps[i]["display"].connections() != 0 {
			t.Errorf("node %d, which does not drive the room, talked to the display", i+1)
		}
	}
	token := rc.nodes[0].login("anna")
	waitDevice(token.on(rc.nodes[other]), room, "display", "the display switched on", func(st av.Status) bool { return st.State["power"] == "on" })

	r := token.on(rc.nodes[third]).do("POST", "/api/v1/rooms/"+room+"/devices/display/commands",
		map[string]any{"command": "power", "args": map[string]string{"on": "false"}})
	var st av.Status
	if r.status != http.StatusOK {
		t.Fatalf("device command through node %d: %d %s", third+1, r.status, r.body)
	}
	r.json(t, &st)
	if st.ID != "display" || st.Health != av.Online {
		t.Errorf("the command's answer %+v, want the display's status from its driver", st)
	}
	if n := rc.devs.Display.Sets("POWR 0"); n != 1 {
		t.Errorf("the display was switched off %d times, want once", n)
	}
}

// A panel paired on one node and acting through another (the load
// balancer chose): its scene and its microphone mute run on the room's
// driver.
func TestClusterPanelActsThroughAnotherNode(t *testing.T) {
	rc := startRoomCluster(t)
	const room = "ratssaal"
	d := rc.driver(room)
	pairedOn, actsOn := rc.nodes[(d+1)%3], rc.nodes[(d+2)%3]
	panel := pairPanel(t, rc, pairedOn, room)
	waitDevice(rc.nodes[0].login("anna").on(rc.nodes[d]), room, "dsp", "the DSP", online)

	r := panel.do(actsOn, "POST", "/api/v1/panel/"+room+"/mute", map[string]bool{"mute": true})
	if r.status != http.StatusOK {
		t.Fatalf("panel mute through another node: %d %s", r.status, r.body)
	}
	for _, ch := range []int{1, 2, 3} {
		if v, _ := rc.devs.DSP.Value("MicMute", "mute", ch); v != "true" {
			t.Errorf("microphone %d after the panel's mute: %q", ch, v)
		}
	}
	stream := panel.events(actsOn, "/api/v1/panel/"+room+"/events")
	id := runID(t, panel.do(actsOn, "POST", "/api/v1/panel/"+room+"/scenes/off", nil))
	if failed := stream.sceneEnd(id); failed != 0 {
		t.Fatalf("the panel's scene ended with %d failed actions", failed)
	}
	if n := rc.devs.Beamer.Sets("POWR 0"); n != 1 {
		t.Errorf("the projector got %d power-offs, want one", n)
	}
	for i := range rc.nodes {
		for _, dev := range []string{"beamer", "dsp"} {
			if i != d && rc.taps[i][dev].connections() != 0 {
				t.Errorf("node %d, which does not drive the room, talked to its %s", i+1, dev)
			}
		}
	}
}

// pairPanel pairs a panel for room through node e as a tablet and an
// administrator would, and returns the panel with its cookie.
func pairPanel(t *testing.T, rc *roomCluster, e *testEnv, room string) *person {
	t.Helper()
	tablet := &person{t: t}
	var p struct{ ID, Code, Secret string }
	r := tablet.do(e, "POST", "/api/v1/panels/pairings", nil)
	if r.status != http.StatusCreated {
		t.Fatalf("pairing: %d %s", r.status, r.body)
	}
	r.json(t, &p)
	admin := loginAt(t, e, "admin")
	if r := admin.do(e, "POST", "/api/v1/panels/pairings/approve", map[string]string{"code": p.Code, "room": room, "name": "Tür"}); r.status != http.StatusCreated {
		t.Fatalf("approve: %d %s", r.status, r.body)
	}
	req, _ := http.NewRequest("GET", e.url()+"/api/v1/panels/pairings/"+p.ID, nil)
	req.Header.Set("X-Kogge-Pairing-Secret", p.Secret)
	resp, err := httpClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || len(resp.Cookies()) == 0 {
		t.Fatalf("claiming the pairing: %d", resp.StatusCode)
	}
	tablet.cookies = resp.Cookies()
	return tablet
}

// The evening power-off runs on the leader; a room another node drives
// goes to standby all the same, its commands sent to the driver through
// etcd (rooms/av/avetcd, commands.go).
func TestClusterPowerOffReachesAnotherNodesRoom(t *testing.T) {
	rc := startRoomCluster(t)
	const room = "sitzungszimmer-2"
	lead := rc.leader()
	to := (lead + 1) % 3
	rc.moveRoom(room, to)
	rc.awaitDriver(room, func(d int) bool { return d == to })
	anna := rc.nodes[0].login("anna")
	id := runID(t, anna.on(rc.nodes[to]).do("POST", "/api/v1/rooms/"+room+"/scenes/on", nil))
	waitDevice(anna.on(rc.nodes[lead]), room, "display", "the display switched on (run "+id+")", func(st av.Status) bool { return st.State["power"] == "on" })
	// The first driver (the first node up drives every room) let go of
	// the display before the new one switched it on.
	before := make([]int, len(rc.nodes))
	for i := range rc.nodes {
		before[i] = rc.taps[i]["display"].connections()
	}

	summary, err := rc.nodes[lead].d.jobActions()["power-off"](t.Context(), config.Job{Name: "standby", Rooms: []string{room}})
	if err != nil || summary != "1 devices to standby, 0 rooms in use left on, 0 failed" {
		t.Fatalf("power-off on the leader: %q %v", summary, err)
	}
	if n := rc.devs.Display.Sets("POWR 0"); n != 1 {
		t.Errorf("the display got %d power-offs, want one", n)
	}
	for i := range rc.nodes {
		if i != to && rc.taps[i]["display"].connections() != before[i] {
			t.Errorf("node %d, which does not drive the room, talked to the display", i+1)
		}
	}
	waitDevice(anna.on(rc.nodes[lead]), room, "display", "the display in standby", func(st av.Status) bool { return st.State["power"] == "off" })
}

// The driver stops (a graceful shutdown): within a few seconds another
// node drives the room (the projector sees its connection), and a scene
// through any node runs again.
func TestClusterRoomMovesWhenItsDriverStops(t *testing.T) {
	rc := startRoomCluster(t)
	const room = "sitzungszimmer-2"
	d := rc.driver(room)
	anna := rc.nodes[0].login("anna")
	waitDevice(anna.on(rc.nodes[d]), room, "display", "the display", online)

	stopped := time.Now()
	rc.nodes[d].stop()
	var live []int
	for i := range rc.nodes {
		if i != d {
			live = append(live, i)
		}
	}
	next := rc.awaitDriver(room, func(n int) bool { return n != d }, live...)
	for rc.taps[next]["display"].connections() == 0 {
		if time.Since(stopped) > roomsDeadline {
			t.Fatalf("the new driver, node %d, did not connect to the display", next+1)
		}
		time.Sleep(20 * time.Millisecond) // polling, not timing
	}
	took := time.Since(stopped)
	t.Logf("node %d drives the room %.1f s after its driver stopped", next+1, took.Seconds())
	if took > 5*time.Second {
		t.Errorf("the room was driven again after %s, want a few seconds", took)
	}
	for _, i := range live {
		p := loginAt(t, rc.nodes[i], "anna")
		stream := p.events(rc.nodes[i], "/api/v1/events?room="+room)
		id := runID(t, p.do(rc.nodes[i], "POST", "/api/v1/rooms/"+room+"/scenes/on", nil))
		if failed := stream.sceneEnd(id); failed != 0 {
			t.Fatalf("the scene through node %d ended with %d failed actions", i+1, failed)
		}
	}
	if n := rc.devs.Display.Sets("POWR 1"); n != 2 {
		t.Errorf("the display was switched on %d times, want twice (a scene through each live node)", n)
	}
}
