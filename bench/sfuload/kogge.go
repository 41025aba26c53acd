package main

import (
	"context"
	"errors"
	"net"
)

// kogge runs bench/sfuload/koggesfu as its own process and drives it over
// Kogge's WebSocket signaling.
type kogge struct {
	bin  string
	ip   net.IP
	proc *child
}

func (k *kogge) name() string    { return "kogge" }
func (k *kogge) mediaIP() net.IP { return k.ip }
func (k *kogge) pid() int        { return k.proc.pid() }

func (k *kogge) start(ctx context.Context, pin bool) error {
	return errors.New("kogge: not yet implemented")
}

func (k *kogge) publish(ctx context.Context, p *publisher) error { return errors.New("not yet") }

func (k *kogge) subscribe(ctx context.Context, s *subscriber) error { return errors.New("not yet") }

func (k *kogge) close() {
	if k.proc != nil {
		k.proc.stop()
	}
}
