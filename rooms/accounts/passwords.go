package accounts

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// Argon2Params sets the argon2id cost. Memory is in KiB.
type Argon2Params struct {
	Time, Memory uint32
	Threads      uint8
	KeyLen       uint32
}

// Production defaults: argon2id, t=1, 64 MiB, p=2, 32-byte key, 16-byte
// salt. This is RFC 9106's FIRST recommended option (t=1, p=4, 2 GiB) with the
// memory scaled down to what the daemon's VM can spare per login; the second
// option (t=3, p=4, 64 MiB) would triple the CPU time. It stays above OWASP's
// floor (46 MiB, t=1, p=1).
var defaultArgon2 = Argon2Params{Time: 1, Memory: 64 * 1024, Threads: 2, KeyLen: 32}

const (
	saltLen = 16
	// minPasswordLen counts runes, so umlauts count as one character.
	minPasswordLen = 12
	// maxPasswordBytes bounds the input to the hash; argon2 itself would
	// take any length, but nobody types a kilobyte.
	maxPasswordBytes = 1024
	// maxConcurrentHashes bounds RAM: each argon2 run holds Memory KiB.
	maxConcurrentHashes = 4
	// Sanity bounds for parameters read back from a stored hash, so that a
	// damaged record cannot make one login allocate gigabytes.
	maxStoredMemory  = 1 << 20 // KiB, 1 GiB
	maxStoredTime    = 64
	minStoredKeyLen  = 16
	maxStoredKeyLen  = 128
	minStoredSaltLen = 8
)

func (p Argon2Params) withDefaults() (Argon2Params, error) {
	if p.Time == 0 {
		p.Time = defaultArgon2.Time
	}
	if p.Memory == 0 {
		p.Memory = defaultArgon2.Memory
	}
	if p.Threads == 0 {
		p.Threads = defaultArgon2.Threads
	}
	if p.KeyLen == 0 {
		p.KeyLen = defaultArgon2.KeyLen
	}
	// argon2 silently raises memory below 8 KiB per lane; refuse instead so
	// the stored parameters are the ones actually used.
	if p.Memory < 8*uint32(p.Threads) {
		return p, fmt.Errorf("accounts: argon2 memory %d KiB is below 8 KiB per thread", p.Memory)
	}
	if p.KeyLen < minStoredKeyLen || p.KeyLen > maxStoredKeyLen {
		return p, fmt.Errorf("accounts: argon2 key length %d outside %d..%d", p.KeyLen, minStoredKeyLen, maxStoredKeyLen)
	}
	return p, nil
}

var b64 = base64.RawStdEncoding

// checkPassword enforces the policy for new passwords. It is deliberately
// simple (length, not all one character): long passphrases beat composition
// rules, see NIST SP 800-63B.
func checkPassword(pw string) error {
	n := utf8.RuneCountInString(pw)
	if n < minPasswordLen {
		return fmt.Errorf("%w (got %d characters)", ErrWeakPassword, n)
	}
	if len(pw) > maxPasswordBytes {
		return fmt.Errorf("%w: at most %d bytes", ErrWeakPassword, maxPasswordBytes)
	}
	first, _ := utf8.DecodeRuneInString(pw)
	if strings.Trim(pw, string(first)) == "" {
		return fmt.Errorf("%w: all characters are the same", ErrWeakPassword)
	}
	return nil
}

// hashPassword returns a PHC string:
// $argon2id$v=19$m=65536,t=1,p=2$<salt>$<hash> (unpadded standard base64).
func (s *Service) hashPassword(pw string) (string, error) {
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	p := s.argon
	s.hashSem <- struct{}{}
	key := argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	<-s.hashSem
	return formatPHC(p, salt, key), nil
}

func formatPHC(p Argon2Params, salt, key []byte) string {
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.Memory, p.Time, p.Threads, b64.EncodeToString(salt), b64.EncodeToString(key))
}

// dummyPHC is a PHC string with parameters p that no password matches
// (short of guessing a random key of p.KeyLen bytes): the stand-in for
// unknown users' hashes, built without running argon2.
func dummyPHC(p Argon2Params) (string, error) {
	salt, key := make([]byte, saltLen), make([]byte, p.KeyLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	if _, err := rand.Read(key); err != nil {
		return "", err
	}
	return formatPHC(p, salt, key), nil
}

// verifyPassword checks pw against a PHC string in constant time. It also
// reports whether the hash uses other parameters than the current ones, so a
// successful login can upgrade it.
func (s *Service) verifyPassword(encoded, pw string) (ok, stale bool) {
	p, salt, want, err := parsePHC(encoded)
	if err != nil {
		return false, false
	}
	s.hashSem <- struct{}{}
	got := argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	<-s.hashSem
	ok = subtle.ConstantTimeCompare(got, want) == 1
	return ok, p != s.argon || len(salt) != saltLen
}

var errBadHash = errors.New("accounts: malformed password hash")

func parsePHC(encoded string) (p Argon2Params, salt, key []byte, err error) {
	// "", "argon2id", "v=19", "m=..,t=..,p=..", salt, hash
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" || parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return p, nil, nil, errBadHash
	}
	var m, t, th uint64
	for _, kv := range strings.Split(parts[3], ",") {
		k, v, found := strings.Cut(kv, "=")
		if !found {
			return p, nil, nil, errBadHash
		}
		n, err := strconv.ParseUint(v, 10, 32)
		if err != nil {
			return p, nil, nil, errBadHash
		}
		switch k {
		case "m":
			m = n
		case "t":
			t = n
		case "p":
			th = n
		default:
			return p, nil, nil, errBadHash
		}
	}
	if m == 0 || m > maxStoredMemory || t == 0 || t > maxStoredTime || th == 0 || th > 255 || m < 8*th {
		return p, nil, nil, errBadHash
	}
	if salt, err = b64.DecodeString(parts[4]); err != nil || len(salt) < minStoredSaltLen {
		return p, nil, nil, errBadHash
	}
	if key, err = b64.DecodeString(parts[5]); err != nil || len(key) < minStoredKeyLen || len(key) > maxStoredKeyLen {
		return p, nil, nil, errBadHash
	}
	p = Argon2Params{Time: uint32(t), Memory: uint32(m), Threads: uint8(th), KeyLen: uint32(len(key))}
	return p, salt, key, nil
}

// passwordAlphabet leaves out characters that are easily confused when read
// aloud or off paper: 0/O/o, 1/l/I, and the shapes 5/S, 2/Z, 8/B.
const passwordAlphabet = "abcdefghijkmnpqrstuvwxyzACDEFGHJKLMNPQRTUVWXY34679"

const generatedPasswordLen = 20

// GeneratePassword returns a random 20-character password from an
// unambiguous alphabet (about 112 bits), for initial and reset passwords.
func GeneratePassword() string {
	max := big.NewInt(int64(len(passwordAlphabet)))
	b := make([]byte, generatedPasswordLen)
	for i := range b {
		n, err := rand.Int(rand.Reader, max)
		if err != nil {
			// crypto/rand does not fail on supported platforms (Go ≥ 1.24
			// crashes the program instead), so this is unreachable.
			panic(err)
		}
		b[i] = passwordAlphabet[n.Int64()]
	}
	return string(b)
}
