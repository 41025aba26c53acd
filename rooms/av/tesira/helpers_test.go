package tesira

import (
	"context"
	"net"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// pipeDial hands the client one end of a net.Pipe and serves the other
// with serve, so tests can run inside synctest bubbles.
func pipeDial(serve func(net.Conn)) func(context.Context, string, string) (net.Conn, error) {
	return func(context.Context, string, string) (net.Conn, error) {
		c, s := net.Pipe()
		go serve(s)
		return c, nil
	}
}

// newPipePair connects a client to the emulator over a net.Pipe.
func newPipePair(t *testing.T, eopts EmulatorOptions, opts Options) (*Client, *Emulator) {
	t.Helper()
	emu := NewEmulator(eopts)
	opts.Dial = pipeDial(emu.Serve)
	c, err := Dial(t.Context(), "dsp", opts)
	if err != nil {
		emu.Close()
		t.Fatalf("Dial: %v", err)
	}
	t.Cleanup(func() { c.Close(); emu.Close() })
	return c, emu
}

// newTCPPair connects a client to the emulator over loopback TCP.
func newTCPPair(t *testing.T, eopts EmulatorOptions) (*Client, *Emulator) {
	t.Helper()
	emu := NewEmulator(eopts)
	if err := emu.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	c, err := Dial(t.Context(), emu.Addr(), Options{})
	if err != nil {
		emu.Close()
		t.Fatalf("Dial: %v", err)
	}
	t.Cleanup(func() { c.Close(); emu.Close() })
	return c, emu
}

// scripted is a hand-driven TTP peer: it greets, then passes each command
// line to reply and writes back exactly what reply returns.
func scripted(t *testing.T, reply func(line string) string) (*Client, <-chan string) {
	t.Helper()
	lines := make(chan string, 64)
	serve := func(conn net.Conn) {
		defer conn.Close()
		conn.Write([]byte("\r\n" + bannerPrefix + "...\r\n"))
		lr := newLineReader(conn, MaxLineLength, nil)
		for {
			line, err := lr.readLine()
			if err != nil {
				return
			}
			lines <- line
			if _, err := conn.Write([]byte(reply(line))); err != nil {
				return
			}
		}
	}
	c, err := Dial(t.Context(), "dsp", Options{Dial: pipeDial(serve)})
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c, lines
}

// nextPub waits for a publication; inside synctest the wait is virtual.
func nextPub(t *testing.T, c *Client) Publication {
	t.Helper()
	select {
	case p, ok := <-c.Publications():
		if !ok {
			t.Fatal("publications closed")
		}
		return p
	case <-time.After(10 * time.Second):
		t.Fatal("no publication")
	}
	return Publication{}
}

func noPub(t *testing.T, c *Client) {
	t.Helper()
	select {
	case p := <-c.Publications():
		t.Fatalf("unexpected publication %+v", p)
	default:
	}
}
