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

	"github.com/kogge-project/kogge/rooms"
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
	crashed := !errors.As(err, &exit) || exit.ExitCode() != checkExitCorrupt
	return refusal(dbPath, strings.TrimSpace(stderr.String()), crashed, err)
}

// Summary limits of the refusal: a badly damaged file yields thousands of
// problems (or a crash dump), and the message ends up in the journal and on
// the operator's terminal, where the remedy must come first and fit.
const (
	refusalProblems = 3
	refusalLineMax  = 200
)

// checkReportPath is where the checker's full output goes: next to the
// database, one file (overwritten), so a restart loop does not pile up.
func checkReportPath(dbPath string) string { return dbPath + ".check.txt" }

// refusal is the error for a file that failed its check: what happened and
// the remedy first, then the number of problems and the first few, and
// where the full report was written.
func refusal(dbPath, detail string, crashed bool, runErr error) error {
	var b strings.Builder
	fmt.Fprintf(&b, "database %s failed its integrity check; Kogge will not start on it and changed nothing.\n", dbPath)
	fmt.Fprintf(&b, "Restore the latest backup (keep this file for analysis):\n  kogge restore -from /path/to/backup.db [-config FILE]   (see README, \"Backup and restore\")\n")
	lines, total := checkProblems(dbPath, detail)
	switch {
	case crashed:
		first := runErr.Error()
		if len(lines) > 0 {
			first = lines[0]
		}
		fmt.Fprintf(&b, "The check itself crashed on the file (%s): %s\n", runErr, rooms.Clip(first, refusalLineMax))
	default:
		fmt.Fprintf(&b, "%d problems found", total)
		if len(lines) > refusalProblems {
			fmt.Fprintf(&b, "; the first %d", refusalProblems)
		}
		b.WriteString(":\n")
		for _, l := range lines[:min(len(lines), refusalProblems)] {
			fmt.Fprintf(&b, "  - %s\n", rooms.Clip(l, refusalLineMax)) // the report has it whole
		}
	}
	report := checkReportPath(dbPath)
	full := fmt.Sprintf("Integrity check of %s at %s\n\n%s\n", dbPath, time.Now().Format(time.RFC3339), detail)
	if err := os.WriteFile(report, []byte(full), 0o600); err != nil {
		fmt.Fprintf(&b, "The full report could not be written (%v).", err)
	} else {
		fmt.Fprintf(&b, "The full report is in %s.", report)
	}
	return errors.New(b.String())
}

// checkProblems splits the checker's output into problems. The first line
// carries CheckFile's "check FILE: " prefix, and the last may be its
// "and N more problems", which counts towards the total.
func checkProblems(dbPath, detail string) (lines []string, total int) {
	for _, l := range strings.Split(detail, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	if len(lines) > 0 {
		lines[0] = strings.TrimPrefix(lines[0], "check "+dbPath+": ")
	}
	total = len(lines)
	if n := len(lines); n > 0 {
		var more int
		if _, err := fmt.Sscanf(lines[n-1], "and %d more problems", &more); err == nil {
			lines, total = lines[:n-1], n-1+more
		}
	}
	return lines, total
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
