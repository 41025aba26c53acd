package avetcd

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/kogge-project/kogge/internal/etcdtest"
	"github.com/kogge-project/kogge/rooms/av"
	"github.com/kogge-project/kogge/rooms/av/roomav"
)

// driver is a node's fake devices: it records what it ran and answers
// with err.
type driver struct {
	mu  sync.Mutex
	ran []string // room/device/command/n
	err error
}

func (d *driver) run(_ context.Context, room, device string, cmd av.Command) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.ran = append(d.ran, room+"/"+device+"/"+cmd.Name+"/"+cmd.Args["n"])
	return d.err
}

func (d *driver) runs() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]string(nil), d.ran...)
}

// cmdNode is one node's command side with its rooms and devices.
type cmdNode struct {
	own *roomav.OwnedRooms
	dev *driver
	k   *Commands
	cli *clientv3.Client
}

func newCmdNode(t *testing.T, c *etcdtest.Cluster, rooms ...string) *cmdNode {
	t.Helper()
	n := &cmdNode{own: &roomav.OwnedRooms{}, dev: &driver{}, cli: c.Client(t)}
	n.own.Set(rooms...)
	n.k = NewCommands(n.cli, prefix, n.own, n.dev.run, nil)
	t.Cleanup(n.k.Close)
	return n
}

func mic(n int) av.Command {
	return av.Command{Name: "mic", Args: map[string]string{"seat": "4", "on": "true", "n": strconv.Itoa(n)}}
}

// A command sent from one node on a room another drives runs once, on
// the owner's devices, and the sender gets the owner's outcome: success,
// a known device error as itself, any other error as its text. Nothing
// is left in etcd afterwards.
func TestCommandRunsOnTheRoomsOwner(t *testing.T) {
	c := etcdtest.Start(t, 1)
	a, b := newCmdNode(t, c, "ratssaal"), newCmdNode(t, c)

	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	if err := b.k.Forward(ctx, "ratssaal", "discussion", mic(1)); err != nil {
		t.Fatalf("forward: %v", err)
	}
	if got := a.dev.runs(); len(got) != 1 || got[0] != "ratssaal/discussion/mic/1" {
		t.Fatalf("the owner ran %v, want the one command", got)
	}
	if got := b.dev.runs(); len(got) != 0 {
		t.Fatalf("the sender ran %v itself", got)
	}

	a.dev.mu.Lock()
	a.dev.err = av.ErrOffline
	a.dev.mu.Unlock()
	if err := b.k.Forward(ctx, "ratssaal", "discussion", mic(2)); !errors.Is(err, av.ErrOffline) {
		t.Fatalf("forward to an offline device: %v, want av.ErrOffline", err)
	}
	a.dev.mu.Lock()
	a.dev.err = errors.New("seat 4 has no microphone")
	a.dev.mu.Unlock()
	if err := b.k.Forward(ctx, "ratssaal", "discussion", mic(3)); err == nil || err.Error() != "seat 4 has no microphone" {
		t.Fatalf("forward: %v, want the owner's error", err)
	}
	if got := a.dev.runs(); len(got) != 3 {
		t.Fatalf("the owner ran %v, want three commands once each", got)
	}

	resp, err := b.cli.Get(ctx, prefix+"av/", clientv3.WithPrefix(), clientv3.WithKeysOnly())
	if err != nil {
		t.Fatal(err)
	}
	for _, kv := range resp.Kvs {
		if k := string(kv.Key); k != Key(prefix, "ratssaal") {
			t.Errorf("left behind: %s", k)
		}
	}
}

// Nobody drives the room: the command fails with ErrNoDriver when the
// sender's deadline ends, and is withdrawn, so that a node taking the
// room over later does not run it.
func TestCommandWithoutOwnerFails(t *testing.T) {
	c := etcdtest.Start(t, 1)
	b := newCmdNode(t, c)

	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
	defer cancel()
	start := time.Now()
	err := b.k.Forward(ctx, "ratssaal", "discussion", mic(1))
	if !errors.Is(err, ErrNoDriver) {
		t.Fatalf("forward without an owner: %v, want ErrNoDriver", err)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Fatalf("the failure took %v, past the 2 s deadline", took)
	}
	late := newCmdNode(t, c, "ratssaal")
	resp, err := b.cli.Get(t.Context(), prefix+"av/cmd/", clientv3.WithPrefix(), clientv3.WithCountOnly())
	if err != nil {
		t.Fatal(err)
	}
	if resp.Count != 0 {
		t.Fatalf("%d commands left waiting", resp.Count)
	}
	if got := late.dev.runs(); len(got) != 0 {
		t.Fatalf("a withdrawn command ran: %v", got)
	}
}

// A command sent while the room has no driver runs when a node gains the
// room within the sender's wait.
func TestCommandWaitsForANewOwner(t *testing.T) {
	c := etcdtest.Start(t, 1)
	a, b := newCmdNode(t, c), newCmdNode(t, c)

	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- b.k.Forward(ctx, "ratssaal", "discussion", mic(1)) }()
	// Gain the room once the command is waiting.
	for {
		resp, err := b.cli.Get(ctx, prefix+"av/cmd/ratssaal/", clientv3.WithPrefix(), clientv3.WithCountOnly())
		if err != nil {
			t.Fatal(err)
		}
		if resp.Count > 0 {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatal("the command was not written within 10 s")
		case <-time.After(20 * time.Millisecond): // polling etcd, not timing
		}
	}
	a.own.Set("ratssaal")
	if err := <-done; err != nil {
		t.Fatalf("forward: %v", err)
	}
	if got := a.dev.runs(); len(got) != 1 {
		t.Fatalf("the new owner ran %v, want the one command", got)
	}
}

// During a handover two nodes may both think they drive the room: each
// command still runs once, on one of them.
func TestCommandRunsOnceWithTwoOwners(t *testing.T) {
	c := etcdtest.Start(t, 1)
	a, b, sender := newCmdNode(t, c, "ratssaal"), newCmdNode(t, c, "ratssaal"), newCmdNode(t, c)

	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	const n = 20
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- sender.k.Forward(ctx, "ratssaal", "discussion", mic(i))
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("forward: %v", err)
		}
	}
	count := map[string]int{}
	for _, r := range append(a.dev.runs(), b.dev.runs()...) {
		count[r]++
	}
	for i := range n {
		if k := "ratssaal/discussion/mic/" + strconv.Itoa(i); count[k] != 1 {
			t.Errorf("command %d ran %d times", i, count[k])
		}
	}
	if len(count) != n {
		t.Errorf("ran %d distinct commands, want %d", len(count), n)
	}
}
