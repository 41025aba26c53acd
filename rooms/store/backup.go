package store

import (
	"errors"
	"fmt"
	"io"
	"time"

	"go.etcd.io/bbolt"
)

// maxCheckErrors bounds the problems CheckFile reports: a badly damaged
// file yields thousands, and the first few say enough.
const maxCheckErrors = 50

// WriteBackup writes a consistent copy of the whole file (accounts
// included) to w while the store stays usable, and returns its size.
func (s *Store) WriteBackup(w io.Writer) (int64, error) {
	var n int64
	err := s.view("backup", func(tx *bbolt.Tx) error {
		var err error
		n, err = tx.WriteTo(w)
		return err
	})
	if err != nil {
		return n, fmt.Errorf("backup %s: %w", s.path, err)
	}
	return n, nil
}

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
