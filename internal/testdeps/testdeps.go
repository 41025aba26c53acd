// Package testdeps lets `go test ./...` run on a fresh machine as the
// README prints it: tests that need a program from outside Go (Chromium,
// Node.js with an npm package, systemd-analyze) ask for it here, and what
// is missing is installed once — npm packages exactly as locked, Debian
// packages with apt-get when the tests run as root. Otherwise the test
// fails and says what to install: a check that skips is one nobody
// notices is gone.
//
// Test binaries of several packages run at once; installs are serialised
// by a lock file in the temporary directory.
package testdeps

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"
)

// installDeadline bounds one install (apt-get of Chromium takes a minute
// or two on a fresh machine); a failure bound, not a wait.
const installDeadline = 15 * time.Minute

var (
	mu   sync.Mutex
	done = map[string]error{} // what this process already ensured
)

// Command returns the path of a program, installing its Debian package
// when it is missing and the tests run as root.
func Command(t testing.TB, name, debianPackage string) string {
	t.Helper()
	err := once("deb:"+name, func() error {
		if _, err := exec.LookPath(name); err == nil {
			return nil
		}
		if os.Geteuid() != 0 {
			return fmt.Errorf("%s is not installed: apt-get install %s", name, debianPackage)
		}
		return locked(func() error {
			if _, err := exec.LookPath(name); err == nil {
				return nil // another test binary installed it meanwhile
			}
			if err := run("", "apt-get", "update"); err != nil {
				return err
			}
			return run("", "apt-get", "install", "-y", "--no-install-recommends", debianPackage)
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	path, err := exec.LookPath(name)
	if err != nil {
		t.Fatal(err)
	}
	return path
}

// NPM makes sure dir's npm packages are installed as its package-lock.json
// says (`npm ci`), again when the lock is newer than what is installed.
func NPM(t testing.TB, dir string) {
	t.Helper()
	Command(t, "npm", "npm")
	Command(t, "node", "nodejs")
	err := once("npm:"+dir, func() error {
		return locked(func() error {
			if current(dir) {
				return nil
			}
			return run(dir, "npm", "ci", "--no-audit", "--no-fund")
		})
	})
	if err != nil {
		t.Fatal(err)
	}
}

// current says whether dir's node_modules matches its lock.
func current(dir string) bool {
	installed, err := os.Stat(filepath.Join(dir, "node_modules", ".package-lock.json"))
	if err != nil {
		return false
	}
	lock, err := os.Stat(filepath.Join(dir, "package-lock.json"))
	return err == nil && !lock.ModTime().After(installed.ModTime())
}

func once(key string, fn func() error) error {
	mu.Lock()
	defer mu.Unlock()
	if err, ok := done[key]; ok {
		return err
	}
	err := fn()
	done[key] = err
	return err
}

// locked runs fn holding the machine-wide install lock.
func locked(fn func() error) error {
	f, err := os.OpenFile(filepath.Join(os.TempDir(), "kogge-testdeps.lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		return err
	}
	defer syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
	return fn()
}

func run(dir, name string, args ...string) error {
	ctx, cancel := context.WithTimeout(context.Background(), installDeadline)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s %v: %w\n%s", name, args, err, out)
	}
	return nil
}
