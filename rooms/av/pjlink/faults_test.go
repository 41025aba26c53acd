package pjlink

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

// The timing tests run over net.Pipe in synctest bubbles: the emulator's
// idle and warm-up clocks and the client's timeouts all run on fake time,
// so a 5 s timeout takes exactly 5 s of bubble time and no real time.

func TestFaultHang(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e, c, done := pipePair(t, EmulatorOptions{}, "", Options{})
		defer done()
		ctx := t.Context()
		e.SetFault(FaultHang)

		start := time.Now()
		_, err := c.PowerState(ctx)
		if !errors.Is(err, context.DeadlineExceeded) || errors.Is(err, ErrOutcomeUnknown) {
			t.Fatalf("query on a hung device: %v", err)
		}
		if d := time.Since(start); d != DefaultCommandTimeout {
			t.Fatalf("gave up after %v, want %v", d, DefaultCommandTimeout)
		}
		// A set command that got no answer may have been carried out.
		err = c.Power(ctx, true)
		if !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, ErrOutcomeUnknown) {
			t.Fatalf("set on a hung device: %v", err)
		}
		// The caller's shorter deadline wins.
		short, cancel := context.WithTimeout(ctx, time.Second)
		defer cancel()
		start = time.Now()
		if _, err := c.Name(short); !errors.Is(err, context.DeadlineExceeded) || time.Since(start) != time.Second {
			t.Fatalf("with a 1 s ctx: %v after %v", err, time.Since(start))
		}

		e.SetFault(FaultNone)
		if _, err := c.PowerState(ctx); err != nil {
			t.Fatalf("after the hang: %v", err)
		}
	})
}

// A caller waiting for the connection behind a hung command gives up on
// its own ctx, not after the other command's timeout.
func TestWaitingCallerHonoursCtx(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e, c, done := pipePair(t, EmulatorOptions{}, "", Options{})
		defer done()
		e.SetFault(FaultHang)
		go c.PowerState(t.Context())
		synctest.Wait() // the first call now holds the connection
		ctx, cancel := context.WithTimeout(t.Context(), time.Second)
		defer cancel()
		start := time.Now()
		if _, err := c.Name(ctx); !errors.Is(err, context.DeadlineExceeded) || time.Since(start) != time.Second {
			t.Fatalf("waiting caller: %v after %v", err, time.Since(start))
		}
		e.SetFault(FaultNone)
	})
}

func TestFaultSlow(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e, c, done := pipePair(t, EmulatorOptions{}, "", Options{CommandTimeout: 3 * time.Second})
		defer done()
		ctx := t.Context()

		e.SetFault(FaultSlow(2 * time.Second))
		start := time.Now()
		if _, err := c.PowerState(ctx); err != nil || time.Since(start) != 2*time.Second {
			t.Fatalf("slow within the timeout: %v after %v", err, time.Since(start))
		}
		e.SetFault(FaultSlow(4 * time.Second))
		start = time.Now()
		if _, err := c.PowerState(ctx); !errors.Is(err, context.DeadlineExceeded) || time.Since(start) != 3*time.Second {
			t.Fatalf("slow beyond the timeout: %v after %v", err, time.Since(start))
		}
		// The late reply went to the dropped connection, not to the
		// next command.
		e.SetFault(FaultNone)
		if n, err := c.Name(ctx); n != "Projector" || err != nil {
			t.Fatalf("after the slow reply: %q, %v", n, err)
		}
	})
}

