package pjlink

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// Every command against the emulator over real TCP, class 2 with auth.
func TestClientCommands(t *testing.T) {
	e := startEmulator(t, EmulatorOptions{
		Password: "JBMIAProjectorLink", Class: 2, Name: "Ratssaal Beamer",
		Manufacturer: "ACME", Model: "PJ-9", LampHours: 1234,
		InputNames: map[string]string{"32": "Lectern"},
	})
	c := dialTCP(t, e, "JBMIAProjectorLink")
	ctx := t.Context()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	is := func(err, want error) {
		t.Helper()
		if !errors.Is(err, want) {
			t.Fatalf("err = %v, want %v", err, want)
		}
	}

	if n, err := c.Class(ctx); n != 2 || err != nil {
		t.Fatalf("Class = %d, %v", n, err)
	}
	if p, err := c.PowerState(ctx); p != PowerOff || err != nil {
		t.Fatalf("PowerState = %v, %v", p, err)
	}
	is(c.SetInput(ctx, "31"), ErrUnavailableTime) // standby
	_, err := c.Input(ctx)
	is(err, ErrUnavailableTime)
	must(c.Power(ctx, true))
	if p, err := c.PowerState(ctx); p != PowerOn || err != nil {
		t.Fatalf("PowerState = %v, %v", p, err)
	}
	must(c.SetInput(ctx, "32"))
	if in, err := c.Input(ctx); in != "32" || err != nil {
		t.Fatalf("Input = %q, %v", in, err)
	}
	must(c.SetInput(ctx, "61")) // class 2 code goes out as %2INPT
	if in, err := c.Input(ctx); in != "61" || err != nil {
		t.Fatalf("Input = %q, %v", in, err)
	}
	is(c.SetInput(ctx, "35"), ErrOutOfParameter)    // the device has no such input
	is(c.SetInput(ctx, "3\r"), ErrOutOfParameter)   // never reaches the wire
	is(c.SetInput(ctx, "HDMI1"), ErrOutOfParameter) // not a code
	if in, err := c.Inputs(ctx); !slices.Equal(in, []string{"11", "31", "32", "61"}) || err != nil {
		t.Fatalf("Inputs = %v, %v", in, err)
	}
	must(c.SetAVMute(ctx, MuteVideoOn))
	if m, err := c.AVMute(ctx); m != MuteVideoOn || !m.Video() || m.Audio() || err != nil {
		t.Fatalf("AVMute = %v, %v", m, err)
	}
	must(c.SetAVMute(ctx, MuteOff))
	is(c.SetAVMute(ctx, "99"), ErrOutOfParameter)
	e.SetErrorStatus(ErrorStatus{Filter: LevelWarning})
	if s, err := c.ErrorStatus(ctx); s != (ErrorStatus{Filter: LevelWarning}) || err != nil {
		t.Fatalf("ErrorStatus = %+v, %v", s, err)
	}
	if l, err := c.LampHours(ctx); !slices.Equal(l, []Lamp{{1234, true}}) || err != nil {
		t.Fatalf("LampHours = %v, %v", l, err)
	}
	for _, q := range []struct {
		f    func(context.Context) (string, error)
		want string
	}{
		{c.Name, "Ratssaal Beamer"}, {c.Manufacturer, "ACME"}, {c.Model, "PJ-9"},
		{c.Info, "Kogge PJLink emulator"}, {c.SerialNumber, "KOG0001"}, {c.SoftwareVersion, "1.0"},
	} {
		if got, err := q.f(ctx); got != q.want || err != nil {
			t.Errorf("got %q, %v; want %q", got, err, q.want)
		}
	}
	if n, err := c.InputName(ctx, "31"); n != "HDMI 1" || err != nil {
		t.Fatalf("InputName(31) = %q, %v", n, err)
	}
	if n, err := c.InputName(ctx, "32"); n != "Lectern" || err != nil {
		t.Fatalf("InputName(32) = %q, %v", n, err)
	}
	_, err = c.InputName(ctx, "39")
	is(err, ErrOutOfParameter)
	must(c.Freeze(ctx, true))
	if f, err := c.Frozen(ctx); !f || err != nil {
		t.Fatalf("Frozen = %v, %v", f, err)
	}
	e.SetFault(FaultFailure)
	_, err = c.ErrorStatus(ctx)
	is(err, ErrProjectorFailure)
	e.SetFault(FaultNone)
	must(c.Power(ctx, false))
	if p, err := c.PowerState(ctx); p != PowerOff || err != nil {
		t.Fatalf("PowerState = %v, %v", p, err)
	}
	if n := e.Connections(); n != 1 {
		t.Fatalf("%d connections, want the one reused", n)
	}
}

