package main

import (
	"context"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/kogge-project/kogge/daemon/cluster"
	"github.com/kogge-project/kogge/daemon/config"
	"github.com/kogge-project/kogge/daemon/web"
	"github.com/kogge-project/kogge/rooms/av"
	"github.com/kogge-project/kogge/rooms/av/avetcd"
	"github.com/kogge-project/kogge/rooms/av/roomav"
	"github.com/kogge-project/kogge/signaling"
	"github.com/kogge-project/kogge/signaling/joinlink"
)

// Meetings on a cluster (docs/cluster.md, "Meetings on many nodes"): the
// hub asks meetingRouter where a meeting runs; the answer comes from the
// node registry in etcd (daemon/cluster/placement.go). One machine has
// neither, and its hub runs every meeting itself.

// placementWait bounds reading the relay key and registering at start
// (etcd answered the store's opening just before).
const placementWait = 10 * time.Second

// clusterRouting prepares what a cluster node needs before its parts are
// built: the relay key (the signed client address between nodes,
// internal/relaysig), the meetings' router, and the rooms' ownership,
// device status board and request routing, all empty until the node is
// registered (startPlacement). On one machine it does nothing: every
// meeting and every room's devices are this node's.
func (d *daemonProcess) clusterRouting(c *closers) error {
	if d.etcd == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), placementWait)
	defer cancel()
	key, err := cluster.RelayKey(ctx, d.etcd, d.cfg.Store.Etcd.Prefix)
	if err != nil {
		return err
	}
	d.relayKey = key
	d.router = &meetingRouter{}
	rr := &roomRouter{owned: &roomav.OwnedRooms{}}
	d.rooms = rr
	d.roomOwnership, d.roomRouter = rr.owned, rr
	board := avetcd.New(d.etcd, d.cfg.Store.Etcd.Prefix, d.router.lease, d.log.With("component", "av-status"))
	board.OnlyWhileClaimed(cluster.RoomClaimDir(d.cfg.Store.Etcd.Prefix), nodeName(d.cfg.Store.Etcd))
	c.add(board.Close) // added before the AV, so closed after it
	d.avBoard = board
	scenes := avetcd.NewScenes(d.etcd, d.cfg.Store.Etcd.Prefix, d.router.lease, d.log.With("component", "av-scenes"))
	c.add(scenes.Close) // closed after the AV, which sends to it
	d.avScenes = scenes
	// The daemon's own commands on rooms another node drives (a seat's
	// microphone, the power-off) go to the owner through etcd; this
	// node runs those of the rooms it drives on its own AV, which
	// startAV opens after this: d.av is read when a command comes, and
	// commands come only for owned rooms, which are claimed after
	// startAV (startPlacement).
	cmds := avetcd.NewCommands(d.etcd, d.cfg.Store.Etcd.Prefix, rr.owned, d.runOwnAVCommand, d.log.With("component", "av-commands"))
	c.add(cmds.Close)
	d.avForward = cmds.Forward
	return nil
}

// joinKeys are the join links' keys on a cluster, kept in etcd so that a
// link made on one node opens on every other (daemon/cluster/joinkeys.go);
// nil on one machine, where [webrtc] key_file holds them.
func (d *daemonProcess) joinKeys() (*joinlink.Keyring, error) {
	if d.etcd == nil {
		return nil, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), placementWait)
	defer cancel()
	kr, seeded, err := cluster.JoinKeys(ctx, d.etcd, d.cfg.Store.Etcd.Prefix, d.cfg.WebRTC.KeyFile)
	if err != nil {
		return nil, err
	}
	if seeded {
		d.log.Info("this node wrote the cluster's join link keys to etcd", "key", d.cfg.Store.Etcd.Prefix+cluster.JoinKeysKey, "keys", len(kr.Versions()))
	}
	return kr, nil
}

