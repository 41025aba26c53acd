package store

// Group commit of concurrent creates, in place of bbolt's db.Batch.
// db.Batch gathers calls for a fixed delay. Since Create decides in a read
// phase first (create_check.go), the creates of a burst reach the commit
// spread over their read phases: a fixed delay cut a burst of 32 into
// several commits (measured in bench/storevspg: three times the fsyncs per
// create), and when everyone had arrived it still waited the delay out.
//
// A group commits as soon as every create in flight is in a group (joined
// one that is pending or committing) and otherwise after maxBatchDelay at
// most. A create counts as in flight from its start until it returns, so
// the members of the group that just committed, woken but not yet
// returned, are waited for too: in a closed loop of 32 writers they form
// the next group together. Like db.Batch, a call whose closure fails is
// run again alone, so that it gets its own error and the others are not
// lost.
//
// A group is taken from the waiting calls only when the previous group's
// commit is done (writing): creates that join while a commit is in
// progress ride on the next one, however long the commit takes. Taking
// the group when it was decided and then waiting for the writer cut a
// burst into groups of two or three whenever a commit outlasted
// maxBatchDelay — on a loaded machine, and always on a cluster, where a
// commit is an etcd round (bench/storevspg -cluster).

import (
	"slices"
	"sync"
	"time"

	"github.com/kogge-project/kogge/rooms/store/kv"
)

// maxGroup bounds one group commit (bbolt's default MaxBatchSize);
// maxGroupCluster on a cluster, where a group is one etcd transaction of
// about ten operations per create (docs/cluster.md asks etcd for 10,000).
const (
	maxGroup        = 1000
	maxGroupCluster = 200
)

type group struct {
	// writing is held by the group being committed; the next group is
	// taken only once it is free.
	writing sync.Mutex

	mu    sync.Mutex
	calls []groupCall
	timer *time.Timer
	// loose counts creates in flight that are in no group: begun and not
	// joined, or back from their group and not yet returned.
	loose int
}

type groupCall struct {
	fn   func(*kv.Tx) error
	done chan error
}

// beginCreate counts a create in flight; endCreate must follow.
func (s *Store) beginCreate() {
	g := &s.group
	g.mu.Lock()
	g.loose++
	g.mu.Unlock()
}

// endCreate: the create returns; the pending group may be complete now.
func (s *Store) endCreate() {
	g := &s.group
	g.mu.Lock()
	g.loose--
	complete := g.loose == 0 && len(g.calls) > 0
	g.mu.Unlock()
	if complete {
		// Not on this goroutine: its create has its answer and returns
		// (an HTTP response should not wait for other people's commit).
		go s.flushGroup()
	}
}

func (s *Store) groupMax() int {
	if s.repl != nil {
		return maxGroupCluster
	}
	return maxGroup
}

// joinGroup runs fn in the next group commit and returns its result.
func (s *Store) joinGroup(fn func(*kv.Tx) error) error {
	c := groupCall{fn, make(chan error, 1)}
	g := &s.group
	g.mu.Lock()
	g.loose--
	g.calls = append(g.calls, c)
	flush := false
	switch {
	case g.loose == 0 || len(g.calls) >= s.groupMax():
		flush = true
	case g.timer == nil:
		g.timer = time.AfterFunc(maxBatchDelay, s.flushGroup)
	}
	g.mu.Unlock()
	if flush {
		s.flushGroup() // this goroutine waits for the result anyway
	}
	return <-c.done
}

// flushGroup commits what joined so far (everyone in flight joined, or
// the delay ran out) once the writer is free, with whatever joined in
// the meantime. Another flush may have taken it all: then it is done.
func (s *Store) flushGroup() {
	g := &s.group
	g.writing.Lock()
	defer g.writing.Unlock()
	for {
		g.mu.Lock()
		calls := g.take()
		more := len(g.calls) > 0
		g.mu.Unlock()
		if len(calls) > 0 {
			s.runGroup(calls)
		}
		if !more {
			return
		}
	}
}

// take removes up to maxGroup pending calls; g.mu is held. The timer
// stops once none are left (flushGroup commits the rest).
func (g *group) take() []groupCall {
	n := min(len(g.calls), maxGroup)
	calls := g.calls[:n:n]
	g.calls = g.calls[n:]
	if len(g.calls) == 0 {
		g.calls = nil
		if g.timer != nil {
			g.timer.Stop()
			g.timer = nil
		}
	}
	return calls
}

// deliver hands a call its result; from now on its create is loose again.
func (s *Store) deliver(c groupCall, err error) {
	g := &s.group
	g.mu.Lock()
	g.loose++
	g.mu.Unlock()
	c.done <- err
}

// runGroup runs calls in one write transaction. A call that fails is
// taken out and run alone; the others run again in a new transaction.
func (s *Store) runGroup(calls []groupCall) {
	for len(calls) > 0 {
		failed := -1
		err := s.writeTx(func(tx *kv.Tx) error {
			failed = -1 // a re-run starts afresh
			for i, c := range calls {
				if err := c.fn(tx); err != nil {
					failed = i
					return err
				}
			}
			return nil
		})
		if failed < 0 {
			for _, c := range calls {
				s.deliver(c, err)
			}
			return
		}
		c := calls[failed]
		calls = slices.Delete(calls, failed, failed+1)
		s.deliver(c, s.writeTx(c.fn))
	}
}

// writeTx is one write transaction whose booking changes reach the change
// feed after the commit: update times it; a group's creates are timed
// each on its own.
func (s *Store) writeTx(fn func(*kv.Tx) error) error {
	var txs []*kv.Tx
	defer func() { untrack(txs) }()
	err := s.db.Update(func(tx *kv.Tx) error {
		txs = append(txs, tx)
		s.track(tx)
		if s.onWrite != nil {
			s.onWrite(tx)
		}
		return fn(tx)
	})
	s.noteCommit(err)
	return err
}
