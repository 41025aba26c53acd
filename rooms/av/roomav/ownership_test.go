package roomav

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/kogge-project/kogge/rooms/av"
	"github.com/kogge-project/kogge/rooms/av/pjlink"
)

// memBoard is a StatusBoard in memory, shared by the nodes of a test.
type memBoard struct {
	mu       sync.Mutex
	byRoom   map[string][]av.Status
	history  map[string][][]av.Status
	watchers []chan RoomStatuses
}

func (b *memBoard) Publish(room string, st []av.Status) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.byRoom == nil {
		b.byRoom = map[string][]av.Status{}
	}
	b.byRoom[room] = st
	if b.history == nil {
		b.history = map[string][][]av.Status{}
	}
	b.history[room] = append(b.history[room], st)
	for _, w := range b.watchers {
		select {
		case w <- RoomStatuses{Room: room, Statuses: st}:
		default:
		}
	}
}

func (b *memBoard) Drop(string) {}

// published lists what was published of room, in order.
func (b *memBoard) published(room string) [][]av.Status {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.history[room])
}

func (b *memBoard) Watch(ctx context.Context) <-chan RoomStatuses {
	ch := make(chan RoomStatuses, 256)
	b.mu.Lock()
	for room, st := range b.byRoom {
		ch <- RoomStatuses{Room: room, Statuses: st}
	}
	b.watchers = append(b.watchers, ch)
	b.mu.Unlock()
	go func() {
		<-ctx.Done()
		b.mu.Lock()
		b.watchers = slices.DeleteFunc(b.watchers, func(w chan RoomStatuses) bool { return w == ch })
		b.mu.Unlock()
		close(ch)
	}()
	return ch
}

func (d *drivers) count(room string) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.builds[room]
}

// eventually waits (at most 10 s) for ok.
func eventually(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("not within 10 s: %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func health(a *AV, room, dev string) av.Health {
	st, err := a.Status(room, dev)
	if err != nil {
		return ""
	}
	return st.Health
}

// pjlinkRooms are two rooms with one PJLink projector emulator each.
func pjlinkRooms(t *testing.T) ([]Room, map[string]*pjlink.Emulator) {
	emus := map[string]*pjlink.Emulator{}
	var rs []Room
	for _, id := range []string{"ratssaal", "zimmer"} {
		e := pjlink.NewEmulator(pjlink.EmulatorOptions{})
		if err := e.Start("127.0.0.1:0"); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { e.Close() })
		emus[id] = e
		rs = append(rs, Room{ID: id,
			Devices: []av.DeviceConfig{{ID: "beamer", Room: id, Kind: av.KindPJLink, Address: e.Addr(), PollEvery: 50 * time.Millisecond}},
			Scenes:  []Scene{{Name: "an", Actions: []av.Action{power("beamer", true)}}}})
	}
	return rs, emus
}

func openNode(t *testing.T, rs []Room, own Ownership, board StatusBoard) *AV {
	t.Helper()
	a, err := Open(Options{Log: slog.New(slog.DiscardHandler), Rooms: rs, NewDriver: av.NewDriver, Ownership: own, Board: board})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close)
	return a
}

