package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	sddaemon "github.com/coreos/go-systemd/v22/daemon"

	"github.com/kogge-project/kogge/rooms/store"
)

// Exit codes of the hidden check-db subcommand.
const (
	checkExitCorrupt = 1
	checkExitLocked  = 3
	// checkDeadline bounds the whole check; bbolt's Check reads every page,
	// about a second per GiB here.
	checkDeadline = 5 * time.Minute
)

// checkIntegrity runs bbolt's consistency check on dbPath in a child
// process: a corrupt or truncated file can crash the process inside the
// mmap (SIGSEGV/SIGBUS), which no recover() catches. A missing file is fine
// (first start). The error says which file and how to restore.
func checkIntegrity(dbPath string, openTimeout time.Duration) error {
	if _, err := os.Stat(dbPath); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err := probeLock(dbPath); err != nil {
		return err
	}
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("integrity check: cannot find own executable: %w", err)
	}
	// A large file takes a while: tell systemd not to give up on the start.
	_, _ = sddaemon.SdNotify(false, fmt.Sprintf("EXTEND_TIMEOUT_USEC=%d", checkDeadline.Microseconds()))
	ctx, cancel := context.WithTimeout(context.Background(), checkDeadline)
	defer cancel()
	cmd := exec.CommandContext(ctx, exe, "internal-check-db", "-timeout", openTimeout.String(), dbPath)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	err = cmd.Run()
	if err == nil {
		return nil
	}
	var exit *exec.ExitError
	if errors.As(err, &exit) && exit.ExitCode() == checkExitLocked {
		return fmt.Errorf("data dir %s is in use by another kogge: %w", filepath.Dir(dbPath), store.ErrLocked)
	}
	detail := strings.TrimSpace(stderr.String())
	if detail == "" {
		detail = err.Error() // killed by a signal: the file crashed the checker
	}
	return fmt.Errorf("database %s failed its integrity check and Kogge will not start on it: %s\n"+
		"Nothing was changed. Stop here, keep this file for analysis, and restore the latest backup:\n"+
		"  cp /path/to/backup.db %s   (see README, \"Backup and restore\")", dbPath, detail, dbPath)
}

// probeLock fails at once when another process holds the database: bbolt
// takes an exclusive flock, and a non-blocking shared one tells us without
// waiting for the open timeout.
func probeLock(dbPath string) error {
	f, err := os.Open(dbPath)
	if err != nil {
		return fmt.Errorf("cannot read database %s: %w", dbPath, err)
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_SH|syscall.LOCK_NB); err != nil {
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return fmt.Errorf("data dir %s is in use by another kogge: %w", filepath.Dir(dbPath), store.ErrLocked)
		}
		return fmt.Errorf("cannot lock database %s: %w", dbPath, err)
	}
	return syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
}

// runCheckDB is the child side: `kogge internal-check-db FILE`.
func runCheckDB(args []string) int {
	fs := flag.NewFlagSet("internal-check-db", flag.ContinueOnError)
	timeout := fs.Duration("timeout", 2*time.Second, "how long to wait for the file lock")
	if err := fs.Parse(args); err != nil || fs.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: kogge internal-check-db [-timeout D] FILE")
		return 2
	}
	if err := store.CheckFile(fs.Arg(0), *timeout); err != nil {
		fmt.Fprintln(os.Stderr, err)
		if errors.Is(err, store.ErrLocked) {
			return checkExitLocked
		}
		return checkExitCorrupt
	}
	return 0
}
