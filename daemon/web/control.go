package web

import (
	"context"
	"net"
	"os"
	"syscall"

	"github.com/kogge-project/kogge/rooms/accounts"
)

// Requests over the control socket (daemon/control.go) act as the local
// administrator; ControlConnContext marks the connections that may.

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

// ControlConnContext admits a control-socket connection only from our own
// user or root; others get a context without the local mark and are
// treated as anonymous.
func ControlConnContext(ctx context.Context, c net.Conn) context.Context {
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