func TestFaultDrop(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e, c, done := pipePair(t, EmulatorOptions{}, "", Options{})
		defer done()
		ctx := t.Context()

		// A query is asked again on a new connection.
		e.SetFault(FaultDrop)
		if p, err := c.PowerState(ctx); p != PowerOff || err != nil {
			t.Fatalf("query across a drop: %v, %v", p, err)
		}
		if n := e.Connections(); n != 2 {
			t.Fatalf("%d connections, want 2", n)
		}
		// A set command is not repeated: its outcome is unknown.
		e.SetFault(FaultDrop)
		err := c.Power(ctx, true)
		if !errors.Is(err, ErrOutcomeUnknown) {
			t.Fatalf("set across a drop: %v", err)
		}
		if e.Power() != PowerOff {
			t.Fatal("the dropped set command was carried out")
		}
		if err := c.Power(ctx, true); err != nil {
			t.Fatalf("after the drop: %v", err)
		}
		if n := e.Connections(); n != 3 {
			t.Fatalf("%d connections, want 3", n)
		}
	})
}

func TestFaultGarbage(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e, c, done := pipePair(t, EmulatorOptions{Password: "pw"}, "pw", Options{})
		defer done()
		ctx := t.Context()
		e.SetFault(FaultGarbage)
		var pe *ProtocolError
		if _, err := c.PowerState(ctx); !errors.As(err, &pe) {
			t.Fatalf("garbage: %v", err)
		}
		e.SetFault(FaultNone)
		if p, err := c.PowerState(ctx); p != PowerOff || err != nil {
			t.Fatalf("after garbage: %v, %v", p, err)
		}
		if n := e.Connections(); n != 2 {
			t.Fatalf("%d connections, want a fresh one after garbage", n)
		}
	})
}

// scriptedDevice serves each connection with fn, for replies the emulator
// does not produce.
func scriptedDevice(fn func(d net.Conn, br *bufio.Reader)) Options {
	return Options{Dial: func(context.Context, string) (net.Conn, error) {
		c, d := net.Pipe()
		go func() {
			defer d.Close()
			io.WriteString(d, "PJLINK 0\r")
			fn(d, bufio.NewReader(d))
		}()
		return c, nil
	}}
}

func TestOverlongAndMismatchedReplies(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var pe *ProtocolError
		// A line without end is cut at maxReplyLine.
		opts := scriptedDevice(func(d net.Conn, br *bufio.Reader) {
			br.ReadString('\r')
			io.WriteString(d, strings.Repeat("x", 2*maxReplyLine))
			br.ReadString('\r')
		})
		if _, err := Dial(t.Context(), "p", "", opts); !errors.As(err, &pe) {
			t.Fatalf("overlong reply: %v", err)
		}
		// A reply to another command is not taken for ours.
		opts = scriptedDevice(func(d net.Conn, br *bufio.Reader) {
			br.ReadString('\r')
			io.WriteString(d, "%1POWR=1\r")
			br.ReadString('\r')
		})
		if _, err := Dial(t.Context(), "p", "", opts); !errors.As(err, &pe) {
			t.Fatalf("mismatched reply: %v", err)
		}
		// A line nobody asked for is dropped, not taken for the next reply.
		opts = scriptedDevice(func(d net.Conn, br *bufio.Reader) {
			br.ReadString('\r')
			io.WriteString(d, "%1CLSS=1\r%1POWR=1\r")
			br.ReadString('\r')
			io.WriteString(d, "%1NAME=Beamer\r")
			br.ReadString('\r')
		})
		c, err := Dial(t.Context(), "p", "", opts)
		if err != nil {
			t.Fatal(err)
		}
		synctest.Wait() // the stray line has arrived
		if n, err := c.Name(t.Context()); n != "Beamer" || err != nil {
			t.Fatalf("after a stray line: %q, %v", n, err)
		}
		c.Close()
		// A device that never greets fails within DialTimeout.
		opts = Options{Dial: func(context.Context, string) (net.Conn, error) {
			c, d := net.Pipe()
			go func() { io.Copy(io.Discard, d); d.Close() }()
			return c, nil
		}}
		start := time.Now()
		if _, err := Dial(t.Context(), "p", "", opts); !errors.Is(err, context.DeadlineExceeded) || time.Since(start) != DefaultDialTimeout {
			t.Fatalf("no greeting: %v after %v", err, time.Since(start))
		}
	})
}

