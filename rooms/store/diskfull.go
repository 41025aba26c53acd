package store

import (
	"errors"
	"syscall"
)

// NoSpace reports whether err is a write that failed for want of space:
// a full disk, or the service user's quota used up.
func NoSpace(err error) bool {
	return errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT)
}

// noteCommit records how a write transaction ended. A commit that failed
// for want of space marks the store full (logged once, when it starts);
// the next commit that succeeds clears it. Other errors say nothing about
// the disk (most are refusals that rolled back before writing).
func (s *Store) noteCommit(err error) {
	switch {
	case err == nil:
		if s.diskFull.CompareAndSwap(true, false) {
			s.log.Info("the disk has room again: writes succeed", "file", s.path)
		}
	case NoSpace(err):
		if s.diskFull.CompareAndSwap(false, true) {
			s.log.Error("the disk is full: writes fail and nothing is saved until space is freed", "file", s.path, "err", err)
		}
	}
}

// DiskFull reports whether the last write failed for want of space (and
// none has succeeded since): /readyz says not ready meanwhile.
func (s *Store) DiskFull() bool { return s.diskFull.Load() }
