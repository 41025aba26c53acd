package cluster

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// A node's registration for meetings and rooms (placement.go): its record
// on a lease of its own, kept alive and current, and taken anew when the
// lease was lost, after which the node claims its meetings back
// (reclaim.go).

// RegisterOption adds to a node's first record.
type RegisterOption func(*Placement)

// WithRooms lists the rooms the node has configured in its first record,
// so no other node claims a room for it that it lacks in the moment
// between its registration and its own room claims (ClaimRooms).
func WithRooms(rooms []string) RegisterOption {
	return func(p *Placement) {
		r := configuredRooms(rooms)
		p.rooms.Store(&r)
	}
}

// Register publishes this node (name, reachable at url) with the load
// that load reports, and keeps its record alive and current until Close.
// It returns once the first record is written.
func Register(ctx context.Context, c *clientv3.Client, prefix, name, url string, load func() int, log *slog.Logger, opts ...RegisterOption) (*Placement, error) {
	p := &Placement{c: c, prefix: prefix, name: name, url: url, load: load, log: log,
		done: make(chan struct{}), ownerPrefix: prefix + "meet/owner/", nodesPrefix: prefix + "meet/nodes/"}
	for _, o := range opts {
		o(p)
	}
	p.cpu.sample()
	if err := p.register(ctx); err != nil {
		return nil, fmt.Errorf("registering node %s for meetings: %w", name, err)
	}
	rctx, cancel := context.WithCancel(context.Background())
	p.cancel = cancel
	go p.run(rctx)
	return p, nil
}

// register takes a new lease and writes the record on it.
func (p *Placement) register(ctx context.Context) error {
	asked := time.Now() // the lease runs from about here
	g, err := p.c.Grant(ctx, NodeTTL)
	if err != nil {
		return err
	}
	if err := p.put(ctx, g.ID); err != nil {
		return err
	}
	p.mu.Lock()
	p.lease = g.ID
	p.mu.Unlock()
	p.confirmed.Store(asked.UnixNano())
	return nil
}

// put writes the node's record with its present load and rooms on lease.
func (p *Placement) put(ctx context.Context, lease clientv3.LeaseID) error {
	p.recMu.Lock()
	defer p.recMu.Unlock()
	if p.withdrawn.Load() {
		return nil
	}
	var rooms []string
	if r := p.rooms.Load(); r != nil {
		rooms = *r
	}
	rec, _ := json.Marshal(NodeRecord{URL: p.url, Load: p.load(), CPU: p.cpu.sample(), Rooms: rooms})
	_, err := p.c.Put(ctx, p.nodeKey(p.name), string(rec), clientv3.WithLease(lease))
	return err
}

// publishRooms makes the node's record list rooms (sorted, not nil: the
// rooms it has configured), writing it at once if the list changed. A
// failed write is not retried here: the next refresh (refreshEvery), or
// the registration after a lost lease, writes the list as well.
func (p *Placement) publishRooms(ctx context.Context, rooms []string) {
	if old := p.rooms.Swap(&rooms); old != nil && slices.Equal(*old, rooms) {
		return
	}
	lease := p.currentLease()
	if lease == 0 {
		return
	}
	if err := p.put(ctx, lease); err != nil && !errors.Is(err, rpctypes.ErrLeaseNotFound) && !errors.Is(err, context.Canceled) {
		p.log.Warn("room claims: writing this node's rooms to its record failed; the next refresh writes them", "err", err)
	}
}

// run keeps the lease alive and the load current; a lost lease (etcd out
// of reach longer than NodeTTL) is replaced by a new one. The meetings
// claimed on the old one are gone with it: once registered again, this
// node claims those it still runs anew (reclaim.go).
func (p *Placement) run(ctx context.Context) {
	defer close(p.done)
	for ctx.Err() == nil {
		lease := p.currentLease()
		if lease == 0 {
			if err := p.register(ctx); err != nil {
				if ctx.Err() == nil {
					p.log.Warn("meeting placement: registering this node again failed; trying again", "err", err)
				}
				p.pause(ctx)
				continue
			}
			p.log.Info("meeting placement: this node is registered again", "node", p.name)
			lease = p.currentLease()
			p.reclaim(ctx, lease)
		}
		p.keep(ctx, lease)
		p.mu.Lock()
		p.lease = 0
		p.mu.Unlock()
		if ctx.Err() == nil {
			p.log.Warn("meeting placement: this node's lease was lost; its meetings will be claimed anew", "node", p.name)
			p.pause(ctx)
		}
	}
}

func (p *Placement) pause(ctx context.Context) {
	select {
	case <-ctx.Done():
	case <-time.After(retryEvery):
	}
}

// keep keeps lease alive and refreshes the record until the lease is lost
// or ctx is done.
func (p *Placement) keep(ctx context.Context, lease clientv3.LeaseID) {
	kctx, cancel := context.WithCancel(ctx)
	defer cancel()
	ka, err := p.c.KeepAlive(kctx, lease)
	if err != nil {
		return
	}
	t := time.NewTicker(refreshEvery)
	defer t.Stop()
	for {
		select {
		case _, ok := <-ka:
			if !ok {
				return
			}
			p.confirmed.Store(time.Now().UnixNano())
		case <-t.C:
			pctx, pcancel := context.WithTimeout(ctx, refreshEvery)
			err := p.put(pctx, lease)
			pcancel()
			if errors.Is(err, rpctypes.ErrLeaseNotFound) {
				return
			}
		case <-ctx.Done():
			return
		}
	}
}