// runOwnAVCommand runs a command another node sent on a room this node
// drives. A room lost meanwhile is refused, not forwarded again: the
// sender's room router has moved on, and a command must not circle.
func (d *daemonProcess) runOwnAVCommand(ctx context.Context, room, device string, cmd av.Command) error {
	a := d.av
	if a == nil {
		return roomav.ErrNotOwner
	}
	return a.DoHere(ctx, room, device, cmd) // never sent on again
}

// meetingRouting is the hub's Router and relay key (nil, nil on one
// machine: every meeting runs here).
func (d *daemonProcess) meetingRouting() (signaling.Router, []byte) {
	if d.router == nil {
		return nil, nil
	}
	return d.router, d.relayKey
}

// webRelay is the web server's ClientRelay (nil on one machine).
func (d *daemonProcess) webRelay() web.ClientRelay {
	if d.relayKey == nil {
		return nil
	}
	return clientRelay{d.relayKey}
}

// startPlacement registers this node for meetings once its listener is
// open at addr, so that the others can reach it; stop withdraws it (its
// meetings' next joins go to other nodes) and may be called more than
// once. On one machine it does nothing.
func (d *daemonProcess) startPlacement(addr net.Addr) (stop func(), err error) {
	if d.router == nil {
		return func() {}, nil
	}
	et := d.cfg.Store.Etcd
	u := et.AdvertiseURL
	if u == "" {
		host, _, _ := net.SplitHostPort(d.cfg.Server.Listen)
		_, port, _ := net.SplitHostPort(addr.String())
		var ok bool
		if u, ok = config.ListenURL(net.JoinHostPort(host, port), d.cfg.Server.TLSCert != ""); !ok {
			return nil, fmt.Errorf("store.etcd.advertise_url: required when server.listen %q names no address", d.cfg.Server.Listen)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), placementWait)
	defer cancel()
	p, err := cluster.Register(ctx, d.etcd, et.Prefix, nodeName(et), u, d.meetingLoad, d.log.With("component", "placement"),
		cluster.WithRooms(d.roomIDs()))
	if err != nil {
		return nil, err
	}
	// After a lost lease: this node's meetings are claimed again, and one
	// placed elsewhere meanwhile ends here with "moving" (its participants
	// reconnect to the owner and resume there).
	p.Reclaim(d.openMeetings, func(id string) { d.meetings.Hub().End(id, signaling.ReasonMoving) })
	d.router.p.Store(p)
	d.log.Info("this node takes meetings", "node", p.Name(), "url", u)
	// Its rooms: claimed now that the others can forward to it.
	rc := p.ClaimRooms(d.roomIDs, func(rooms []string) {
		d.rooms.owned.Set(rooms...)
		d.log.Info("this node drives the devices of these rooms", "rooms", rooms)
	})
	d.rooms.claims.Store(rc)
	var once sync.Once
	return func() {
		once.Do(func() {
			d.router.p.Store(nil)
			d.rooms.claims.Store(nil)
			rc.Stop() // drives nothing from here: the devices are let go
			p.Close()
		})
	}, nil
}

// withdrawPlacement takes this node out of placement at the start of a
// shutdown (cluster.Placement.Withdraw); the stop that startPlacement
// returned lets go of the claims after the meetings have closed.
func (d *daemonProcess) withdrawPlacement() {
	if d.router == nil {
		return
	}
	if p := d.router.p.Load(); p != nil {
		p.Withdraw()
	}
}

// roomIDs are the configured rooms (the catalog follows reloads).
func (d *daemonProcess) roomIDs() []string {
	var ids []string
	for _, r := range d.catalog.All() {
		ids = append(ids, r.ID)
	}
	return ids
}

// openMeetings are the meetings running on this node.
func (d *daemonProcess) openMeetings() []string {
	var ids []string
	for _, m := range d.meetings.Hub().Meetings() {
		ids = append(ids, m.ID)
	}
	return ids
}

// meetingLoad is what the registry weighs nodes by: the participants in
// this node's meetings, lobby waiters included.
func (d *daemonProcess) meetingLoad() int {
	n := 0
	for _, m := range d.meetings.Hub().Meetings() {
		n += m.Participants + m.Lobby
	}
	return n
}
