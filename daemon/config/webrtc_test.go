package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestWebRTCDefaultsAndKeys(t *testing.T) {
	c, err := Parse([]byte("[store]\ndata_dir = \"/srv/kogge\"\n" + room))
	if err != nil {
		t.Fatal(err)
	}
	w := c.WebRTC
	if w.UDPPort != DefaultUDPPort || w.ParticipantLimit != DefaultParticipantLimit || w.EndGrace.Duration != DefaultEndGrace {
		t.Fatalf("defaults %+v", w)
	}
	if w.KeyFile != "/srv/kogge/join.keys" {
		t.Fatalf("key file %q", w.KeyFile)
	}
	secret := filepath.Join(t.TempDir(), "turn.secret")
	if err := os.WriteFile(secret, []byte("0123456789abcdef0123\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err = Parse([]byte(room + `
[webrtc]
udp_port = 40000
ice_tcp_port = 40001
nat1to1_ips = ["203.0.113.7"]
stun_servers = ["stun:stun.stadt.example:3478"]
turn_servers = ["turn:turn.stadt.example:3478?transport=udp"]
turn_secret_file = "` + secret + `"
participant_limit = 40
end_grace = "30m"
`))
	if err != nil {
		t.Fatal(err)
	}
	w = c.WebRTC
	if w.UDPPort != 40000 || w.ICETCPPort != 40001 || w.NAT1To1IPs[0] != "203.0.113.7" || w.ParticipantLimit != 40 || w.EndGrace.Duration != 30*time.Minute {
		t.Fatalf("parsed %+v", w)
	}
}

func TestWebRTCProblems(t *testing.T) {
	cases := []struct{ body, want string }{
		{"udp_port = 70000", "webrtc.udp_port: must be a port number"},
		{"ice_tcp_port = 50000", "webrtc.ice_tcp_port: use a port other than udp_port"},
		{`listen_ip = "eth0"`, `webrtc.listen_ip: "eth0" is not an IP address`},
		{`nat1to1_ips = ["1.2.3"]`, `webrtc.nat1to1_ips[0]: "1.2.3" is not an IP address`},
		{`stun_servers = ["turn:x"]`, "webrtc.stun_servers[0]: \"turn:x\" must start with stun:"},
		{`turn_servers = ["turn:x:3478"]`, "webrtc.turn_secret_file: required with turn_servers"},
		{`turn_secret_file = "/nonexistent/turn.secret"`, "webrtc.turn_secret_file: cannot read"},
		{"participant_limit = 1", "webrtc.participant_limit: must be between 2 and 250"},
		// The signaling hub admits no more than 250: the configuration
		// must not promise more (it accepted up to 500).
		{"participant_limit = 251", "webrtc.participant_limit: must be between 2 and 250"},
		{`end_grace = "5h"`, "webrtc.end_grace: must be between 0s and 4h"},
		{`turn_credential_ttl = "1s"`, "webrtc.turn_credential_ttl: must be between 1m and 168h"},
	}
	for _, c := range cases {
		errs := problems(t, room+"\n[webrtc]\n"+c.body+"\n")
		if !strings.Contains(errs.Error(), c.want) {
			t.Errorf("%s: want %q in\n%v", c.body, c.want, errs)
		}
	}
}
