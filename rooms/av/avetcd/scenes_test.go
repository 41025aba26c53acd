package avetcd

import (
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/kogge-project/kogge/internal/etcdtest"
	"github.com/kogge-project/kogge/rooms/av/roomav"
)

// The steps of a scene run on one node reach the other node's watch in
// their order; a node does not hear its own steps back (its own event
// streams had them at once).
func TestSceneStepsReachTheOtherNodesInOrder(t *testing.T) {
	c := etcdtest.Start(t, 1)
	relay := func() *Scenes {
		cli := c.Client(t)
		l, err := cli.Grant(t.Context(), 10)
		if err != nil {
			t.Fatal(err)
		}
		s := NewScenes(cli, prefix, func() clientv3.LeaseID { return l.ID }, nil)
		t.Cleanup(s.Close)
		return s
	}
	driver, other := relay(), relay()
	heardByDriver, heardByOther := driver.Watch(t.Context()), other.Watch(t.Context())
	// The watches start from the present: wait until they are in place
	// by sending a step until it arrives.
	deadline := time.After(10 * time.Second)
	for ready := false; !ready; {
		driver.Send(roomav.SceneEvent{ID: "probe", Room: "ratssaal"})
		select {
		case <-heardByOther:
			ready = true
		case <-time.After(200 * time.Millisecond): // resend: the watch may not have started yet
		case <-deadline:
			t.Fatal("no step arrived within 10 s")
		}
	}
	steps := []roomav.SceneEvent{
		{ID: "run1", Room: "ratssaal", Scene: "hybrid", Device: "beamer", Command: "power", OK: true},
		{ID: "run1", Room: "ratssaal", Scene: "hybrid", Device: "dsp", Command: "mute", Error: "offline"},
		{ID: "run1", Room: "ratssaal", Scene: "hybrid", Done: true, Failed: 1},
	}
	for _, s := range steps {
		driver.Send(s)
	}
	for i := 0; i < len(steps); {
		select {
		case got := <-heardByOther:
			if got.ID == "probe" {
				continue
			}
			if got != steps[i] {
				t.Fatalf("step %d: %+v, want %+v", i, got, steps[i])
			}
			i++
		case <-deadline:
			t.Fatalf("only %d of %d steps arrived", i, len(steps))
		}
	}
	select {
	case got := <-heardByDriver:
		t.Fatalf("the driver heard its own step back: %+v", got)
	default:
	}
}
