package pjlink

import (
	"crypto/md5"
	"encoding/hex"
	"strings"
)

const (
	greetingNoAuth = "PJLINK 0"
	greetingAuth   = "PJLINK 1 "
	seedLen        = 8  // the random part of "PJLINK 1 <rand>"
	maxPassword    = 32 // spec: password ≤ 32 ASCII characters
)

// digest is the prefix of the first command on an authenticated
// connection: lower-case hex MD5 of seed followed by password.
func digest(seed, password string) string {
	sum := md5.Sum([]byte(seed + password))
	return hex.EncodeToString(sum[:])
}

// parseGreeting reads the line the device sends on connect. It returns the
// seed when the device wants authentication, "" when it does not.
func parseGreeting(line string) (seed string, auth bool, err error) {
	switch {
	case line == greetingNoAuth:
		return "", false, nil
	case line == "PJLINK ERRA":
		return "", false, ErrAuth
	case strings.HasPrefix(line, greetingAuth):
		seed = line[len(greetingAuth):]
		if len(seed) != seedLen || !validParam(seed) || strings.Contains(seed, " ") {
			return "", false, newProtocolError("bad authentication seed", line)
		}
		return seed, true, nil
	}
	return "", false, newProtocolError("not a PJLink greeting", line)
}

// validPassword reports whether the device could hold this password.
func validPassword(p string) bool {
	if len(p) > maxPassword {
		return false
	}
	for i := 0; i < len(p); i++ {
		if c := p[i]; c < 0x20 || c > 0x7e {
			return false
		}
	}
	return true
}
