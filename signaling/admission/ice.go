package admission

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/pion/webrtc/v4"
)

// ICEOptions are the STUN and TURN settings (the webrtc section of the
// configuration).
type ICEOptions struct {
	STUN, TURN []string
	// TURNSecretFile holds coturn's static-auth-secret on one line; ""
	// hands out no TURN servers.
	TURNSecretFile string
	// TTL is how long a TURN credential works.
	TTL time.Duration
	Now func() time.Time
}

// ICEServers hands browsers their STUN and TURN servers. TURN credentials
// follow coturn's use-auth-secret scheme (the "TURN REST API" draft):
// username "<expiry unix time>:<participant>", password
// base64(HMAC-SHA1(secret, username)); coturn checks both without asking
// us, and a credential stops working at its expiry.
type ICEServers struct {
	stun, turn []string
	secret     []byte
	ttl        time.Duration
	now        func() time.Time
}

// NewICEServers reads the TURN secret. Now defaults to time.Now.
func NewICEServers(o ICEOptions) (*ICEServers, error) {
	if o.Now == nil {
		o.Now = time.Now
	}
	s := &ICEServers{stun: o.STUN, turn: o.TURN, ttl: o.TTL, now: o.Now}
	if o.TURNSecretFile != "" {
		b, err := os.ReadFile(o.TURNSecretFile)
		if err != nil {
			return nil, fmt.Errorf("webrtc.turn_secret_file: %w", err)
		}
		s.secret = []byte(strings.TrimSpace(string(b)))
	}
	return s, nil
}

// ForParticipant is the signaling hub's ICEServers: the servers one
// participant's browser may use, with a TURN credential of its own.
func (s *ICEServers) ForParticipant(id string) []webrtc.ICEServer {
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
