package roomav

import (
	"context"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/kogge-project/kogge/rooms/av"
	"github.com/kogge-project/kogge/rooms/timeline"
)

// fakeDriver records the commands its device was sent.
type fakeDriver struct {
	mu       sync.Mutex
	commands []string
	closed   bool
}

func (f *fakeDriver) Connect(context.Context) error { return nil }
func (f *fakeDriver) Exec(_ context.Context, cmd av.Command) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.commands = append(f.commands, cmd.Name)
	return nil
}
func (f *fakeDriver) Poll(context.Context) (av.State, error) { return av.State{"power": "on"}, nil }
func (f *fakeDriver) Close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.closed = true
	return nil
}

func (f *fakeDriver) sent() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.commands)
}

// drivers builds fake drivers and keeps the latest for each room/device.
type drivers struct {
	mu     sync.Mutex
	built  map[string]*fakeDriver
	builds map[string]int // room -> drivers built
}

func (d *drivers) new(dc av.DeviceConfig) (av.Driver, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.built == nil {
		d.built, d.builds = map[string]*fakeDriver{}, map[string]int{}
	}
	f := &fakeDriver{}
	d.built[DeviceKey(dc.Room, dc.ID)] = f
	d.builds[dc.Room]++
	return f, nil
}

func (d *drivers) get(key string) *fakeDriver {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.built[key]
}

func power(dev string, on bool) av.Action {
	v := "false"
	if on {
		v = "true"
	}
	return av.Action{Device: dev, Command: av.Command{Name: "power", Args: map[string]string{"on": v}}}
}

// testRooms is a chamber with a projector, camera and DSP, and a small
// room with a display only.
func testRooms() []Room {
	return []Room{
		{
			ID: "ratssaal",
			Devices: []av.DeviceConfig{
				{ID: "beamer", Room: "ratssaal", Kind: av.KindPJLink},
				{ID: "kamera", Room: "ratssaal", Kind: av.KindVISCAIP},
				{ID: "dsp", Room: "ratssaal", Kind: av.KindTesira},
			},
			Labels: map[string]string{"beamer": "Beamer"},
			Scenes: []Scene{
				{Name: "hybrid", Label: "Hybride Sitzung", Actions: []av.Action{
					power("beamer", true), power("kamera", true),
					{Device: "dsp", Command: av.Command{Name: "mute", Args: map[string]string{"tag": "MicMute", "channel": "10", "mute": "false"}}},
					{Device: "dsp", Command: av.Command{Name: "mute", Args: map[string]string{"tag": "MicMute", "channel": "2", "mute": "false"}}},
				}},
				{Name: "off", Actions: []av.Action{power("beamer", false), power("kamera", false)}},
			},
			Prep: "hybrid", End: "off",
		},
		{
			ID:      "zimmer",
			Devices: []av.DeviceConfig{{ID: "display", Room: "zimmer", Kind: av.KindPJLink}},
			Scenes:  []Scene{{Name: "on", Actions: []av.Action{power("display", true)}}},
		},
	}
}

func newTestAV(t *testing.T, rs []Room) (*AV, *drivers) {
	t.Helper()
	d := &drivers{}
	a, err := New(slog.New(slog.DiscardHandler), rs, d.new)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close)
	return a, d
}

// A scene runs on the room's own devices and reports them by their
// room-local names; the panel offers the camera's presets and the mute
// channels the scenes switch, in channel order.
func TestScenesPanelAndLabels(t *testing.T) {
	a, d := newTestAV(t, testRooms())
	if !a.Enabled() {
		t.Fatal("rooms with devices, yet not enabled")
	}
	res, ok := a.RunScene(t.Context(), "ratssaal", "off")
	if !ok || len(res) != 2 || res[0].Device != "beamer" || !res[0].OK || res[1].Device != "kamera" || !res[1].OK {
		t.Fatalf("scene off: %v %+v", ok, res)
	}
	if got := d.get("ratssaal/beamer").sent(); !slices.Equal(got, []string{"power"}) {
		t.Fatalf("the projector was sent %v", got)
	}
	if got := d.get("zimmer/display").sent(); len(got) != 0 {
		t.Fatalf("the other room's display was sent %v", got)
	}
	if _, ok := a.RunScene(t.Context(), "zimmer", "hybrid"); ok {
		t.Fatal("a scene of another room ran")
	}
	if got := a.SceneNames("ratssaal"); !slices.Equal(got, []string{"hybrid", "off"}) {
		t.Fatalf("scene names %v", got)
	}
	if got := a.SceneLabels("ratssaal"); len(got) != 1 || got["hybrid"] != "Hybride Sitzung" {
		t.Fatalf("scene labels %v", got)
	}

	pc := a.Panel("ratssaal")
	if pc.Camera != "kamera" || !slices.Equal(pc.Presets, defaultPresets) {
		t.Fatalf("camera %q presets %v", pc.Camera, pc.Presets)
	}
	if want := []MicChannel{{"dsp", "MicMute", "2"}, {"dsp", "MicMute", "10"}}; !slices.Equal(pc.Mics, want) {
		t.Fatalf("mics %v, want %v", pc.Mics, want)
	}
	views := a.DeviceViews("ratssaal") // by id: beamer, dsp, kamera
	if len(views) != 3 || views[0].ID != "beamer" || views[0].Label != "Beamer" || views[1].ID != "dsp" || views[1].Muted != nil {
		t.Fatalf("views %+v", views)
	}
	pc.SetMuted(true)
	if v := a.DeviceViews("ratssaal"); v[1].Muted == nil || !*v[1].Muted || v[0].Muted != nil {
		t.Fatalf("after muting: %+v", v)
	}
	if a.Panel("keller") != nil || len(a.Statuses("keller")) != 0 {
		t.Fatal("a room without AV has AV")
	}
}

