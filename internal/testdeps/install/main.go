// Command install puts in place what Kogge's tests need from outside Go
// before they run: the programs in testdeps.Programs (Debian packages,
// installed with apt-get when run as root) and the npm packages of every
// package-lock.json in the repository (`npm ci`, exactly as locked). It
// is the first half of the README's test command:
//
//	go run ./internal/testdeps/install && go test -race ./...
//
// Run it from anywhere inside the repository. It exits non-zero, saying
// what is missing and how to install it, when it cannot install something.
package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/kogge-project/kogge/internal/testdeps"
)

func main() {
	if err := install(); err != nil {
		fmt.Fprintln(os.Stderr, "testdeps:", err)
		os.Exit(1)
	}
}

func install() error {
	root, err := moduleRoot()
	if err != nil {
		return err
	}
	var errs []error
	for _, p := range testdeps.Programs {
		if _, err := testdeps.EnsureProgram(p); err != nil {
			errs = append(errs, err)
		}
	}
	dirs, err := testdeps.NPMDirs(root)
	if err != nil {
		return err
	}
	for _, d := range dirs {
		if err := testdeps.EnsureNPM(d); err != nil {
			rel, _ := filepath.Rel(root, d)
			errs = append(errs, fmt.Errorf("npm packages of %s: %w", rel, err))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	fmt.Printf("testdeps: %d programs and the npm packages of %d folders are in place\n", len(testdeps.Programs), len(dirs))
	return nil
}

// moduleRoot is the folder of the go.mod above the working directory.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory: run it inside the Kogge repository")
		}
		dir = parent
	}
}
