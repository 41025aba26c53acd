package main

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
	"path/filepath"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"

	"github.com/kogge-project/kogge/daemon/config"
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