// Camera follow's presets (and its default) are the panel's presets.
func TestPanelPresetsFromCameraFollow(t *testing.T) {
	rs := testRooms()
	rs[0].Follow = CameraFollow{Camera: "kamera", DSP: "dsp", MicTag: "Mics", Presets: map[int]int{1: 4, 2: 3, 3: 4}, DefaultPreset: 1}
	pc := panelControlsOf(rs[0])
	if pc.Camera != "kamera" || !slices.Equal(pc.Presets, []int{1, 3, 4}) {
		t.Fatalf("camera %q presets %v", pc.Camera, pc.Presets)
	}
}

// A reload rebuilds only the rooms whose AV changed (a label counts) and
// removes the rooms that are gone; the others keep their connections.
func TestPrepareRebuildsOnlyChangedRooms(t *testing.T) {
	a, d := newTestAV(t, testRooms())
	old := d.get("ratssaal/beamer")

	same, err := a.Prepare(testRooms())
	if err != nil {
		t.Fatal(err)
	}
	if len(same.Changed()) != 0 {
		t.Fatalf("nothing changed, yet %v", same.Changed())
	}
	same.Commit()

	next := testRooms()
	next[1].Labels = map[string]string{"display": "Großer Bildschirm"}
	ch, err := a.Prepare(next)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ch.Changed(), []string{"zimmer"}) || d.builds["ratssaal"] != 3 || d.builds["zimmer"] != 2 {
		t.Fatalf("changed %v, drivers built %v", ch.Changed(), d.builds)
	}
	ch.Commit()
	if v := a.DeviceViews("zimmer"); len(v) != 1 || v[0].Label != "Großer Bildschirm" {
		t.Fatalf("after the reload: %+v", v)
	}
	if d.get("ratssaal/beamer") != old || old.closed {
		t.Fatal("the unchanged room's projector was reconnected")
	}

	gone, err := a.Prepare(next[:1])
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(gone.Changed(), []string{"zimmer"}) {
		t.Fatalf("removing a room changed %v", gone.Changed())
	}
	gone.Abort()
	if len(a.Statuses("zimmer")) != 1 {
		t.Fatal("an aborted reload removed the room")
	}
	gone, _ = a.Prepare(next[:1])
	gone.Commit()
	if len(a.Statuses("zimmer")) != 0 || a.Panel("zimmer") != nil {
		t.Fatal("the removed room still has AV")
	}
}

// The timeline's prep runs the prep scene; teardown runs the end scene
// only while the room is not in use.
func TestFollowTimeline(t *testing.T) {
	a, d := newTestAV(t, testRooms())
	run := func(inUse bool, evs ...timeline.Event) {
		t.Helper()
		ch := make(chan timeline.Event, len(evs))
		for _, ev := range evs {
			ch <- ev
		}
		close(ch)
		done := make(chan struct{})
		go func() {
			defer close(done)
			a.FollowTimeline(t.Context(), ch, func(string, time.Time) bool { return inUse }, nil)
		}()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatal("the scenes did not end within 10 s")
		}
	}
	now := time.Now()
	run(false, timeline.Event{Kind: timeline.Prep, Room: "ratssaal", At: now})
	if got := d.get("ratssaal/dsp").sent(); len(got) != 2 {
		t.Fatalf("prep sent the DSP %v", got)
	}
	run(true, timeline.Event{Kind: timeline.Teardown, Room: "ratssaal", At: now})
	if got := d.get("ratssaal/beamer").sent(); len(got) != 1 {
		t.Fatalf("teardown in a room in use sent the projector %v", got)
	}
	run(false, timeline.Event{Kind: timeline.Teardown, Room: "ratssaal", At: now},
		timeline.Event{Kind: timeline.Prep, Room: "zimmer", At: now})
	if got := d.get("ratssaal/beamer").sent(); len(got) != 2 {
		t.Fatalf("teardown sent the projector %v", got)
	}
	if got := d.get("zimmer/display").sent(); len(got) != 0 {
		t.Fatalf("a room without a prep scene ran one: %v", got)
	}
}
