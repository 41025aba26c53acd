package config

import (
	"fmt"
	"strings"
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
