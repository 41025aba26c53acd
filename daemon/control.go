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

	"github.com/kogge-project/kogge/rooms/accounts"
)

// The control socket lets `kogge user …` and `kogge backup` work while the
// daemon runs and holds the database. It lives in the data dir (mode 0700
// under systemd's StateDirectory), is itself 0600, and each connection's
// peer must run as our own user or root: whoever passes that could read
// the database file anyway. Requests over it act as the local administrator.
const controlSocketName = "kogge.sock"

// localAdmin is the actor the audit log records for control-socket requests.
// It contains '@', which account names cannot, so no account can pass for it.
const localAdmin = "root@control-socket"

type localKey struct{}

func localCaller(ctx context.Context) (*caller, bool) {
	if ok, _ := ctx.Value(localKey{}).(bool); ok {
		return &caller{user: accounts.User{Name: localAdmin, Role: accounts.RoleAdmin}, local: true}, true
	}
	return nil, false
}

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

// controlConnContext admits a control-socket connection only from our own
// user or root; others get a context without the local mark and are
// treated as anonymous.
func controlConnContext(ctx context.Context, c net.Conn) context.Context {
	uc, ok := c.(*net.UnixConn)
	if !ok {
		return ctx
	}
	raw, err := uc.SyscallConn()
	if err != nil {
		return ctx
	}
	var cred *syscall.Ucred
	_ = raw.Control(func(fd uintptr) {
		cred, err = syscall.GetsockoptUcred(int(fd), syscall.SOL_SOCKET, syscall.SO_PEERCRED)
	})
	if err != nil || cred == nil {
		return ctx
	}
	if cred.Uid == 0 || int(cred.Uid) == os.Getuid() {
		return context.WithValue(ctx, localKey{}, true)
	}
	return ctx
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