// Two nodes share the rooms: only a room's owner connects to its
// projector; the other shows the projector as the owner published it and
// refuses commands (they are for the owner). Ownership moving starts the
// new owner's connection with that one change, and stops the old one's.
func TestOnlyTheOwnerDrivesARoom(t *testing.T) {
	rs, emus := pjlinkRooms(t)
	board := &memBoard{}
	ownA, ownB := &OwnedRooms{}, &OwnedRooms{}
	a := openNode(t, rs, ownA, board)
	b := openNode(t, rs, ownB, board)
	changes, stop := b.Subscribe(64)
	defer stop()
	// A takes the room only now that B listens, so that B's stream hears
	// the projector come online (zimmer: nobody's yet).
	ownA.Set("ratssaal")

	eventually(t, "node A sees its projector", func() bool { return health(a, "ratssaal", "beamer") == av.Online })
	eventually(t, "node B shows A's projector", func() bool { return health(b, "ratssaal", "beamer") == av.Online })
	heard := false
	for !heard {
		select {
		case st := <-changes:
			heard = st.ID == "ratssaal/beamer" && st.Health == av.Online
		case <-time.After(10 * time.Second):
			t.Fatal("node B's device stream did not hear A's projector")
		}
	}
	if err := b.Do(t.Context(), "ratssaal", "beamer", av.Command{Name: "power", Args: map[string]string{"on": "true"}}); !errors.Is(err, ErrNotOwner) {
		t.Fatalf("a command on a node that does not own the room: %v", err)
	}
	if res, _ := b.RunScene(t.Context(), "ratssaal", "an"); len(res) != 1 || res[0].OK {
		t.Fatalf("a scene on a node that does not own the room: %+v", res)
	}
	if n := emus["zimmer"].Connections(); n != 0 {
		t.Fatalf("a room nobody owns: its projector was connected to %d times", n)
	}
	if h := health(a, "zimmer", "beamer"); h != av.Offline {
		t.Fatalf("a room nobody publishes shows %q", h)
	}
	if a.Owns("zimmer") || !a.Owns("ratssaal") {
		t.Fatal("Owns does not follow the ownership")
	}

	// One change: B takes both rooms.
	ownA.Set()
	ownB.Set("ratssaal", "zimmer")
	eventually(t, "node B connects to the moved room's projector", func() bool { return health(b, "ratssaal", "beamer") == av.Online && b.Owns("ratssaal") })
	eventually(t, "node B connects to the unowned room's projector", func() bool { return emus["zimmer"].Connections() > 0 })
	if err := b.Do(t.Context(), "ratssaal", "beamer", av.Command{Name: "power", Args: map[string]string{"on": "true"}}); err != nil {
		t.Fatalf("the new owner's command: %v", err)
	}
	if emus["ratssaal"].Power() != pjlink.PowerOn {
		t.Fatal("the projector did not switch on")
	}
	if err := a.Do(t.Context(), "ratssaal", "beamer", av.Command{Name: "power", Args: map[string]string{"on": "false"}}); !errors.Is(err, ErrNotOwner) {
		t.Fatalf("the old owner still drives the projector: %v", err)
	}
	eventually(t, "node A shows B's published state", func() bool {
		st, _ := a.Status("ratssaal", "beamer")
		return st.State["power"] == "on"
	})
}

// A reload on a node that does not own a room builds no driver for it,
// and a room gained after the reload is built with the reloaded spec.
func TestReloadKeepsOwnership(t *testing.T) {
	d := &drivers{}
	own := &OwnedRooms{}
	own.Set("ratssaal")
	a, err := Open(Options{Log: slog.New(slog.DiscardHandler), Rooms: testRooms(), NewDriver: d.new, Ownership: own})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close)
	if d.builds["zimmer"] != 0 || d.builds["ratssaal"] != 3 {
		t.Fatalf("drivers built %v", d.builds)
	}
	next := testRooms()
	next[1].Labels = map[string]string{"display": "Großer Bildschirm"}
	ch, err := a.Prepare(next)
	if err != nil {
		t.Fatal(err)
	}
	ch.Commit()
	if d.count("zimmer") != 0 {
		t.Fatalf("a reload built the drivers of a room not owned: %v", d.builds)
	}
	own.Set("ratssaal", "zimmer")
	eventually(t, "the gained room is driven", func() bool {
		// Its driver is built before the room is swapped in.
		ar := a.room("zimmer")
		return d.count("zimmer") == 1 && ar != nil && ar.owned
	})
	if v := a.DeviceViews("zimmer"); len(v) != 1 || v[0].Label != "Großer Bildschirm" {
		t.Fatalf("the gained room lost the reload: %+v", v)
	}
	if err := a.Do(t.Context(), "zimmer", "display", av.Command{Name: "power"}); err != nil {
		t.Fatal(err)
	}
	beamer := d.get("ratssaal/beamer")
	own.Set("zimmer")
	eventually(t, "the lost room's connections are closed", func() bool {
		beamer.mu.Lock()
		defer beamer.mu.Unlock()
		return beamer.closed
	})
	if err := a.Do(t.Context(), "ratssaal", "beamer", av.Command{Name: "power"}); !errors.Is(err, ErrNotOwner) {
		t.Fatalf("a lost room's command: %v", err)
	}
}

