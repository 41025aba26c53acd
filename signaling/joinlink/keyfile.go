package joinlink

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// maxKeyFile bounds what LoadKeyring reads: 255 lines of a version and 64
// hex digits, with room for comments.
const maxKeyFile = 64 << 10

// LoadKeyring reads the key file at path, or creates it with key version 1
// and a random key if it does not exist.
//
// The file has one key per line, "<version> <64 hex digits>", version
// 1–255; blank lines and lines starting with # are ignored. LoadKeyring
// refuses a file that group or others may read (or write), a malformed
// line, a duplicate version and a key that is not 32 bytes; every error
// names the file.
//
// A new file is written to a temporary file beside it (mode 0600), synced,
// and linked into place, so a crash leaves either no file or a whole one,
// and two processes starting at once end up with the same key.
func LoadKeyring(path string) (*Keyring, error) {
	kr, err := readKeyFile(path)
	if !errors.Is(err, fs.ErrNotExist) {
		return kr, err
	}
	if err := createKeyFile(path); err != nil {
		return nil, err
	}
	return readKeyFile(path)
}

func readKeyFile(path string) (*Keyring, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err // *fs.PathError names the file
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("join link key file %s is not a regular file", path)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return nil, fmt.Errorf("join link key file %s has mode %04o: group and others must have no access (chmod 600 %s)", path, perm, path)
	}
	data, err := io.ReadAll(io.LimitReader(f, maxKeyFile+1))
	if err != nil {
		return nil, fmt.Errorf("read join link key file %s: %w", path, err)
	}
	if len(data) > maxKeyFile {
		return nil, fmt.Errorf("join link key file %s is larger than %d bytes", path, maxKeyFile)
	}
	keys, err := parseKeys(data)
	if err != nil {
		return nil, fmt.Errorf("join link key file %s: %w", path, err)
	}
	kr, err := NewKeyring(keys)
	if err != nil {
		return nil, fmt.Errorf("join link key file %s: %w", path, err)
	}
	return kr, nil
}

func parseKeys(data []byte) (map[byte][]byte, error) {
	keys := map[byte][]byte{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.Fields(line)
		if len(fields) != 2 {
			return nil, fmt.Errorf("line %d: want \"<version> <64 hex digits>\"", n)
		}
		v, err := strconv.ParseUint(fields[0], 10, 8)
		if err != nil || v == 0 {
			return nil, fmt.Errorf("line %d: version %q is not a number from 1 to 255", n, fields[0])
		}
		if _, dup := keys[byte(v)]; dup {
			return nil, fmt.Errorf("line %d: version %d appears twice", n, v)
		}
		if len(fields[1]) != 2*KeySize {
			return nil, fmt.Errorf("line %d: key has %d hex digits, want %d", n, len(fields[1]), 2*KeySize)
		}
		k, err := hex.DecodeString(fields[1])
		if err != nil {
			return nil, fmt.Errorf("line %d: key is not hex", n) // the error would quote key material
		}
		if bytes.Equal(k, make([]byte, KeySize)) {
			return nil, fmt.Errorf("line %d: key is all zeros", n)
		}
		keys[byte(v)] = k
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(keys) == 0 {
		return nil, errors.New("no key")
	}
	return keys, nil
}

// createKeyFile writes a key file with version 1 and a random key. If
// another process created path meanwhile, its file is kept.
func createKeyFile(path string) error {
	key := make([]byte, KeySize)
	if _, err := rand.Read(key); err != nil {
		return fmt.Errorf("create join link key file %s: %w", path, err)
	}
	content := keyFileHeader + "1 " + hex.EncodeToString(key) + "\n"

	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*") // mode 0600
	if err != nil {
		return fmt.Errorf("create join link key file %s: %w", path, err)
	}
	tmpPath := tmp.Name()
	defer os.Remove(tmpPath) // after a link, only the extra name goes
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return fmt.Errorf("create join link key file %s: %w", path, err)
	}
	if _, err := tmp.WriteString(content); err != nil {
		tmp.Close()
		return fmt.Errorf("create join link key file %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("create join link key file %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("create join link key file %s: %w", path, err)
	}
	// A link does not replace an existing file (rename would): a second
	// process that lost the race uses the winner's key.
	if err := os.Link(tmpPath, path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return nil
		}
		// A file system without hard links (or another odd failure):
		// rename, which replaces but is atomic too.
		if err := os.Rename(tmpPath, path); err != nil {
			return fmt.Errorf("create join link key file %s: %w", path, err)
		}
	}
	return syncDir(dir)
}

// syncDir makes a new directory entry durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
}
