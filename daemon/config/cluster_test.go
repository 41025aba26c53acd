package config

import (
	"strings"
	"testing"
)

// A cluster node must be reachable by the others: at advertise_url, or at
// its listen address when that names one.
func TestAdvertiseURL(t *testing.T) {
	const cluster = "[store]\nbackend = \"etcd\"\n[store.etcd]\nendpoints = [\"http://10.0.0.1:2379\"]\n"
	for _, tc := range []struct {
		name, listen, advertise, want string
	}{
		{"listen names the node", "10.0.0.11:8080", "", ""},
		{"wildcard listen, no URL", ":8080", "", "required on a cluster when server.listen"},
		{"unspecified listen, no URL", "0.0.0.0:8080", "", "such as http://10.0.0.11:8080"},
		{"wildcard listen with URL", ":8080", "http://10.0.0.11:8080", ""},
		{"not a URL", ":8080", "10.0.0.11:8080", "must be an http:// or https:// URL"},
		{"with a path", ":8080", "https://kogge1.intern:8443/ws", "must be only scheme, host and port"},
	} {
		src := "[server]\nlisten = \"" + tc.listen + "\"\n" + cluster
		if tc.advertise != "" {
			src += "advertise_url = \"" + tc.advertise + "\"\n"
		}
		var got string
		for _, p := range problems(t, src+room) {
			if p.Path == "store.etcd.advertise_url" {
				got = p.Message
			}
		}
		if (tc.want == "") != (got == "") || !strings.Contains(got, tc.want) {
			t.Errorf("%s: problem %q, want %q", tc.name, got, tc.want)
		}
	}
	if u, ok := ListenURL("127.0.0.1:0", true); !ok || u != "https://127.0.0.1:0" {
		t.Errorf("ListenURL: %q %v", u, ok)
	}
}
