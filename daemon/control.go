package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"syscall"
)

// The control socket lets `kogge user …` and `kogge backup` work while the
// daemon runs and holds the database. It lives in the data dir (mode 0700
// under systemd's StateDirectory), is itself 0600, and each connection's
// peer must run as our own user or root: whoever passes that could read
// the database file anyway. Requests over it act as the local administrator.
const controlSocketName = "kogge.sock"

// listenControl opens the control socket in dataDir. A leftover socket file
// is stale: we hold the database lock, so no other kogge owns it.
func listenControl(dataDir string) (net.Listener, error) {
	path := filepath.Join(dataDir, controlSocketName)
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("control socket: %w", err)
	}
	old := syscall.Umask(0o177)
	ln, err := net.Listen("unix", path)
	syscall.Umask(old)
	if err != nil {
		return nil, fmt.Errorf("control socket: %w", err)
	}
	return ln, nil
}

// controlClient is an HTTP client that talks to the daemon over its socket.
func controlClient(dataDir string) *http.Client {
	path := filepath.Join(dataDir, controlSocketName)
	return &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", path)
		},
	}}
}
