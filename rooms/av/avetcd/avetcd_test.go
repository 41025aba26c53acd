package avetcd

import (
	"context"
	"strings"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/kogge-project/kogge/internal/etcdtest"
	"github.com/kogge-project/kogge/rooms/av"
	"github.com/kogge-project/kogge/rooms/av/roomav"
)

const prefix = "kogge/"

// node is one Kogge node's board with its own lease.
type node struct {
	board *Board
	lease clientv3.LeaseID
	cli   *clientv3.Client
}

func newNode(t *testing.T, c *etcdtest.Cluster) *node {
	t.Helper()
	cli := c.Client(t)
	l, err := cli.Grant(t.Context(), 10)
	if err != nil {
		t.Fatal(err)
	}
	n := &node{cli: cli, lease: l.ID}
	n.board = New(cli, prefix, func() clientv3.LeaseID { return n.lease }, nil)
	t.Cleanup(n.board.Close)
	return n
}

func projector(power string) []av.Status {
	return []av.Status{{ID: "beamer", Kind: av.KindPJLink, Health: av.Online, State: av.State{"power": power}}}
}

// next waits (at most 10 s) for the watch's next report of room.
func next(t *testing.T, ch <-chan roomav.RoomStatuses, room string) roomav.RoomStatuses {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case rs, ok := <-ch:
			if !ok {
				t.Fatal("the watch ended")
			}
			if rs.Room == room {
				return rs
			}
		case <-deadline:
			t.Fatalf("no report of %s within 10 s", room)
		}
	}
}

// The owner's statuses reach another node's watch, coalesced: a burst of
// changes costs a few writes, and the last one is what is seen. When the
// owner's lease ends (it died), the room's statuses are gone for the
// others (nil: shown offline). A node that starts watching later gets
// the present statuses first.
func TestBoardCarriesStatusesToOtherNodes(t *testing.T) {
	c := etcdtest.Start(t, 3)
	owner, other := newNode(t, c), newNode(t, c)
	watch := other.board.Watch(t.Context())

	for i := range 100 {
		power := "off"
		if i%2 == 1 {
			power = "on"
		}
		owner.board.Publish("ratssaal", projector(power))
	}
	for {
		rs := next(t, watch, "ratssaal")
		if len(rs.Statuses) == 1 && rs.Statuses[0].State["power"] == "on" && rs.Statuses[0].Health == av.Online {
			break
		}
	}
	resp, err := owner.cli.Get(t.Context(), Key(prefix, "ratssaal"))
	if err != nil || len(resp.Kvs) != 1 {
		t.Fatalf("the key: %v %v", resp, err)
	}
	if v := resp.Kvs[0].Version; v > 10 {
		t.Fatalf("100 changes in a burst were written %d times", v)
	}
	if resp.Kvs[0].Lease != int64(owner.lease) {
		t.Fatalf("the key is not attached to the owner's lease: %d", resp.Kvs[0].Lease)
	}

	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	late := other.board.Watch(ctx)
	if rs := next(t, late, "ratssaal"); len(rs.Statuses) != 1 {
		t.Fatalf("a new watch begins with %+v", rs)
	}

	if _, err := owner.cli.Revoke(t.Context(), owner.lease); err != nil {
		t.Fatal(err)
	}
	if rs := next(t, watch, "ratssaal"); rs.Statuses != nil {
		t.Fatalf("the dead owner's statuses stay: %+v", rs)
	}
}

// A room moves: the new owner's first write replaces the old owner's,
// and a late write of the old owner (its round was under way) does not
// overwrite the new owner's.
func TestBoardOldOwnerDoesNotOverwriteNewOwner(t *testing.T) {
	c := etcdtest.Start(t, 3)
	old, nw := newNode(t, c), newNode(t, c)
	old.board.Publish("ratssaal", projector("off"))
	if err := old.board.flush(t.Context()); err != nil {
		t.Fatal(err)
	}
	nw.board.Publish("ratssaal", projector("on"))
	if err := nw.board.flush(t.Context()); err != nil {
		t.Fatal(err)
	}
	old.board.Publish("ratssaal", projector("stale")) // the old owner has not heard it lost the room
	if err := old.board.flush(t.Context()); err != nil {
		t.Fatal(err)
	}
	resp, err := nw.cli.Get(t.Context(), Key(prefix, "ratssaal"))
	if err != nil || len(resp.Kvs) != 1 {
		t.Fatalf("the key: %v %v", resp, err)
	}
	if got := string(resp.Kvs[0].Value); resp.Kvs[0].Lease != int64(nw.lease) || !strings.Contains(got, `"power":"on"`) {
		t.Fatalf("after the old owner's late write: %s (lease %d)", got, resp.Kvs[0].Lease)
	}

	// Dropped, then gained again: the first write is the room's again.
	old.board.Drop("ratssaal")
	old.board.Publish("ratssaal", projector("back"))
	if err := old.board.flush(t.Context()); err != nil {
		t.Fatal(err)
	}
	resp, _ = nw.cli.Get(t.Context(), Key(prefix, "ratssaal"))
	if got := string(resp.Kvs[0].Value); resp.Kvs[0].Lease != int64(old.lease) || !strings.Contains(got, `"power":"back"`) {
		t.Fatalf("a room gained again: %s", got)
	}
}

// With the claims checked (as on a cluster), a node writes a room's
// statuses only while the room's claim names it: a node that lost the
// room — even one whose first write after Drop would be unconditional —
// cannot put its statuses over the new owner's.
func TestBoardWritesOnlyWhileTheClaimIsOurs(t *testing.T) {
	c := etcdtest.Start(t, 3)
	old, nw := newNode(t, c), newNode(t, c)
	old.board.OnlyWhileClaimed(prefix+"rooms/owner/", "old")
	nw.board.OnlyWhileClaimed(prefix+"rooms/owner/", "new")
	claim := func(node string) {
		t.Helper()
		if _, err := nw.cli.Put(t.Context(), prefix+"rooms/owner/ratssaal", node); err != nil {
			t.Fatal(err)
		}
	}
	value := func() string {
		t.Helper()
		resp, err := nw.cli.Get(t.Context(), Key(prefix, "ratssaal"))
		if err != nil {
			t.Fatal(err)
		}
		if len(resp.Kvs) == 0 {
			return ""
		}
		return string(resp.Kvs[0].Value)
	}
	publish := func(n *node, power string) {
		t.Helper()
		n.board.Publish("ratssaal", projector(power))
		if err := n.board.flush(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	publish(old, "unclaimed")
	if got := value(); got != "" {
		t.Fatalf("written without a claim: %s", got)
	}
	claim("old")
	publish(old, "off")
	if got := value(); !strings.Contains(got, `"power":"off"`) {
		t.Fatalf("the owner's write: %s", got)
	}
	claim("new")
	publish(nw, "on")
	old.board.Drop("ratssaal") // its next write would be a first one
	publish(old, "stale")
	if got := value(); !strings.Contains(got, `"power":"on"`) {
		t.Fatalf("after the old owner's write: %s", got)
	}
}
