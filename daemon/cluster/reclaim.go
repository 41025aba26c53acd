package cluster

// Reclaiming (docs/cluster.md, "Meetings on many nodes"): a node whose
// lease was lost while it kept running — etcd out of its reach for longer
// than NodeTTL — still runs its meetings, but their claims went with the
// lease. A join meanwhile may have claimed one of them for another node,
// which then runs a second half of the meeting. Once registered again,
// this node claims its open meetings anew on the new lease; a meeting
// another node owns by now is handed to moved, which ends this node's
// half with "moving": its participants reconnect, reach the owner and
// resume there from the meeting's memo.

import (
	"context"
	"fmt"

	clientv3 "go.etcd.io/etcd/client/v3"
)

// Reclaim tells the placement which meetings run on this node (open) and
// what to do with one that another node claimed while this node's lease
// was lost (moved; it should return soon). Call it once, before the meetings
// start.
func (p *Placement) Reclaim(open func() []string, moved func(meetingID string)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.open, p.moved = open, moved
}

func (p *Placement) meetingHooks() (func() []string, func(string)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.open, p.moved
}

// reclaim claims this node's open meetings on lease, its new one.
func (p *Placement) reclaim(ctx context.Context, lease clientv3.LeaseID) {
	open, moved := p.meetingHooks()
	if open == nil {
		return
	}
	for _, id := range open() {
		owner, err := p.reclaimOne(ctx, id, lease)
		switch {
		case err != nil:
			// Left unclaimed: the next join claims it, and if that is
			// another node, this half goes on beside it until its
			// participants reconnect.
			if ctx.Err() == nil {
				p.log.Warn("meeting placement: claiming a meeting of this node again failed", "meeting", id, "err", err)
			}
		case owner != p.name:
			p.log.Warn("meeting placement: a meeting of this node was placed on another node while this node was away; its participants here are sent there", "meeting", id, "owner", owner)
			if moved != nil {
				moved(id)
			}
		}
	}
}

// reclaimOne claims meeting id for this node on lease unless another node
// holds it, and returns its owner. A claim of this node's still on an
// older lease (one that did not expire after all) moves to the new one.
func (p *Placement) reclaimOne(ctx context.Context, id string, lease clientv3.LeaseID) (string, error) {
	key := p.ownerKey(id)
	for range claimAttempts {
		resp, err := p.c.Txn(ctx).If(clientv3.Compare(clientv3.CreateRevision(key), "=", 0)).
			Then(clientv3.OpPut(key, p.name, clientv3.WithLease(lease))).Else(clientv3.OpGet(key)).Commit()
		if err != nil {
			return "", err
		}
		if resp.Succeeded {
			return p.name, nil
		}
		kvs := resp.Responses[0].GetResponseRange().Kvs
		switch {
		case len(kvs) == 0:
			continue // released or expired meanwhile
		case string(kvs[0].Value) != p.name:
			return string(kvs[0].Value), nil
		case clientv3.LeaseID(kvs[0].Lease) == lease:
			return p.name, nil
		}
		move, err := p.c.Txn(ctx).If(clientv3.Compare(clientv3.ModRevision(key), "=", kvs[0].ModRevision)).
			Then(clientv3.OpPut(key, p.name, clientv3.WithLease(lease))).Commit()
		if err != nil {
			return "", err
		}
		if move.Succeeded {
			return p.name, nil
		}
	}
	return "", fmt.Errorf("meeting %s: no stable claim after %d attempts", id, claimAttempts)
}
