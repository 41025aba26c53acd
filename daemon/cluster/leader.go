// Package cluster decides which node of a Kogge cluster acts: one leader,
// elected through etcd (its concurrency package: a lease kept alive by the
// node, an election key under the installation's prefix), runs what must
// happen once — the provider worker, the scheduled jobs, the council
// import, the scenes the timeline starts. Every node serves pages, the API
// and meetings; every node's timeline keeps its rooms' now and next.
//
// When the leader dies its lease runs out (LeaseTTL) and another node is
// elected; what the old leader left undone is in the store (allocations
// due, jobs due), so the new one catches up from there. Leadership is not
// what keeps an action from happening twice: the store's conditional
// transitions are (a booking released once is not released again by
// anyone), so a moment with two nodes believing they lead costs a wasted
// attempt, not a double action.
package cluster

import (
	"context"
	"log/slog"
	"sync"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/client/v3/concurrency"
)

// LeaseTTL is how long a dead leader's lease lasts, in seconds: the
// bound on how long nobody acts after it dies (plus an election).
const LeaseTTL = 5

// Lead is what the daemon asks of leadership; One is the single machine's.
type Lead interface {
	// Leader says whether this node acts now.
	Leader() bool
	// While runs fn for each period this node leads, with a context
	// cancelled when it stops leading; it returns when ctx is done.
	While(ctx context.Context, fn func(context.Context))
	// Term is the present period's context: done when this node stops
	// leading (done already when it does not lead).
	Term() context.Context
}

// One is a single machine: it always leads.
type One struct{}

// Leader implements Lead.
func (One) Leader() bool { return true }

// While implements Lead: fn runs once, for as long as ctx.
func (One) While(ctx context.Context, fn func(context.Context)) { fn(ctx) }

// Term implements Lead: one machine leads for good.
func (One) Term() context.Context { return context.Background() }

// Node is this node's part in the election.
type Node struct {
	c      *clientv3.Client
	key    string
	name   string
	log    *slog.Logger
	cancel context.CancelFunc
	done   chan struct{}

	mu      sync.Mutex
	term    context.Context // nil while not leading
	changed chan struct{}   // closed and replaced when term changes
}

// Join starts campaigning for leadership under prefix+"leader" as name.
func Join(c *clientv3.Client, prefix, name string, log *slog.Logger) *Node {
	ctx, cancel := context.WithCancel(context.Background())
	n := &Node{c: c, key: prefix + "leader", name: name, log: log, cancel: cancel,
		done: make(chan struct{}), changed: make(chan struct{})}
	go n.campaign(ctx)
	return n
}

// Leader implements Lead.
func (n *Node) Leader() bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.term != nil && n.term.Err() == nil
}

// Term implements Lead.
func (n *Node) Term() context.Context {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.term != nil {
		return n.term
	}
	return ended
}

// ended is a context that is done: the term of a node that does not lead.
var ended = func() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return ctx
}()

// While implements Lead.
func (n *Node) While(ctx context.Context, fn func(context.Context)) {
	for {
		n.mu.Lock()
		term, changed := n.term, n.changed
		n.mu.Unlock()
		if term != nil && term.Err() == nil {
			runCtx, stop := context.WithCancel(ctx)
			go func() {
				select {
				case <-term.Done():
				case <-runCtx.Done():
				}
				stop()
			}()
			fn(runCtx)
			stop()
			if ctx.Err() != nil {
				return
			}
			select { // fn returned early: wait for the next term
			case <-term.Done():
			case <-ctx.Done():
				return
			}
			continue
		}
		select {
		case <-ctx.Done():
			return
		case <-changed:
		}
	}
}

// Close resigns (another node is elected at once) and stops campaigning.
func (n *Node) Close() {
	n.cancel()
	<-n.done
}

func (n *Node) setTerm(term context.Context) {
	n.mu.Lock()
	n.term = term
	close(n.changed)
	n.changed = make(chan struct{})
	n.mu.Unlock()
}

// retryEvery paces new attempts after the cluster could not be reached.
const retryEvery = time.Second

func (n *Node) campaign(ctx context.Context) {
	defer close(n.done)
	for ctx.Err() == nil {
		if err := n.serveTerm(ctx); err != nil && ctx.Err() == nil {
			n.log.Warn("leader election: trying again", "err", err)
			select {
			case <-ctx.Done():
			case <-time.After(retryEvery):
			}
		}
	}
}

// serveTerm waits to be elected, leads until the lease is lost or ctx is
// done, and then steps down.
func (n *Node) serveTerm(ctx context.Context) error {
	s, err := concurrency.NewSession(n.c, concurrency.WithTTL(LeaseTTL), concurrency.WithContext(ctx))
	if err != nil {
		return err
	}
	defer func() {
		// Revoke the lease with a context of its own (the session's ends
		// with ctx, and Close would then leave the lease to run out): the
		// next node is elected at once on a graceful stop.
		rctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_, _ = n.c.Revoke(rctx, s.Lease())
		s.Close()
	}()
	e := concurrency.NewElection(s, n.key)
	if err := e.Campaign(ctx, n.name); err != nil {
		return err
	}
	term, end := context.WithCancel(ctx)
	n.setTerm(term)
	n.log.Info("this node leads the cluster now: it runs the jobs, the providers and the scenes", "node", n.name)
	select {
	case <-s.Done():
		n.log.Warn("lost the leadership (the cluster did not renew this node's lease)", "node", n.name)
	case <-ctx.Done():
	}
	end()
	n.setTerm(nil)
	return nil
}

// String is the node's name.
func (n *Node) String() string { return n.name }
