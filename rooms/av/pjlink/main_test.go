package pjlink

import (
	"context"
	"net"
	"testing"

	"go.uber.org/goleak"
)

// Every client reader and emulator session must end on Close.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// startEmulator runs an emulator on loopback TCP until the test ends.
func startEmulator(t *testing.T, eo EmulatorOptions) *Emulator {
	t.Helper()
	e := NewEmulator(eo)
	if err := e.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}

// dialTCP dials an emulator started with startEmulator.
func dialTCP(t *testing.T, e *Emulator, password string) *Client {
	t.Helper()
	c, err := Dial(t.Context(), e.Addr(), password, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// pipeDialer serves every connection the client opens on e over net.Pipe,
// so timers on both ends run on a synctest bubble's clock.
func pipeDialer(e *Emulator) func(context.Context, string) (net.Conn, error) {
	return func(context.Context, string) (net.Conn, error) {
		client, device := net.Pipe()
		go e.Serve(device)
		return client, nil
	}
}

// pipePair is an emulator and a client connected over net.Pipe, for use
// inside synctest.Test. Call the returned func before the bubble ends.
func pipePair(t *testing.T, eo EmulatorOptions, password string, opts Options) (*Emulator, *Client, func()) {
	t.Helper()
	e := NewEmulator(eo)
	opts.Dial = pipeDialer(e)
	c, err := Dial(t.Context(), "projector:4352", password, opts)
	if err != nil {
		e.Close()
		t.Fatal(err)
	}
	return e, c, func() {
		c.Close()
		e.Close()
	}
}
