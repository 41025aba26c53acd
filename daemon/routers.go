package main

import (
	"context"
	"errors"
	"net/http"
	"sync/atomic"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/kogge-project/kogge/daemon/cluster"
	"github.com/kogge-project/kogge/internal/relaysig"
	"github.com/kogge-project/kogge/rooms/av/roomav"
	"github.com/kogge-project/kogge/signaling"
)

// The routers a cluster node hands its parts (docs/cluster.md): where a
// meeting runs (meetingRouter, the hub's signaling.Router), which node
// drives a room's devices (roomRouter, roomav's ownership and the web
// server's web.RoomRouter) and the signed client address between nodes
// (clientRelay). They hold the cluster's answers and nothing of the
// process; placement_wiring.go sets them up.

var errNotRegistered = errors.New("this node is not registered for meetings yet")

// meetingRouter is the hub's signaling.Router on a cluster. Until this
// node is registered (its listener is open) it places nothing: a join
// is told "moving" and comes back.
type meetingRouter struct {
	p atomic.Pointer[cluster.Placement]
}

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

// lease is the node's lease for what dies with it (0 while it is not
// registered).
func (r *meetingRouter) lease() clientv3.LeaseID {
	if p := r.p.Load(); p != nil {
		return p.Lease()
	}
	return 0
}

// roomRouter is the rooms' side on a cluster: which rooms this node
// drives (owned, for roomav) and where another room's device requests go
// (web.RoomRouter), from the room claims (daemon/cluster/rooms.go).
type roomRouter struct {
	owned  *roomav.OwnedRooms
	claims atomic.Pointer[cluster.RoomClaims]
}

// Owner implements web.RoomRouter; before the node is registered no room
// is routed anywhere ("" : the 503 that says to try again).
func (r *roomRouter) Owner(room string) (url string, local bool) {
	if rc := r.claims.Load(); rc != nil {
		return rc.Owner(room)
	}
	return "", false
}

// clientRelay signs and checks the client's address on a device request
// forwarded to the room's driver (web.ClientRelay).
type clientRelay struct{ key []byte }

func (c clientRelay) Sign(out http.Header, client string) {
	relaysig.Sign(out, c.key, relaysig.ForHTTP, client, time.Now())
}

func (c clientRelay) Verify(r *http.Request) (string, bool) {
	client, res := relaysig.Verify(r.Header, c.key, relaysig.ForHTTP, time.Now())
	return client, res == relaysig.Valid
}