func TestIdleRedial(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// The device closes after 10 s; the client notices while idle and
		// redials, so even a set command afterwards is unambiguous.
		e, c, done := pipePair(t, EmulatorOptions{IdleTimeout: 10 * time.Second}, "", Options{})
		defer done()
		ctx := t.Context()
		time.Sleep(11 * time.Second)
		synctest.Wait()
		if err := c.Power(ctx, true); err != nil {
			t.Fatalf("set after the idle close: %v", err)
		}
		if n := e.Connections(); n != 2 {
			t.Fatalf("%d connections, want 2", n)
		}
		// Commands that keep coming keep the connection.
		for range 5 {
			time.Sleep(8 * time.Second)
			if _, err := c.PowerState(ctx); err != nil {
				t.Fatal(err)
			}
		}
		if n := e.Connections(); n != 2 {
			t.Fatalf("%d connections, want 2", n)
		}
	})
}

// With the device's usual 30 s, a connection idle for more than 25 s is
// not raced against the close: the client redials first.
func TestIdleReuseLimit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e, c, done := pipePair(t, EmulatorOptions{}, "", Options{})
		defer done()
		ctx := t.Context()
		time.Sleep(20 * time.Second)
		if _, err := c.PowerState(ctx); err != nil {
			t.Fatal(err)
		}
		if n := e.Connections(); n != 1 {
			t.Fatalf("after 20 s: %d connections, want 1", n)
		}
		time.Sleep(29 * time.Second)
		if err := c.Power(ctx, true); err != nil {
			t.Fatal(err)
		}
		if n := e.Connections(); n != 2 {
			t.Fatalf("after 29 s: %d connections, want 2", n)
		}
	})
}

func TestSetInputWhenReady(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e, c, done := pipePair(t, EmulatorOptions{WarmUp: 45 * time.Second, CoolDown: 20 * time.Second}, "", Options{})
		defer done()
		ctx := t.Context()

		// Off: no point waiting.
		start := time.Now()
		if err := c.SetInputWhenReady(ctx, "31", time.Minute); !errors.Is(err, ErrUnavailableTime) || time.Since(start) != 0 {
			t.Fatalf("while off: %v after %v", err, time.Since(start))
		}

		if err := c.Power(ctx, true); err != nil {
			t.Fatal(err)
		}
		// A deadline shorter than the warm-up.
		start = time.Now()
		err := c.SetInputWhenReady(ctx, "31", 10*time.Second)
		if !errors.Is(err, ErrUnavailableTime) || !errors.Is(err, context.DeadlineExceeded) || time.Since(start) != 10*time.Second {
			t.Fatalf("short deadline: %v after %v", err, time.Since(start))
		}
		// Long enough: done within one poll of the lamp coming on. (The
		// short deadline may have dropped the connection mid-command.)
		conns := e.Connections()
		start = time.Now()
		if err := c.SetInputWhenReady(ctx, "31", time.Minute); err != nil {
			t.Fatal(err)
		}
		if d := time.Since(start); d < 35*time.Second || d > 35*time.Second+readyPoll {
			t.Fatalf("took %v, want about the 35 s of warm-up left", d)
		}
		if in, err := c.Input(ctx); in != "31" || err != nil {
			t.Fatalf("Input = %q, %v", in, err)
		}
		if n := e.Connections(); n > conns+1 {
			t.Fatalf("%d new connections: polling should keep one", n-conns)
		}

		// Cooling down: stops at once.
		if err := c.Power(ctx, false); err != nil {
			t.Fatal(err)
		}
		start = time.Now()
		if err := c.SetInputWhenReady(ctx, "32", time.Minute); !errors.Is(err, ErrUnavailableTime) || time.Since(start) != 0 {
			t.Fatalf("while cooling: %v after %v", err, time.Since(start))
		}
	})
}