// The daemon's own commands on a room another node drives (a seat's
// microphone, the power-off) go to Forward, with room-local device ids.
func TestCommandsOnOthersRoomsAreForwarded(t *testing.T) {
	d := &drivers{}
	var mu sync.Mutex
	var sent []string
	a, err := Open(Options{Log: slog.New(slog.DiscardHandler), Rooms: testRooms(), NewDriver: d.new, Ownership: &OwnedRooms{},
		Forward: func(_ context.Context, room, dev string, cmd av.Command) error {
			mu.Lock()
			defer mu.Unlock()
			sent = append(sent, room+" "+dev+" "+cmd.Name)
			return nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close)
	if err := a.Speak(t.Context(), "ratssaal", "dsp", 3, true); err != nil {
		t.Fatal(err)
	}
	res := a.RunActions(t.Context(), "zimmer", av.Scene{Name: "standby", Actions: []av.Action{
		{Device: DeviceKey("zimmer", "display"), Command: av.Command{Name: "power", Args: map[string]string{"on": "false"}}}}})
	if len(res) != 1 || !res[0].OK {
		t.Fatalf("forwarded actions: %+v", res)
	}
	// A command that came from another node is run here or refused,
	// never sent on again (it would circle through etcd).
	if err := a.DoHere(t.Context(), "zimmer", "display", av.Command{Name: "power"}); !errors.Is(err, ErrNotOwner) {
		t.Fatalf("DoHere on a room not driven here: %v, want ErrNotOwner", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if want := []string{"ratssaal dsp mic", "zimmer display power"}; !slices.Equal(sent, want) {
		t.Fatalf("forwarded %q, want %q", sent, want)
	}
	if d.count("ratssaal")+d.count("zimmer") != 0 {
		t.Fatal("a node that owns no room built drivers")
	}
}

// A room's first device may report while the room's later devices are
// still being added; what the board gets then lists the room's devices
// (localStatuses), so that list must be complete before any device
// starts: it was read while it was still written (the race detector
// catches it), and the room's last publication must list every device.
func TestDevicesStartOnceTheirRoomIsBuilt(t *testing.T) {
	var ds drivers
	board := &memBoard{}
	r := Room{ID: "ratssaal"}
	for i := range 4 {
		r.Devices = append(r.Devices, av.DeviceConfig{ID: fmt.Sprintf("d%d", i), Room: "ratssaal", Kind: av.KindPJLink,
			Address: "127.0.0.1:1", PollEvery: time.Millisecond})
	}
	built := 0
	newDriver := func(dc av.DeviceConfig) (av.Driver, error) {
		if built++; built > 1 {
			// The next device is built once the first has reported.
			deadline := time.Now().Add(10 * time.Second)
			for len(board.published("ratssaal")) == 0 && time.Now().Before(deadline) {
				time.Sleep(time.Millisecond) // polling, not timing
			}
		}
		return ds.new(dc)
	}
	a, err := Open(Options{Log: slog.New(slog.DiscardHandler), Rooms: []Room{r}, NewDriver: newDriver, Board: board})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close)
	eventually(t, "the board lists every device online", func() bool {
		pubs := board.published("ratssaal")
		if len(pubs) == 0 || len(pubs[len(pubs)-1]) != len(r.Devices) {
			return false
		}
		for _, st := range pubs[len(pubs)-1] {
			if st.Health != av.Online {
				return false
			}
		}
		return true
	})
}