func TestClientClass1Device(t *testing.T) {
	e := startEmulator(t, EmulatorOptions{NoLamp: true})
	c := dialTCP(t, e, "")
	ctx := t.Context()
	if err := c.Freeze(ctx, true); !errors.Is(err, ErrUndefinedCommand) {
		t.Fatalf("Freeze on class 1: %v", err)
	}
	if _, err := c.LampHours(ctx); !errors.Is(err, ErrUndefinedCommand) {
		t.Fatalf("LampHours without a lamp: %v", err)
	}
	if err := c.SetInput(ctx, "61"); !errors.Is(err, ErrOutOfParameter) {
		t.Fatalf("class 2 input on class 1: %v", err)
	}
	if in, err := c.Inputs(ctx); !slices.Equal(in, []string{"11", "31", "32"}) || err != nil {
		t.Fatalf("Inputs = %v, %v", in, err)
	}
	err := c.SetInput(ctx, "31")
	if want := "the projector cannot do that now (ERR3: busy or warming up)"; !strings.HasSuffix(err.Error(), want) {
		t.Fatalf("message %q does not end in %q", err, want)
	}
}

func TestClientAuth(t *testing.T) {
	e := startEmulator(t, EmulatorOptions{Password: "secret"})
	dialTCP(t, e, "secret")
	if _, err := Dial(t.Context(), e.Addr(), "wrong", Options{}); !errors.Is(err, ErrAuth) {
		t.Fatalf("wrong password: %v", err)
	}
	if _, err := Dial(t.Context(), e.Addr(), "", Options{}); !errors.Is(err, ErrAuth) {
		t.Fatalf("no password: %v", err)
	}
	if _, err := Dial(t.Context(), e.Addr(), strings.Repeat("x", 33), Options{}); err == nil {
		t.Fatal("over-long password accepted")
	}
	// A password for a device without authentication is not used.
	open := startEmulator(t, EmulatorOptions{})
	dialTCP(t, open, "secret")
}

// The client's first line on an authenticated connection is the spec's
// example byte for byte, and later lines carry no digest.
func TestClientSendsSpecDigest(t *testing.T) {
	dev := make(chan net.Conn, 1)
	opts := Options{Dial: func(context.Context, string) (net.Conn, error) {
		c, d := net.Pipe()
		dev <- d
		return c, nil
	}}
	done := make(chan error, 1)
	go func() {
		d := <-dev
		defer d.Close()
		br := bufio.NewReader(d)
		io.WriteString(d, "PJLINK 1 498e4a67\r")
		for _, x := range [][2]string{
			{"5d8409bc1c3fa39749434aa3a5c38682%1CLSS ?\r", "%1CLSS=2\r"},
			{"%1POWR ?\r", "%1POWR=0\r"},
		} {
			got, err := br.ReadString('\r')
			if err != nil || got != x[0] {
				done <- errors.New("client sent " + got)
				return
			}
			io.WriteString(d, x[1])
		}
		done <- nil
	}()
	c, err := Dial(t.Context(), "projector:4352", "JBMIAProjectorLink", opts)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if p, err := c.PowerState(t.Context()); p != PowerOff || err != nil {
		t.Fatalf("PowerState = %v, %v", p, err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// Several goroutines share one client and one connection (run with -race).
func TestClientConcurrent(t *testing.T) {
	e := startEmulator(t, EmulatorOptions{Password: "pw", Class: 2})
	c := dialTCP(t, e, "pw")
	ctx := t.Context()
	if err := c.Power(ctx, true); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := range 8 {
		wg.Go(func() {
			for range 25 {
				var err error
				switch i % 4 {
				case 0:
					_, err = c.PowerState(ctx)
				case 1:
					err = c.SetInput(ctx, "31")
				case 2:
					_, err = c.Name(ctx)
				case 3:
					_, err = c.LampHours(ctx)
				}
				if err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n := e.Connections(); n != 1 {
		t.Fatalf("%d connections, want 1", n)
	}
}

func TestClientClose(t *testing.T) {
	e := startEmulator(t, EmulatorOptions{})
	c := dialTCP(t, e, "")
	c.Close()
	if _, err := c.PowerState(t.Context()); !errors.Is(err, ErrClosed) {
		t.Fatalf("after Close: %v", err)
	}
	c.Close() // twice is fine
}

func TestClientDialFails(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	if _, err := Dial(t.Context(), addr, "", Options{}); err == nil {
		t.Fatal("Dial to a closed port succeeded")
	}
}

// Close ends a call in flight on a hung device, and one waiting behind it,
// at once.
func TestClientCloseDuringCall(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e, c, done := pipePair(t, EmulatorOptions{}, "", Options{})
		defer done()
		e.SetFault(FaultHang)
		res := make(chan error, 2)
		for range 2 {
			go func() {
				_, err := c.PowerState(t.Context())
				res <- err
			}()
		}
		synctest.Wait() // one call waits for the reply, one for the connection
		start := time.Now()
		c.Close()
		for range 2 {
			if err := <-res; !errors.Is(err, ErrClosed) || time.Since(start) != 0 {
				t.Fatalf("call during Close: %v after %v", err, time.Since(start))
			}
		}
	})
}
