// Package testdeps installs what the tests need from outside Go
// (Chromium, Node.js with the npm packages of every package-lock.json,
// systemd-analyze): npm packages exactly as locked, Debian packages with
// apt-get when run as root; otherwise it says what to install. A check
// that skips is one nobody notices is gone, so a test that cannot get what
// it needs fails.
//
// The README's test command runs its installer (internal/testdeps/install)
// before `go test`, so installs never count against a test binary's
// timeout; tests still ask for what they use (Command, NPM), which is a
// quick check then and installs when a single package's tests run on
// their own.
//
// Test binaries of several packages run at once; installs are serialised
// by a lock file in the temporary directory.
package testdeps

import (
	"context"
	"fmt"
	"io/fs"
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

// Program is a program from outside Go that tests run, with the Debian
// package that brings it.
type Program struct{ Name, DebianPackage string }

// Programs are the programs the repository's tests run. Install ensures
// them all; a test asks for the one it needs with Command.
var Programs = []Program{
	{"chromium", "chromium"},
	{"node", "nodejs"},
	{"npm", "npm"},
	{"systemd-analyze", "systemd"},
	{"etcd", "etcd-server"},
}

// Command returns the path of a program, installing its Debian package
// when it is missing and the tests run as root.
func Command(t testing.TB, name, debianPackage string) string {
	t.Helper()
	path, err := EnsureProgram(Program{name, debianPackage})
	if err != nil {
		t.Fatal(err)
	}
	return path
}

// NPM makes sure dir's npm packages are installed as its package-lock.json
// says (`npm ci`), again when the lock is newer than what is installed.
func NPM(t testing.TB, dir string) {
	t.Helper()
	if err := EnsureNPM(dir); err != nil {
		t.Fatal(err)
	}
}

// EnsureProgram is Command without a test: the program's path, its
// package installed first when it is missing and this runs as root.
func EnsureProgram(p Program) (string, error) {
	err := once("deb:"+p.Name, func() error {
		if _, err := exec.LookPath(p.Name); err == nil {
			return nil
		}
		if os.Geteuid() != 0 {
			return fmt.Errorf("%s is not installed: apt-get install %s", p.Name, p.DebianPackage)
		}
		return locked(func() error {
			if _, err := exec.LookPath(p.Name); err == nil {
				return nil // another test binary installed it meanwhile
			}
			if err := run("", "apt-get", "update"); err != nil {
				return err
			}
			return run("", "apt-get", "install", "-y", "--no-install-recommends", p.DebianPackage)
		})
	})
	if err != nil {
		return "", err
	}
	return exec.LookPath(p.Name)
}

// EnsureNPM is NPM without a test.
func EnsureNPM(dir string) error {
	for _, p := range []Program{{"npm", "npm"}, {"node", "nodejs"}} {
		if _, err := EnsureProgram(p); err != nil {
			return err
		}
	}
	return once("npm:"+dir, func() error {
		return locked(func() error {
			if current(dir) {
				return nil
			}
			return run(dir, "npm", "ci", "--no-audit", "--no-fund")
		})
	})
}

// NPMDirs are the folders below root with a package-lock.json (outside
// node_modules): every npm package set the tests use.
func NPMDirs(root string) ([]string, error) {
	var dirs []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			return err
		case d.IsDir() && (d.Name() == "node_modules" || d.Name() == ".git"):
			return filepath.SkipDir
		case !d.IsDir() && d.Name() == "package-lock.json":
			dirs = append(dirs, filepath.Dir(path))
		}
		return nil
	})
	return dirs, err
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
