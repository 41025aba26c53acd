package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kogge-project/kogge/daemon/cluster"
	"github.com/kogge-project/kogge/daemon/config"
	"github.com/kogge-project/kogge/signaling"
)

// Meetings on a cluster (docs/cluster.md, "Meetings on many nodes"): the
// hub asks meetingRouter where a meeting runs; the answer comes from the
// node registry in etcd (daemon/cluster/placement.go). One machine has
// neither, and its hub runs every meeting itself.

// meetingRouter is the hub's signaling.Router on a cluster. Until this
// node is registered (its listener is open) it places nothing: a join
// is told "moving" and comes back.
type meetingRouter struct {
	p atomic.Pointer[cluster.Placement]
}

// placementWait bounds reading the relay key and registering at start
// (etcd answered the store's opening just before).
const placementWait = 10 * time.Second

var errNotRegistered = errors.New("this node is not registered for meetings yet")

// Route implements signaling.Router.
func (r *meetingRouter) Route(ctx context.Context, meetingID string) (signaling.Route, error) {
	p := r.p.Load()
	if p == nil {
		return signaling.Route{}, errNotRegistered
	}
	o, err := p.Claim(ctx, meetingID)
	return signaling.Route{Local: o.Local, URL: o.URL}, err
}

// Release implements signaling.Router.
func (r *meetingRouter) Release(meetingID string) {
	if p := r.p.Load(); p != nil {
		p.Release(meetingID)
	}
}

// meetingRouting is the hub's Router and relay key on a cluster (nil, nil
// on one machine: every meeting runs here).
func (d *daemonProcess) meetingRouting() (signaling.Router, []byte, error) {
	if d.etcd == nil {
		return nil, nil, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), placementWait)
	defer cancel()
	key, err := cluster.RelayKey(ctx, d.etcd, d.cfg.Store.Etcd.Prefix)
	if err != nil {
		return nil, nil, err
	}
	d.router = &meetingRouter{}
	return d.router, key, nil
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
	p, err := cluster.Register(ctx, d.etcd, et.Prefix, nodeName(et), u, d.meetingLoad, d.log.With("component", "placement"))
	if err != nil {
		return nil, err
	}
	d.router.p.Store(p)
	d.log.Info("this node takes meetings", "node", p.Name(), "url", u)
	var once sync.Once
	return func() {
		once.Do(func() {
			d.router.p.Store(nil)
			p.Close()
		})
	}, nil
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
