package main

import (
	"context"
	"fmt"
	"time"

	"github.com/kogge-project/kogge/daemon/cluster"
	"github.com/kogge-project/kogge/rooms/store"
)

// The daemon process's part in a cluster: opening the store (on a
// cluster: joining it and its election), and acting only while this node
// leads. The pure pieces (file names, the etcd client) are in
// cluster_wiring.go.

// openStore opens the store (on a cluster: joins it and its election).
func (d *daemonProcess) openStore(c *closers, opts store.Options) (*store.Store, error) {
	cfg := d.cfg.Store
	d.lead = cluster.One{}
	if !cfg.Clustered() {
		return store.Open(storeFile(cfg), opts)
	}
	cli, err := etcdClient(cfg.Etcd)
	if err != nil {
		return nil, fmt.Errorf("store.etcd: %w", err)
	}
	c.add(func() { cli.Close() })
	d.etcd = cli
	opts.Etcd, opts.EtcdPrefix = cli, cfg.Etcd.Prefix
	st, err := store.Open(storeFile(cfg), opts)
	if err != nil {
		return nil, err
	}
	node := cluster.Join(cli, cfg.Etcd.Prefix, nodeName(cfg.Etcd), d.log.With("component", "cluster"))
	c.add(node.Close)
	d.lead = node
	d.log.Info("store shared through etcd", "endpoints", cfg.Etcd.Endpoints, "prefix", cfg.Etcd.Prefix, "node", node.String())
	return st, nil
}

// whileLeading runs fn in a goroutine for each period this node leads
// (always, on one machine); stop ends it and waits.
func (d *daemonProcess) whileLeading(fn func(ctx context.Context)) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		d.lead.While(ctx, fn)
	}()
	return func() { cancel(); <-done }
}

// jobContext is a long job's context: it ends at shutdown, after limit,
// and when this node stops leading the cluster (a job that outlived its
// node's term would act beside the new leader, on a copy that may lag).
func (d *daemonProcess) jobContext(limit time.Duration) (context.Context, context.CancelFunc) {
	parent := d.ctx
	if parent == nil {
		parent = context.Background()
	}
	ctx, cancel := context.WithTimeout(parent, limit)
	stop := context.AfterFunc(d.lead.Term(), cancel)
	return ctx, func() { stop(); cancel() }
}
