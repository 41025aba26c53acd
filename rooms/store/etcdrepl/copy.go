package etcdrepl

import (
	"context"
	"errors"
	"fmt"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/kogge-project/kogge/rooms/store/kv"
)

// Snapshot, Occupied and Load move a whole store into or out of etcd
// (`kogge store copy`), in the key layout the Replicator uses, so that
// Kogge nodes started afterwards load it as any snapshot.

// Snapshot reads the store under prefix at one revision: the store's
// revision (that of its last commit; 0 if none) and the buckets and keys
// as the mutations that build them.
func Snapshot(ctx context.Context, c *clientv3.Client, prefix string) (int64, []kv.Mutation, error) {
	return New(Options{Client: c, Prefix: prefix}).snapshot(ctx)
}

// Occupied counts the keys under prefix: not only the store's but anything
// a Kogge node leaves there (its leader election).
func Occupied(ctx context.Context, c *clientv3.Client, prefix string) (int64, error) {
	var opts []clientv3.OpOption
	if prefix == "" {
		opts = append(opts, clientv3.WithFromKey())
	} else {
		opts = append(opts, clientv3.WithPrefix())
	}
	resp, err := c.Get(ctx, prefix, append(opts, clientv3.WithCountOnly())...)
	if err != nil {
		return 0, unavailable(err)
	}
	return resp.Count, nil
}

// ErrNotEmpty: a store appeared under the prefix while Load was writing.
var ErrNotEmpty = errors.New("another writer committed a store under the prefix during the copy")

// Load writes muts (CreateBucket and Put) as the store under prefix, which
// must hold none, in transactions of at most maxOps operations and about
// maxBytes bytes (etcd's --max-txn-ops and --max-request-bytes), and then
// the store's log key, last: until it is there no node takes the keys for
// a store. Every transaction is conditional on the log key being absent,
// so a Kogge node that started writing meanwhile stops the copy. It
// returns the store's revision and calls progress after each transaction
// with the number of buckets and keys written so far.
func Load(ctx context.Context, c *clientv3.Client, prefix string, muts []kv.Mutation, maxOps, maxBytes int, progress func(done int)) (int64, error) {
	l := layout{prefix}
	maxOps = max(maxOps, 1)
	absent := clientv3.Compare(clientv3.CreateRevision(l.log()), "=", 0)
	var ops []clientv3.Op
	size, done := 0, 0
	flush := func() error {
		if len(ops) == 0 {
			return nil
		}
		resp, err := c.Txn(ctx).If(absent).Then(ops...).Commit()
		if err != nil {
			return unavailable(err)
		}
		if !resp.Succeeded {
			return ErrNotEmpty
		}
		done += len(ops)
		ops, size = ops[:0], 0
		if progress != nil {
			progress(done)
		}
		return nil
	}
	for _, m := range muts {
		var op clientv3.Op
		var n int
		switch m.Op {
		case kv.CreateBucket:
			k := l.marker(m.Bucket)
			op, n = clientv3.OpPut(k, ""), len(k)
		case kv.Put:
			k := l.key(m.Bucket, m.Key)
			op, n = clientv3.OpPut(k, string(m.Value)), len(k)+len(m.Value)
		default:
			return 0, fmt.Errorf("etcdrepl: Load takes buckets and keys, not mutation %d", m.Op)
		}
		if len(ops) == maxOps || (len(ops) > 0 && size+n > maxBytes) {
			if err := flush(); err != nil {
				return 0, err
			}
		}
		ops, size = append(ops, op), size+n
	}
	if err := flush(); err != nil {
		return 0, err
	}
	// An empty log value: nodes that follow hear no booking changes from
	// it (they load the store as a snapshot when they start).
	resp, err := c.Txn(ctx).If(absent).Then(clientv3.OpPut(l.log(), "")).Commit()
	if err != nil {
		return 0, unavailable(err)
	}
	if !resp.Succeeded {
		return 0, ErrNotEmpty
	}
	return resp.Header.Revision, nil
}
