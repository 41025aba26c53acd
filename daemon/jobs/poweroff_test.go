package jobs

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kogge-project/kogge/daemon/config"
	"github.com/kogge-project/kogge/rooms"
	"github.com/kogge-project/kogge/rooms/av"
)

// fakeAV has devices per room and records what it was asked to run.
type fakeAV struct {
	devices map[string][]av.Status
	failing string // room/device whose command fails
	ran     []string
}

func (f *fakeAV) Enabled() bool                    { return len(f.devices) > 0 }
func (f *fakeAV) Statuses(room string) []av.Status { return f.devices[room] }
func (f *fakeAV) RunActions(_ context.Context, room string, acts []av.Action) []av.Result {
	var out []av.Result
	for _, a := range acts {
		key := room + "/" + a.Device + " " + a.Command.Name + " on=" + a.Command.Args["on"]
		f.ran = append(f.ran, key)
		out = append(out, av.Result{Device: a.Device, Command: a.Command.Name, OK: room+"/"+a.Device != f.failing})
	}
	return out
}

func TestPowerOffLeavesRoomsInUseAndAudioAlone(t *testing.T) {
	dev := func(id, kind string) av.Status { return av.Status{ID: id, Kind: kind} }
	fake := &fakeAV{devices: map[string][]av.Status{
		"ratssaal":   {dev("beamer", av.KindPJLink), dev("dsp", av.KindTesira), dev("kamera", av.KindVISCAIP)},
		"sitzung-1":  {dev("beamer", av.KindPJLink)},
		"besprechen": {dev("kamera", av.KindVISCATCP)},
	}}
	d := Deps{AV: fake, Catalog: rooms.NewCatalog(nil),
		InUse: func(room string, _ time.Time) bool { return room == "sitzung-1" }}
	summary, err := Actions(d)["power-off"](t.Context(), config.Job{Name: "abends", Rooms: []string{"ratssaal", "sitzung-1", "besprechen"}})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"ratssaal/beamer power on=false", "ratssaal/kamera power on=false", "besprechen/kamera power on=false"}
	if !slices.Equal(fake.ran, want) {
		t.Fatalf("ran %v, want %v", fake.ran, want)
	}
	if summary != "3 devices to standby, 1 rooms in use left on, 0 failed" {
		t.Fatalf("summary %q", summary)
	}

	fake.ran, fake.failing = nil, "ratssaal/kamera"
	if summary, err := Actions(d)["power-off"](t.Context(), config.Job{Name: "abends", Rooms: []string{"ratssaal"}}); err == nil || !strings.HasSuffix(summary, "1 failed") {
		t.Fatalf("a failing device: %q %v", summary, err)
	}
}

func TestPowerOffWithoutDevices(t *testing.T) {
	for _, a := range []RoomAV{nil, &fakeAV{}} {
		if summary, err := Actions(Deps{AV: a})["power-off"](t.Context(), config.Job{}); err != nil || summary != "no devices configured" {
			t.Fatalf("%T: %q %v", a, summary, err)
		}
	}
}
