package joinlink

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/oklog/ulid/v2"
)

// Kind says what a link opens.
type Kind byte

const (
	KindHost      Kind = 1
	KindGuest     Kind = 2
	KindCandidate Kind = 3 // one interview candidate's slot
	KindMember    Kind = 4 // one council member's personal link for a session
)

func (k Kind) valid() bool { return k >= KindHost && k <= KindMember }

func (k Kind) String() string {
	switch k {
	case KindHost:
		return "host"
	case KindGuest:
		return "guest"
	case KindCandidate:
		return "candidate"
	case KindMember:
		return "member"
	}
	return fmt.Sprintf("Kind(%d)", byte(k))
}

// Claims is what a token says. Verify returns them only after the MAC
// check; the caller still compares Generation with the stored one and
// checks the booking's window (see the package documentation).
type Claims struct {
	Booking   string // 26-character ULID
	Kind      Kind
	Candidate uint16 // the candidate's id (≥ 1) for KindCandidate, 0 otherwise
	// Member is the council member's id (≥ 1) for KindMember, 0 otherwise
	// (rooms/council). It takes the candidate's place in the token.
	Member     uint16
	Generation uint32 // ≥ 1
}

// ErrInvalid is the one error Verify returns for any token it refuses; it
// does not say which check failed.
var ErrInvalid = errors.New("invalid join token")

// formatVersion is the first byte of every token this code writes.
const formatVersion = 1

const (
	KeySize = 32 // bytes of a key
	tagSize = 16 // bytes of the truncated MAC

	payloadSize = 1 + 1 + 16 + 1 + 2 + 4
	tokenSize   = payloadSize + tagSize
)

// TokenLen is the length of every token string.
var TokenLen = base64.RawURLEncoding.EncodedLen(tokenSize)

// strictB64 refuses non-zero padding bits, so that one token has exactly
// one encoding.
var strictB64 = base64.RawURLEncoding.Strict()

// Keyring holds the signing keys by version. It is immutable and safe for
// concurrent use.
type Keyring struct {
	keys   map[byte][]byte
	newest byte
}

// NewKeyring builds a Keyring from version → 32-byte key. Versions are
// 1–255; the highest signs. The keys are copied.
func NewKeyring(keys map[byte][]byte) (*Keyring, error) {
	if len(keys) == 0 {
		return nil, errors.New("joinlink: keyring has no key")
	}
	kr := &Keyring{keys: make(map[byte][]byte, len(keys))}
	for v, k := range keys {
		if v == 0 {
			return nil, errors.New("joinlink: key version 0 is not allowed (versions are 1–255)")
		}
		if len(k) != KeySize {
			return nil, fmt.Errorf("joinlink: key version %d has %d bytes, want %d", v, len(k), KeySize)
		}
		kr.keys[v] = slices.Clone(k)
		kr.newest = max(kr.newest, v)
	}
	return kr, nil
}

// Versions lists the key versions, oldest first.
func (kr *Keyring) Versions() []byte { return slices.Sorted(maps.Keys(kr.keys)) }

// Newest is the key version Sign uses.
func (kr *Keyring) Newest() byte { return kr.newest }

func (c *Claims) check() error {
	if !c.Kind.valid() {
		return fmt.Errorf("kind %d", c.Kind)
	}
	if (c.Kind == KindCandidate) != (c.Candidate != 0) {
		return fmt.Errorf("candidate %d with kind %s", c.Candidate, c.Kind)
	}
	if (c.Kind == KindMember) != (c.Member != 0) {
		return fmt.Errorf("member %d with kind %s", c.Member, c.Kind)
	}
	if c.Generation == 0 {
		return errors.New("generation 0")
	}
	return nil
}

// Sign returns the token for c, signed with the newest key. The same
// claims and key always give the same token.
func (kr *Keyring) Sign(c Claims) (string, error) {
	id, err := ulid.ParseStrict(c.Booking)
	if err != nil {
		return "", fmt.Errorf("joinlink: booking %q is no ULID: %w", c.Booking, err)
	}
	if err := c.check(); err != nil {
		return "", fmt.Errorf("joinlink: cannot sign: %w", err)
	}
	buf := make([]byte, 0, tokenSize)
	buf = append(buf, formatVersion, kr.newest)
	buf = append(buf, id[:]...)
	buf = append(buf, byte(c.Kind))
	buf = binary.BigEndian.AppendUint16(buf, c.Candidate|c.Member) // at most one is set
	buf = binary.BigEndian.AppendUint32(buf, c.Generation)
	buf = appendTag(buf, kr.keys[kr.newest])
	return strictB64.EncodeToString(buf), nil
}

// appendTag appends the truncated MAC of buf to buf.
func appendTag(buf, key []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write(buf)
	return m.Sum(buf)[:len(buf)+tagSize]
}

// Verify checks token and returns its claims, or ErrInvalid. It reads no
// store; see Claims for what the caller checks next.
func (kr *Keyring) Verify(token string) (Claims, error) {
	if len(token) != TokenLen { // before decoding: bounds the work
		return Claims{}, ErrInvalid
	}
	var raw [tokenSize + 3]byte // DecodedLen may round up
	n, err := strictB64.Decode(raw[:], []byte(token))
	if err != nil || n != tokenSize {
		return Claims{}, ErrInvalid
	}
	b := raw[:tokenSize]
	if b[0] != formatVersion {
		return Claims{}, ErrInvalid
	}
	key, ok := kr.keys[b[1]]
	if !ok {
		return Claims{}, ErrInvalid
	}
	want := appendTag(slices.Clip(b[:payloadSize]), key)[payloadSize:]
	if !hmac.Equal(want, b[payloadSize:]) {
		return Claims{}, ErrInvalid
	}
	c := Claims{
		Booking:    ulid.ULID(b[2:18]).String(),
		Kind:       Kind(b[18]),
		Candidate:  binary.BigEndian.Uint16(b[19:21]),
		Generation: binary.BigEndian.Uint32(b[21:25]),
	}
	if c.Kind == KindMember {
		c.Member, c.Candidate = c.Candidate, 0
	}
	if c.check() != nil {
		return Claims{}, ErrInvalid // only a key holder's bug can get here
	}
	return c, nil
}
