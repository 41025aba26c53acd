package config

import (
	"fmt"
	"os"
	"strings"
	"time"
)

// Problem is one thing wrong with a configuration, located by the path of the
// key a user has to edit: "server.listen", "rooms[2].capacity". Array indexes
// are 0-based, like the order of [[rooms]] tables in the file counted from 0.
type Problem struct {
	Path    string
	Message string
}

func (p Problem) String() string {
	if p.Path == "" {
		return p.Message
	}
	return p.Path + ": " + p.Message
}

// Errors are all problems found in one configuration. Reporting them together
// spares an admin the edit-restart-read loop one problem at a time.
type Errors []Problem

// Error renders one problem per line, "path: message".
func (e Errors) Error() string {
	lines := make([]string, len(e))
	for i, p := range e {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// add records a problem; a method so call sites read like the message.
func (e *Errors) add(path, format string, args ...any) {
	*e = append(*e, Problem{Path: path, Message: fmt.Sprintf(format, args...)})
}

// err returns e as an error, or a true nil when there is nothing to report
// (a nil Errors inside a non-nil error interface would read as a failure).
func (e Errors) err() error {
	if len(e) == 0 {
		return nil
	}
	return e
}

// readable checks that a file the daemon will need can be opened now, so a
// typo fails check-config instead of the first TLS handshake.
func readable(path, name string, e *Errors) bool {
	f, err := os.Open(name)
	if err != nil {
		e.add(path, "cannot read %s: %v", name, unwrapPathError(err))
		return false
	}
	defer f.Close()
	// A directory or a device (/dev/zero) would fail or never end when read.
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		e.add(path, "%s is not a regular file", name)
		return false
	}
	return true
}

func unwrapPathError(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}

func inRange(e *Errors, path string, d Duration, lo, hi time.Duration) {
	if d.Duration < lo || d.Duration > hi {
		e.add(path, "must be between %s and %s, not %s", shortDuration(lo), shortDuration(hi), d)
	}
}
