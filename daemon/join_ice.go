package main

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"fmt"
	"strconv"
	"time"

	"github.com/kogge-project/kogge/daemon/config"
	"github.com/pion/webrtc/v4"
)

// iceServers hands browsers their STUN and TURN servers. TURN credentials
// follow coturn's use-auth-secret scheme (the "TURN REST API" draft):
// username "<expiry unix time>:<participant>", password
// base64(HMAC-SHA1(secret, username)); coturn checks both without asking
// us, and a credential stops working at its expiry.
type iceServers struct {
	stun, turn []string
	secret     []byte
	ttl        time.Duration
	now        func() time.Time
}

func newICEServers(w config.WebRTC, now func() time.Time) (*iceServers, error) {
	s := &iceServers{stun: w.STUNServers, turn: w.TURNServers, ttl: w.TURNCredentialTTL.Duration, now: now}
	if w.TURNSecretFile != "" {
		secret, err := readSecret(w.TURNSecretFile)
		if err != nil {
			return nil, fmt.Errorf("webrtc.turn_secret_file: %w", err)
		}
		s.secret = []byte(secret)
	}
	return s, nil
}

func (s *iceServers) forParticipant(id string) []webrtc.ICEServer {
	var out []webrtc.ICEServer
	if len(s.stun) > 0 {
		out = append(out, webrtc.ICEServer{URLs: s.stun})
	}
	if len(s.turn) > 0 && len(s.secret) > 0 {
		user, pass := turnCredential(s.secret, id, s.now().Add(s.ttl))
		out = append(out, webrtc.ICEServer{URLs: s.turn, Username: user, Credential: pass})
	}
	return out
}

func turnCredential(secret []byte, id string, expires time.Time) (user, pass string) {
	user = strconv.FormatInt(expires.Unix(), 10) + ":" + id
	m := hmac.New(sha1.New, secret)
	m.Write([]byte(user))
	return user, base64.StdEncoding.EncodeToString(m.Sum(nil))
}
