package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
	"path/filepath"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"

	"github.com/kogge-project/kogge/daemon/cluster"
	"github.com/kogge-project/kogge/daemon/config"
	"github.com/kogge-project/kogge/rooms/store"
)

// storeFile is the bbolt file in the data dir: the data itself on one
// machine, this node's copy on a cluster. They have different names so
// that switching a data dir to a cluster never overwrites a single
// machine's data with the cluster's (docs/cluster.md: moving an
// installation is `kogge store copy`).
func storeFile(s config.Store) string {
	if s.Clustered() {
		return filepath.Join(s.DataDir, "kogge-cluster.db")
	}
	return filepath.Join(s.DataDir, "kogge.db")
}

// maxEtcdRequest is the largest commit Kogge sends (etcd's
// --max-request-bytes must allow it).
const maxEtcdRequest = 10 << 20

// etcdClient connects to the cluster of [store.etcd].
func etcdClient(e config.Etcd) (*clientv3.Client, error) {
	cc := clientv3.Config{Endpoints: e.Endpoints, DialTimeout: e.DialTimeout.Duration,
		// The client's own log would write every retry to the journal;
		// what fails reaches us as an error and is logged where it matters.
		Logger: zap.NewNop(),
		// A long series' commit is larger than gRPC's default 2 MiB;
		// docs/cluster.md asks etcd for 10 MiB requests.
		MaxCallSendMsgSize: maxEtcdRequest}
	if e.CAFile != "" || e.CertFile != "" {
		tc := &tls.Config{MinVersion: tls.VersionTLS12}
		if e.CAFile != "" {
			pem, err := os.ReadFile(e.CAFile)
			if err != nil {
				return nil, fmt.Errorf("store.etcd.ca_file: %w", err)
			}
			tc.RootCAs = x509.NewCertPool()
			if !tc.RootCAs.AppendCertsFromPEM(pem) {
				return nil, fmt.Errorf("store.etcd.ca_file %s: no certificate in it", e.CAFile)
			}
		}
		if e.CertFile != "" {
			cert, err := tls.LoadX509KeyPair(e.CertFile, e.KeyFile)
			if err != nil {
				return nil, fmt.Errorf("store.etcd.cert_file: %w", err)
			}
			tc.Certificates = []tls.Certificate{cert}
		}
		cc.TLS = tc
	}
	return clientv3.New(cc)
}

// nodeName is this node's name in the cluster.
func nodeName(e config.Etcd) string {
	if e.NodeName != "" {
		return e.NodeName
	}
	if h, err := os.Hostname(); err == nil {
		return h
	}
	return "kogge"
}

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
