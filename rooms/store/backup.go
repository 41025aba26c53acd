package store

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"go.etcd.io/bbolt"

	"github.com/kogge-project/kogge/rooms/store/kv"
)

// maxCheckErrors bounds the problems CheckFile reports: a badly damaged
// file yields thousands, and the first few say enough.
const maxCheckErrors = 50

// WriteBackup writes a consistent copy of the database (accounts
// included) to w while the store stays usable, and returns its size.
//
// The copy is compacted: bbolt.Compact rewrites the live records into a
// fresh file, which is then streamed. A byte copy (tx.WriteTo) would carry
// the freed pages too, and with them the text of purged bookings: a backup
// must hold only what the retention rules still allow. The temporary file
// lives beside the database (same disk, mode 0600) and is removed after.
func (s *Store) WriteBackup(w io.Writer) (int64, error) {
	defer s.timed("backup")()
	tmp, err := os.CreateTemp(filepath.Dir(s.path), ".backup-*.db")
	if err != nil {
		return 0, fmt.Errorf("backup %s: %w", s.path, err)
	}
	tmpPath := tmp.Name()
	tmp.Close()
	defer os.Remove(tmpPath)
	// NoSync: the temporary copy is read back at once; whoever receives the
	// stream makes it durable (kogge backup fsyncs before renaming).
	dst, err := bbolt.Open(tmpPath, 0o600, &bbolt.Options{NoSync: true, Timeout: time.Second})
	if err != nil {
		return 0, fmt.Errorf("backup %s: %w", s.path, err)
	}
	if err := bbolt.Compact(dst, s.db.Bolt(), compactTxSize); err != nil {
		dst.Close()
		return 0, fmt.Errorf("backup %s: %w", s.path, err)
	}
	// A cluster node's copy reflects one revision of the shared store
	// (Compact reads it in one transaction); without the node's own
	// bookkeeping it is a single-machine store, restored as any other or
	// copied back into etcd with `kogge store copy`. What the bucket
	// leaves on a free page is a revision number, nothing retained.
	if err := dropLocal(dst); err != nil {
		dst.Close()
		return 0, fmt.Errorf("backup %s: %w", s.path, err)
	}
	if err := dst.Close(); err != nil {
		return 0, fmt.Errorf("backup %s: %w", s.path, err)
	}
	f, err := os.Open(tmpPath)
	if err != nil {
		return 0, fmt.Errorf("backup %s: %w", s.path, err)
	}
	defer f.Close()
	n, err := io.Copy(w, f)
	if err != nil {
		return n, fmt.Errorf("backup %s: %w", s.path, err)
	}
	return n, nil
}

// dropLocal removes the node-local bucket of a cluster copy, if any.
func dropLocal(db *bbolt.DB) error {
	return db.Update(func(tx *bbolt.Tx) error {
		if tx.Bucket([]byte(kv.ReplicaBucket)) == nil {
			return nil
		}
		return tx.DeleteBucket([]byte(kv.ReplicaBucket))
	})
}

// compactTxSize bounds each write transaction of the compacting copy, so
// that copying a large database does not build one huge transaction.
const compactTxSize = 16 << 20

// CheckFile checks the integrity of the bbolt file at path. It opens the
// file read-only under a shared lock, waiting at most timeout for a writer
// to let go (then the error wraps ErrLocked), and returns every problem
// tx.Check finds, joined.
//
// A corrupt file can crash the process inside the mmap (SIGSEGV), which no
// recover catches: run CheckFile in a child process and treat its death as
// a failed check.
func CheckFile(path string, timeout time.Duration) error {
	if timeout <= 0 {
		timeout = DefaultOpenTimeout
	}
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{ReadOnly: true, Timeout: timeout})
	if err != nil {
		return openError(path, err)
	}
	defer db.Close()
	var problems []error
	err = db.View(func(tx *bbolt.Tx) error {
		n := 0
		for err := range tx.Check() { // drain it all: Check's goroutine blocks otherwise
			if n++; n <= maxCheckErrors {
				problems = append(problems, err)
			}
		}
		if n > maxCheckErrors {
			problems = append(problems, fmt.Errorf("and %d more problems", n-maxCheckErrors))
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("check %s: %w", path, err)
	}
	if len(problems) > 0 {
		return fmt.Errorf("check %s: %w", path, errors.Join(problems...))
	}
	return nil
}
