package pjlink

import (
	"bufio"
	"errors"
	"io"
	"net"
	"testing"
	"testing/synctest"
	"time"
)

// rawDevice is the device end of a net.Pipe served by e, for byte-level
// checks of the emulator. The returned reader reads what the device sends.
func rawDevice(t *testing.T, e *Emulator) (net.Conn, *bufio.Reader) {
	t.Helper()
	c, d := net.Pipe()
	go e.Serve(d)
	return c, bufio.NewReader(c)
}

func expectLine(t *testing.T, br *bufio.Reader, want string) {
	t.Helper()
	got, err := br.ReadString('\r')
	if err != nil || got != want {
		t.Fatalf("device sent %q, %v; want %q", got, err, want)
	}
}

// The example session of docs/protocols/pjlink.md §8, byte for byte.
func TestEmulatorSpecSession(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := NewEmulator(EmulatorOptions{
			Password: "JBMIAProjectorLink", Seed: "498e4a67", Class: 2,
			WarmUp: 60 * time.Second, Name: "Ratssaal Beamer", LampHours: 1234,
		})
		defer e.Close()
		c, br := rawDevice(t, e)
		defer c.Close()
		expectLine(t, br, "PJLINK 1 498e4a67\r")
		step := func(send, want string) {
			t.Helper()
			if _, err := io.WriteString(c, send); err != nil {
				t.Fatal(err)
			}
			expectLine(t, br, want)
		}
		step("5d8409bc1c3fa39749434aa3a5c38682%1CLSS ?\r", "%1CLSS=2\r")
		step("%1POWR ?\r", "%1POWR=0\r")
		step("%1POWR 1\r", "%1POWR=OK\r")
		step("%1POWR ?\r", "%1POWR=3\r")
		step("%1INPT 31\r", "%1INPT=ERR3\r")
		// Warm-up, on the bubble's clock, polling as a client would: a
		// minute without a command would hit the 30 s idle close.
		for range 2 {
			time.Sleep(20 * time.Second)
			step("%1POWR ?\r", "%1POWR=3\r")
		}
		time.Sleep(20 * time.Second)
		step("%1POWR ?\r", "%1POWR=1\r")
		step("%1INPT 31\r", "%1INPT=OK\r")
		step("%1AVMT 31\r", "%1AVMT=OK\r")
		step("%1ERST ?\r", "%1ERST=000000\r")
		step("%1LAMP ?\r", "%1LAMP=1234 1\r")
		step("%1NAME ?\r", "%1NAME=Ratssaal Beamer\r")
		step("%2SNUM ?\r", "%2SNUM=KOG0001\r")
		step("%2INNM ?31\r", "%2INNM=HDMI 1\r")
		step("%2IRES ?\r", "%2IRES=1920x1080\r")
		step("%2FREZ 1\r", "%2FREZ=OK\r")
		step("%1INPT 99\r", "%1INPT=ERR2\r")
		step("%1XXXX ?\r", "%1XXXX=ERR1\r")

		// 30 s without a command: the device closes.
		time.Sleep(30 * time.Second)
		if _, err := br.ReadByte(); err != io.EOF {
			t.Fatalf("after idle: %v, want EOF", err)
		}
	})
}

func TestEmulatorWrongPassword(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := NewEmulator(EmulatorOptions{Password: "secret"})
		defer e.Close()
		c, br := rawDevice(t, e)
		defer c.Close()
		greeting, _ := br.ReadString('\r')
		if len(greeting) != len("PJLINK 1 12345678\r") {
			t.Fatalf("greeting %q", greeting)
		}
		io.WriteString(c, "00000000000000000000000000000000%1POWR ?\r")
		expectLine(t, br, "PJLINK ERRA\r")
		if _, err := br.ReadByte(); err != io.EOF {
			t.Fatalf("after ERRA: %v, want EOF", err)
		}
	})
}

// A fresh seed per connection, so a digest cannot be replayed.
func TestEmulatorSeedPerConnection(t *testing.T) {
	e := NewEmulator(EmulatorOptions{Password: "secret"})
	defer e.Close()
	c1, br1 := rawDevice(t, e)
	defer c1.Close()
	c2, br2 := rawDevice(t, e)
	defer c2.Close()
	g1, _ := br1.ReadString('\r')
	g2, _ := br2.ReadString('\r')
	if g1 == g2 {
		t.Fatalf("same greeting twice: %q", g1)
	}
}

// Framing: several commands in one segment, one command across segments.
func TestEmulatorFraming(t *testing.T) {
	e := NewEmulator(EmulatorOptions{})
	defer e.Close()
	c, br := rawDevice(t, e)
	defer c.Close()
	expectLine(t, br, "PJLINK 0\r")
	go io.WriteString(c, "%1POWR ?\r%1CLSS ?\r")
	expectLine(t, br, "%1POWR=0\r")
	expectLine(t, br, "%1CLSS=1\r")
	go func() {
		io.WriteString(c, "%1PO")
		io.WriteString(c, "WR ?\r")
	}()
	expectLine(t, br, "%1POWR=0\r")
}

func TestEmulatorClassAndState(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := NewEmulator(EmulatorOptions{CoolDown: 10 * time.Second, NoLamp: true})
		defer e.Close()
		c, br := rawDevice(t, e)
		defer c.Close()
		expectLine(t, br, "PJLINK 0\r")
		step := func(send, want string) {
			t.Helper()
			io.WriteString(c, send)
			expectLine(t, br, want)
		}
		step("%2FREZ 1\r", "%2FREZ=ERR1\r") // class 2 on a class 1 device
		step("%1LAMP ?\r", "%1LAMP=ERR1\r") // no lamp
		step("%1INPT ?\r", "%1INPT=ERR3\r") // standby
		step("%1AVMT 31\r", "%1AVMT=ERR3\r")
		step("%1ERST 1\r", "%1ERST=ERR2\r") // set on a read-only body
		step("%1POWR 7\r", "%1POWR=ERR2\r")
		step("%1POWR 1\r", "%1POWR=OK\r") // no warm-up configured
		step("%1POWR ?\r", "%1POWR=1\r")
		step("%1AVMT 11\r", "%1AVMT=OK\r")
		step("%1AVMT 21\r", "%1AVMT=OK\r")
		step("%1AVMT ?\r", "%1AVMT=31\r")
		step("%1AVMT 10\r", "%1AVMT=OK\r")
		step("%1AVMT ?\r", "%1AVMT=21\r")
		step("%1POWR 0\r", "%1POWR=OK\r")
		step("%1POWR ?\r", "%1POWR=2\r")
		step("%1POWR 1\r", "%1POWR=ERR3\r") // cooling down
		time.Sleep(10 * time.Second)
		step("%1POWR ?\r", "%1POWR=0\r")
		if e.Power() != PowerOff {
			t.Fatalf("Power() = %v", e.Power())
		}
	})
}

func TestEmulatorCloseEndsSessions(t *testing.T) {
	e := startEmulator(t, EmulatorOptions{})
	nc, err := net.Dial("tcp", e.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	br := bufio.NewReader(nc)
	expectLine(t, br, "PJLINK 0\r")
	e.Close()
	if _, err := br.ReadByte(); !errors.Is(err, io.EOF) {
		t.Fatalf("after Close: %v", err)
	}
	if err := e.Start("127.0.0.1:0"); err == nil {
		t.Fatal("Start after Close succeeded")
	}
}
