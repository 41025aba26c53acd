package config

import (
	"net"
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
	// AdvertiseURL is where the other nodes reach this node's listener
	// (http(s)://host:port): a join of a meeting this node runs that
	// reaches another node is relayed here (signaling/relay.go). Default:
	// the listen address, when it names one.
	AdvertiseURL string `toml:"advertise_url"`
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

// validateAdvertise checks [store.etcd] advertise_url: on a cluster the
// other nodes must be able to reach this one, at a URL given or at the
// listen address when that names one (not a wildcard).
func (c *Config) validateAdvertise(e *Errors) {
	const path = "store.etcd.advertise_url"
	raw := c.Store.Etcd.AdvertiseURL
	if !c.Store.Clustered() {
		return
	}
	if raw == "" {
		if _, ok := ListenURL(c.Server.Listen, c.Server.TLSCert != ""); !ok {
			e.add(path, "required on a cluster when server.listen (%q) does not name this node's own address: the URL the other nodes reach this node at, such as http://10.0.0.11:8080", c.Server.Listen)
		}
		return
	}
	u, err := url.Parse(raw)
	switch {
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "":
		e.add(path, "%q must be an http:// or https:// URL with a host, such as http://10.0.0.11:8080", raw)
	case u.User != nil || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "":
		e.add(path, "%q must be only scheme, host and port: the other nodes add /ws themselves", raw)
	}
}

// ListenURL is the URL of a listen address that names a host (not a
// wildcard such as ":8080" or "0.0.0.0:8080"); ok is false otherwise.
func ListenURL(listen string, tls bool) (string, bool) {
	host, port, err := net.SplitHostPort(listen)
	if err != nil || host == "" || port == "" {
		return "", false
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		return "", false
	}
	scheme := "http"
	if tls {
		scheme = "https"
	}
	return scheme + "://" + net.JoinHostPort(host, port), true
}
