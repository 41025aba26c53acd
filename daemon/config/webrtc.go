package config

import (
	"fmt"
	"net"
	"os"
	"strings"
	"time"

	"github.com/kogge-project/kogge/rooms"
)

// WebRTC is the [webrtc] table: how participants who join by link reach
// our SFU, and the limits of a meeting on it.
type WebRTC struct {
	// UDPPort carries all ICE traffic of every meeting (UDP mux): one
	// firewall rule. 0 is allowed only in tests (a free port).
	UDPPort int `toml:"udp_port"`
	// ListenIP restricts media to one local address; empty means all.
	ListenIP string `toml:"listen_ip"`
	// ICETCPPort additionally accepts ICE over TCP (for guests behind
	// firewalls that block UDP); 0 leaves it off.
	ICETCPPort int `toml:"ice_tcp_port"`
	// NAT1To1IPs are the public addresses of a 1:1 NAT in front of Kogge.
	NAT1To1IPs []string `toml:"nat1to1_ips"`
	// STUNServers are handed to browsers, e.g. "stun:stun.stadt.example:3478".
	STUNServers []string `toml:"stun_servers"`
	// TURNServers, e.g. "turn:turn.stadt.example:3478?transport=udp", are
	// handed to browsers with time-limited credentials derived from the
	// shared secret in TURNSecretFile (coturn's use-auth-secret).
	TURNServers    []string `toml:"turn_servers"`
	TURNSecretFile string   `toml:"turn_secret_file"`
	// TURNCredentialTTL is how long a TURN credential stays valid.
	TURNCredentialTTL Duration `toml:"turn_credential_ttl"`
	// ParticipantLimit is the most participants in one meeting at once.
	ParticipantLimit int `toml:"participant_limit"`
	// EndGrace keeps a meeting open after the booking's end, so a session
	// that overruns a little is not cut off mid-sentence.
	EndGrace Duration `toml:"end_grace"`
	// KeyFile holds the keys join links are signed with; created (0600)
	// when missing. Default <data_dir>/join.keys. On a cluster the keys
	// are in etcd and the file only seeds or must match them
	// (daemon/cluster/joinkeys.go).
	KeyFile string `toml:"key_file"`
}

// WebRTC defaults.
const (
	DefaultUDPPort           = 50000
	DefaultParticipantLimit  = 25
	DefaultEndGrace          = 15 * time.Minute
	DefaultTURNCredentialTTL = 12 * time.Hour
	maxParticipantLimit      = rooms.MaxMeetingParticipants // the signaling hub's cap
	maxEndGrace              = 4 * time.Hour
)

func defaultWebRTC() WebRTC {
	return WebRTC{
		UDPPort:           DefaultUDPPort,
		ParticipantLimit:  DefaultParticipantLimit,
		EndGrace:          Duration{Duration: DefaultEndGrace},
		TURNCredentialTTL: Duration{Duration: DefaultTURNCredentialTTL},
	}
}

func (w WebRTC) validate(e *Errors) {
	if w.UDPPort < 0 || w.UDPPort > 65535 {
		e.add("webrtc.udp_port", "must be a port number, not %d", w.UDPPort)
	}
	if w.ICETCPPort < 0 || w.ICETCPPort > 65535 {
		e.add("webrtc.ice_tcp_port", "must be a port number or 0 (off), not %d", w.ICETCPPort)
	}
	if w.ICETCPPort != 0 && w.ICETCPPort == w.UDPPort {
		// Legal for the kernel, but one firewall rule per protocol is
		// easier to reason about with distinct numbers.
		e.add("webrtc.ice_tcp_port", "use a port other than udp_port (%d)", w.UDPPort)
	}
	if w.ListenIP != "" && net.ParseIP(w.ListenIP) == nil {
		e.add("webrtc.listen_ip", "%q is not an IP address", w.ListenIP)
	}
	for i, ip := range w.NAT1To1IPs {
		if net.ParseIP(ip) == nil {
			e.add(fmt.Sprintf("webrtc.nat1to1_ips[%d]", i), "%q is not an IP address", ip)
		}
	}
	for i, u := range w.STUNServers {
		if !strings.HasPrefix(u, "stun:") && !strings.HasPrefix(u, "stuns:") {
			e.add(fmt.Sprintf("webrtc.stun_servers[%d]", i), "%q must start with stun: or stuns:", u)
		}
	}
	for i, u := range w.TURNServers {
		if !strings.HasPrefix(u, "turn:") && !strings.HasPrefix(u, "turns:") {
			e.add(fmt.Sprintf("webrtc.turn_servers[%d]", i), "%q must start with turn: or turns:", u)
		}
	}
	switch {
	case len(w.TURNServers) > 0 && w.TURNSecretFile == "":
		e.add("webrtc.turn_secret_file", "required with turn_servers (coturn's static-auth-secret)")
	case w.TURNSecretFile != "":
		if b, err := os.ReadFile(w.TURNSecretFile); err != nil {
			e.add("webrtc.turn_secret_file", "cannot read: %v", unwrapPathError(err))
		} else if len(strings.TrimSpace(string(b))) < 16 {
			e.add("webrtc.turn_secret_file", "the secret must be at least 16 characters")
		}
	}
	if d := w.TURNCredentialTTL.Duration; d < time.Minute || d > 7*24*time.Hour {
		e.add("webrtc.turn_credential_ttl", "must be between 1m and 168h, not %s", d)
	}
	if w.ParticipantLimit < 2 || w.ParticipantLimit > maxParticipantLimit {
		e.add("webrtc.participant_limit", "must be between 2 and %d, not %d", maxParticipantLimit, w.ParticipantLimit)
	}
	if d := w.EndGrace.Duration; d < 0 || d > maxEndGrace {
		e.add("webrtc.end_grace", "must be between 0s and %s, not %s", shortDuration(maxEndGrace), d)
	}
}
