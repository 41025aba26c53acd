package joinlink

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
)

// The key file's text also travels without a file: on a cluster the
// daemon keeps it in etcd (daemon/cluster/joinkeys.go), so that a link
// made on one node opens on every other.

// keyFileHeader opens a key file written by Kogge.
const keyFileHeader = "# Kogge join link signing keys: <version> <64 hex digits>.\n" +
	"# The highest version signs new links; every version listed verifies.\n" +
	"# Removing a version invalidates the links signed with it.\n"

// ReadKeyFile reads the key file at path as LoadKeyring does, without
// creating it: a missing file is an error satisfying
// errors.Is(err, fs.ErrNotExist).
func ReadKeyFile(path string) (*Keyring, error) { return readKeyFile(path) }

// ParseKeyring reads keys in the key file's format.
func ParseKeyring(text []byte) (*Keyring, error) {
	if len(text) > maxKeyFile {
		return nil, fmt.Errorf("larger than %d bytes", maxKeyFile)
	}
	keys, err := parseKeys(text)
	if err != nil {
		return nil, err
	}
	return NewKeyring(keys)
}

// NewRandomKeyring is a keyring of one random key, version 1.
func NewRandomKeyring() (*Keyring, error) {
	key := make([]byte, KeySize)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	return NewKeyring(map[byte][]byte{1: key})
}

// Text is the keyring in the key file's format (ParseKeyring reads it).
func (kr *Keyring) Text() string {
	var b strings.Builder
	b.WriteString(keyFileHeader)
	for _, v := range kr.Versions() {
		b.WriteString(strconv.Itoa(int(v)) + " " + hex.EncodeToString(kr.keys[v]) + "\n")
	}
	return b.String()
}

// Equal reports whether both keyrings hold the same versions with the
// same keys.
func (kr *Keyring) Equal(o *Keyring) bool {
	if len(kr.keys) != len(o.keys) {
		return false
	}
	for v, k := range kr.keys {
		if !bytes.Equal(k, o.keys[v]) {
			return false
		}
	}
	return true
}
