package joinlink

import (
	"bytes"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const booking = "01J9ZQ4K8M3T5V7X9Y1A2B3C4D"

func key(b byte) []byte { return bytes.Repeat([]byte{b}, KeySize) }

func ring(t testing.TB, keys map[byte][]byte) *Keyring {
	t.Helper()
	kr, err := NewKeyring(keys)
	if err != nil {
		t.Fatal(err)
	}
	return kr
}

func sign(t testing.TB, kr *Keyring, c Claims) string {
	t.Helper()
	tok, err := kr.Sign(c)
	if err != nil {
		t.Fatalf("Sign(%+v): %v", c, err)
	}
	return tok
}

var sampleClaims = []Claims{
	{Booking: booking, Kind: KindHost, Generation: 1},
	{Booking: booking, Kind: KindGuest, Generation: 7},
	{Booking: booking, Kind: KindCandidate, Candidate: 3, Generation: 1},
	{Booking: "7ZZZZZZZZZZZZZZZZZZZZZZZZZ", Kind: KindCandidate, Candidate: 65535, Generation: 4294967295},
	{Booking: "00000000000000000000000000", Kind: KindHost, Generation: 1},
}

func TestRoundTrip(t *testing.T) {
	kr := ring(t, map[byte][]byte{1: key(1)})
	for _, c := range sampleClaims {
		tok := sign(t, kr, c)
		if len(tok) != TokenLen || TokenLen != 55 {
			t.Errorf("token %q has %d characters, want 55", tok, len(tok))
		}
		if strings.Trim(tok, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") != "" {
			t.Errorf("token %q is not URL-safe", tok)
		}
		got, err := kr.Verify(tok)
		if err != nil || got != c {
			t.Errorf("Verify(Sign(%+v)) = %+v, %v", c, got, err)
		}
		if again := sign(t, kr, c); again != tok {
			t.Errorf("Sign is not deterministic: %q, %q", tok, again)
		}
	}
}

func TestSignNormalisesBooking(t *testing.T) {
	kr := ring(t, map[byte][]byte{1: key(1)})
	lower := sign(t, kr, Claims{Booking: strings.ToLower(booking), Kind: KindHost, Generation: 1})
	got, err := kr.Verify(lower)
	if err != nil || got.Booking != booking {
		t.Errorf("Verify = %+v, %v; want booking %s", got, err, booking)
	}
}

func TestSignRefuses(t *testing.T) {
	kr := ring(t, map[byte][]byte{1: key(1)})
	for _, c := range []Claims{
		{Booking: "not-a-ulid", Kind: KindHost, Generation: 1},
		{Booking: "", Kind: KindHost, Generation: 1},
		{Booking: "8ZZZZZZZZZZZZZZZZZZZZZZZZZ", Kind: KindHost, Generation: 1}, // overflows 128 bits
		{Booking: booking, Kind: 0, Generation: 1},
		{Booking: booking, Kind: 4, Generation: 1},
		{Booking: booking, Kind: KindHost, Candidate: 1, Generation: 1},
		{Booking: booking, Kind: KindCandidate, Candidate: 0, Generation: 1},
		{Booking: booking, Kind: KindGuest, Generation: 0},
	} {
		if tok, err := kr.Sign(c); err == nil {
			t.Errorf("Sign(%+v) = %q, want an error", c, tok)
		}
	}
}

// Every single-bit flip, of the string and of the decoded bytes, is
// refused.
func TestEveryBitFlipRejected(t *testing.T) {
	kr := ring(t, map[byte][]byte{1: key(1)})
	for _, c := range sampleClaims {
		tok := sign(t, kr, c)
		for i := range len(tok) * 8 {
			b := []byte(tok)
			b[i/8] ^= 1 << (i % 8)
			if got, err := kr.Verify(string(b)); !errors.Is(err, ErrInvalid) {
				t.Fatalf("string bit %d flipped: Verify = %+v, %v", i, got, err)
			}
		}
		raw, err := strictB64.DecodeString(tok)
		if err != nil {
			t.Fatal(err)
		}
		for i := range len(raw) * 8 {
			b := bytes.Clone(raw)
			b[i/8] ^= 1 << (i % 8)
			if got, err := kr.Verify(strictB64.EncodeToString(b)); !errors.Is(err, ErrInvalid) {
				t.Fatalf("byte bit %d flipped: Verify = %+v, %v", i, got, err)
			}
		}
	}
}

func TestRejects(t *testing.T) {
	kr := ring(t, map[byte][]byte{1: key(1)})
	tok := sign(t, kr, sampleClaims[0])
	raw, _ := strictB64.DecodeString(tok)
	reencode := func(f func([]byte) []byte) string { return strictB64.EncodeToString(f(bytes.Clone(raw))) }
	for name, bad := range map[string]string{
		"empty":         "",
		"short":         tok[:len(tok)-1],
		"long":          tok + "A",
		"very long":     strings.Repeat(tok, 1000),
		"bad base64":    tok[:10] + "!" + tok[11:],
		"padded":        tok[:len(tok)-2] + "==",
		"plus":          tok[:5] + "+" + tok[6:],
		"slash":         tok[:5] + "/" + tok[6:],
		"format 2":      reencode(func(b []byte) []byte { b[0] = 2; return b }),
		"key version 2": reencode(func(b []byte) []byte { b[1] = 2; return b }),
		"tag zeroed":    reencode(func(b []byte) []byte { clear(b[payloadSize:]); return b }),
		"tag truncated": reencode(func(b []byte) []byte { return b[:len(b)-1] }),
	} {
		if got, err := kr.Verify(bad); err != ErrInvalid {
			t.Errorf("%s: Verify = %+v, %v; want exactly ErrInvalid", name, got, err)
		}
	}
}

// A token whose MAC is right but whose claims are not (a key holder's bug)
// is refused too.
func TestRejectsBadKindWithGoodMAC(t *testing.T) {
	kr := ring(t, map[byte][]byte{1: key(1)})
	tok := sign(t, kr, sampleClaims[0])
	raw, _ := strictB64.DecodeString(tok)
	for _, kind := range []byte{0, 4, 255} {
		b := bytes.Clone(raw[:payloadSize])
		b[18] = kind
		forged := strictB64.EncodeToString(appendTag(b, key(1)))
		if _, err := kr.Verify(forged); err != ErrInvalid {
			t.Errorf("kind %d: %v", kind, err)
		}
	}
}

func TestWrongKey(t *testing.T) {
	a := ring(t, map[byte][]byte{1: key(1)})
	b := ring(t, map[byte][]byte{1: key(2)})
	tok := sign(t, a, sampleClaims[1])
	if _, err := b.Verify(tok); err != ErrInvalid {
		t.Errorf("other key: %v", err)
	}
}

func TestUnknownKeyVersion(t *testing.T) {
	signer := ring(t, map[byte][]byte{1: key(1), 2: key(2)})
	tok := sign(t, signer, sampleClaims[0])
	old := ring(t, map[byte][]byte{1: key(1)})
	if _, err := old.Verify(tok); err != ErrInvalid {
		t.Errorf("key version 2 unknown: %v", err)
	}
	// Version 2 under the right version byte but a different key.
	other := ring(t, map[byte][]byte{1: key(1), 2: key(3)})
	if _, err := other.Verify(tok); err != ErrInvalid {
		t.Errorf("version 2 with another key: %v", err)
	}
}

func TestKeyRotation(t *testing.T) {
	old := ring(t, map[byte][]byte{1: key(1)})
	oldTok := sign(t, old, sampleClaims[2])
	rotated := ring(t, map[byte][]byte{1: key(1), 7: key(7)})
	if got, err := rotated.Verify(oldTok); err != nil || got != sampleClaims[2] {
		t.Errorf("old token after rotation: %+v, %v", got, err)
	}
	newTok := sign(t, rotated, sampleClaims[2])
	if newTok == oldTok {
		t.Fatal("rotation did not change the token")
	}
	raw, _ := strictB64.DecodeString(newTok)
	if raw[1] != 7 || rotated.Newest() != 7 {
		t.Errorf("new token uses key version %d, want 7", raw[1])
	}
	if _, err := old.Verify(newTok); err != ErrInvalid {
		t.Errorf("old ring accepted a token of the new key: %v", err)
	}
	// Dropping version 1 invalidates its links.
	dropped := ring(t, map[byte][]byte{7: key(7)})
	if _, err := dropped.Verify(oldTok); err != ErrInvalid {
		t.Errorf("dropped version still verifies: %v", err)
	}
}

func TestNewKeyringRefuses(t *testing.T) {
	for name, keys := range map[string]map[byte][]byte{
		"empty":     {},
		"version 0": {0: key(1)},
		"short":     {1: key(1)[:31]},
		"long":      {1: append(key(1), 1)},
	} {
		if _, err := NewKeyring(keys); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestNewKeyringCopiesKeys(t *testing.T) {
	k := key(1)
	kr := ring(t, map[byte][]byte{1: k})
	tok := sign(t, kr, sampleClaims[0])
	k[0] ^= 1
	if _, err := kr.Verify(tok); err != nil {
		t.Errorf("changing the caller's slice changed the ring: %v", err)
	}
}

func TestLoadKeyringCreates(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "joinlink.keys")
	kr, err := LoadKeyring(path)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if perm := fi.Mode().Perm(); perm != 0o600 {
		t.Errorf("created with mode %04o, want 0600", perm)
	}
	if v := kr.Versions(); len(v) != 1 || v[0] != 1 {
		t.Errorf("versions %v, want [1]", v)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("directory holds %d entries, want only the key file (no temp left)", len(entries))
	}
	// Loading again gives the same key: tokens survive a restart.
	tok := sign(t, kr, sampleClaims[0])
	again, err := LoadKeyring(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := again.Verify(tok); err != nil {
		t.Errorf("token after reload: %v", err)
	}
	// Another fresh file has another key.
	other, err := LoadKeyring(filepath.Join(dir, "other.keys"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := other.Verify(tok); err != ErrInvalid {
		t.Errorf("two created files share a key: %v", err)
	}
}

func writeKeyFile(t *testing.T, content string, perm os.FileMode) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "joinlink.keys")
	if err := os.WriteFile(path, []byte(content), perm); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, perm); err != nil { // past the umask
		t.Fatal(err)
	}
	return path
}

var hex1, hex2 = hex.EncodeToString(key(1)), hex.EncodeToString(key(2))

func TestLoadKeyringRefusesReadableFile(t *testing.T) {
	for _, perm := range []os.FileMode{0o644, 0o640, 0o604, 0o660, 0o602} {
		path := writeKeyFile(t, "1 "+hex1+"\n", perm)
		_, err := LoadKeyring(path)
		if err == nil || !strings.Contains(err.Error(), path) {
			t.Errorf("mode %04o: %v; want an error naming %s", perm, err, path)
		}
	}
	path := writeKeyFile(t, "1 "+hex1+"\n", 0o400)
	if _, err := LoadKeyring(path); err != nil {
		t.Errorf("mode 0400: %v", err)
	}
}

func TestLoadKeyringFile(t *testing.T) {
	path := writeKeyFile(t, "# keys\n\n  # indented comment\n1 "+hex1+"\n   2\t"+hex2+"  \n", 0o600)
	kr, err := LoadKeyring(path)
	if err != nil {
		t.Fatal(err)
	}
	if v := kr.Versions(); len(v) != 2 || kr.Newest() != 2 {
		t.Errorf("versions %v, newest %d", v, kr.Newest())
	}
	want := ring(t, map[byte][]byte{1: key(1), 2: key(2)})
	if a, b := sign(t, kr, sampleClaims[0]), sign(t, want, sampleClaims[0]); a != b {
		t.Errorf("file ring signs %q, want %q", a, b)
	}
}

func TestLoadKeyringRefusesMalformed(t *testing.T) {
	for name, content := range map[string]string{
		"empty":             "",
		"only comments":     "# nothing\n",
		"one field":         "1\n",
		"three fields":      "1 " + hex1 + " x\n",
		"version 0":         "0 " + hex1 + "\n",
		"version 256":       "256 " + hex1 + "\n",
		"version not digit": "a " + hex1 + "\n",
		"negative version":  "-1 " + hex1 + "\n",
		"duplicate":         "1 " + hex1 + "\n1 " + hex2 + "\n",
		"short key":         "1 " + hex1[:62] + "\n",
		"long key":          "1 " + hex1 + "00\n",
		"not hex":           "1 " + strings.Repeat("zz", KeySize) + "\n",
		"zero key":          "1 " + strings.Repeat("00", KeySize) + "\n",
		"inline comment":    "1 " + hex1 + " # main\n",
	} {
		path := writeKeyFile(t, content, 0o600)
		_, err := LoadKeyring(path)
		if err == nil || !strings.Contains(err.Error(), path) {
			t.Errorf("%s: %v; want an error naming %s", name, err, path)
			continue
		}
		if strings.Contains(err.Error(), hex1[:16]) {
			t.Errorf("%s: error quotes key material: %v", name, err)
		}
	}
}

func TestLoadKeyringNoDirectory(t *testing.T) {
	path := filepath.Join(t.TempDir(), "missing", "joinlink.keys")
	if _, err := LoadKeyring(path); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Errorf("missing directory: %v", err)
	}
}

func FuzzVerify(f *testing.F) {
	kr := ring(f, map[byte][]byte{1: key(1), 2: key(2)})
	old := ring(f, map[byte][]byte{1: key(1)})
	for _, c := range sampleClaims {
		f.Add(sign(f, kr, c))
		f.Add(sign(f, old, c))
	}
	f.Add("")
	f.Add(strings.Repeat("A", TokenLen))
	f.Add(strings.Repeat("_", TokenLen+1))
	f.Fuzz(func(t *testing.T, tok string) {
		for _, r := range []*Keyring{kr, old} {
			c, err := r.Verify(tok)
			if err != nil {
				if err != ErrInvalid {
					t.Fatalf("Verify error %v is not ErrInvalid", err)
				}
				continue
			}
			// Accepted: it must be exactly what Sign makes from these
			// claims with the key its version byte names.
			raw, _ := strictB64.DecodeString(tok)
			signer := ring(t, map[byte][]byte{raw[1]: r.keys[raw[1]]})
			if again := sign(t, signer, c); again != tok {
				t.Fatalf("accepted %q as %+v, but Sign gives %q", tok, c, again)
			}
		}
	})
}

func TestMemberLink(t *testing.T) {
	kr, err := NewKeyring(map[byte][]byte{1: make([]byte, KeySize)})
	if err != nil {
		t.Fatal(err)
	}
	c := Claims{Booking: "01HZY5M9D0A1B2C3D4E5F6G7H8", Kind: KindMember, Member: 7, Generation: 2}
	tok, err := kr.Sign(c)
	if err != nil {
		t.Fatal(err)
	}
	got, err := kr.Verify(tok)
	if err != nil || got != c {
		t.Fatalf("Verify: %+v, %v; want %+v", got, err, c)
	}
	if _, err := kr.Sign(Claims{Booking: c.Booking, Kind: KindMember, Generation: 1}); err == nil {
		t.Fatal("signed a member link without a member")
	}
	if _, err := kr.Sign(Claims{Booking: c.Booking, Kind: KindGuest, Member: 3, Generation: 1}); err == nil {
		t.Fatal("signed a guest link naming a member")
	}
}

// A keyring written as text (a cluster keeps it so in etcd) reads back
// the same, every version with its key.
func TestKeyringTextRoundTrip(t *testing.T) {
	a, err := NewRandomKeyring()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := NewRandomKeyring()
	two, err := NewKeyring(map[byte][]byte{1: a.keys[1], 7: b.keys[1]})
	if err != nil {
		t.Fatal(err)
	}
	back, err := ParseKeyring([]byte(two.Text()))
	if err != nil || !back.Equal(two) || back.Newest() != 7 {
		t.Fatalf("read back: %v, equal %v", err, err == nil && back.Equal(two))
	}
	if back.Equal(a) || a.Equal(b) {
		t.Fatal("different keyrings compare equal")
	}
}
