package config

import (
	"net/url"
	"strings"
	"time"
)

// Backends of [store] backend.
const (
	BackendBBolt = "bbolt"
	BackendEtcd  = "etcd"
)

// Etcd is [store.etcd]: the cluster a node shares its store with
// (docs/cluster.md). Each node keeps its own copy in data_dir.
type Etcd struct {
	// Endpoints are the members' client URLs ("https://etcd1:2379").
	Endpoints []string `toml:"endpoints"`
	// Prefix is put before every key; installations sharing a cluster
	// use different ones. Default "kogge/".
	Prefix string `toml:"prefix"`
	// CAFile verifies the members' certificates; CertFile and KeyFile are
	// this node's client certificate (https endpoints).
	CAFile   string `toml:"ca_file"`
	CertFile string `toml:"cert_file"`
	KeyFile  string `toml:"key_file"`
	// DialTimeout bounds reaching the cluster at start (default 5 s).
	DialTimeout Duration `toml:"dial_timeout"`
	// NodeName names this node in the cluster (leadership, logs);
	// default the host name.
	NodeName string `toml:"node_name"`
}

// Default values of [store.etcd].
const (
	DefaultEtcdPrefix      = "kogge/"
	DefaultEtcdDialTimeout = 5 * time.Second
)

// Clustered says whether the store is shared through etcd.
func (s Store) Clustered() bool { return s.Backend == BackendEtcd }

func (s Store) validateBackend(e *Errors) {
	switch s.Backend {
	case "", BackendBBolt:
		return
	case BackendEtcd:
	default:
		e.add("store.backend", "%q must be %s or %s", s.Backend, BackendBBolt, BackendEtcd)
		return
	}
	et := s.Etcd
	if len(et.Endpoints) == 0 {
		e.add("store.etcd.endpoints", "required with backend %q (the members' client URLs)", BackendEtcd)
	}
	secure := false
	for _, ep := range et.Endpoints {
		u, err := url.Parse(ep)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			e.add("store.etcd.endpoints", "%q must be an http:// or https:// URL with a host", ep)
			continue
		}
		secure = secure || u.Scheme == "https"
	}
	if (et.CertFile == "") != (et.KeyFile == "") {
		e.add("store.etcd.cert_file", "cert_file and key_file go together")
	}
	if (et.CertFile != "" || et.CAFile != "") && !secure {
		e.add("store.etcd.endpoints", "certificates are set but no endpoint is https://")
	}
	if strings.Contains(et.Prefix, "\x00") {
		e.add("store.etcd.prefix", "must not contain NUL")
	}
	if et.DialTimeout.Duration < 0 || et.DialTimeout.Duration > maxOpenTimeout {
		e.add("store.etcd.dial_timeout", "must be at most %s", shortDuration(maxOpenTimeout))
	}
}
