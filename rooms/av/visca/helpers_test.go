package visca

import (
	"context"
	"encoding/hex"
	"net"
	"strings"
	"testing"

	"go.uber.org/goleak"
)

// Every client and emulator goroutine must end on Close.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// transports names the two ways to reach a camera; tests run over both.
var transports = []string{"ip", "tcp"}

func dial(ctx context.Context, kind, addr string, o Options) (*Client, error) {
	if kind == "ip" {
		return DialIP(ctx, addr, o)
	}
	return DialTCP(ctx, addr, o)
}

// newPair starts an emulator and dials it in memory, so the pair works
// inside a synctest bubble. Both close when the test ends.
func newPair(t *testing.T, kind string, eo EmulatorOptions, o Options) (*Client, *Emulator) {
	t.Helper()
	e := NewEmulator(eo)
	t.Cleanup(func() { e.Close() })
	o.Dial = e.Dialer()
	c, err := dial(t.Context(), kind, "camera", o)
	if err != nil {
		t.Fatalf("dial %s: %v", kind, err)
	}
	t.Cleanup(func() { c.Close() })
	return c, e
}

// newLoopbackPair does the same over real sockets on 127.0.0.1.
func newLoopbackPair(t *testing.T, kind string, eo EmulatorOptions, o Options) (*Client, *Emulator) {
	t.Helper()
	e := NewEmulator(eo)
	t.Cleanup(func() { e.Close() })
	start := e.StartTCP
	if kind == "ip" {
		start = e.StartUDP
	}
	if err := start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	c, err := dial(t.Context(), kind, e.Addr(), o)
	if err != nil {
		t.Fatalf("dial %s %s: %v", kind, e.Addr(), err)
	}
	t.Cleanup(func() { c.Close() })
	return c, e
}

// unhex reads "81 01 04 00 02 FF".
func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatalf("bad hex %q: %v", s, err)
	}
	return b
}

func tohex(b []byte) string { return strings.ToUpper(hex.EncodeToString(b)) }

// spaced prints bytes as the spec does: "81 01 04 00 02 FF".
func spaced(b []byte) string {
	var sb strings.Builder
	for i, x := range b {
		if i > 0 {
			sb.WriteByte(' ')
		}
		sb.WriteString(strings.ToUpper(hex.EncodeToString([]byte{x})))
	}
	return sb.String()
}

// fakeUDPCamera is a scripted camera: for each datagram the client sends,
// answer returns the datagrams to send back. It runs until the test ends.
func fakeUDPCamera(t *testing.T, answer func(got []byte) [][]byte) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		client, server := newPacketPipe("client", memAddr(addr))
		done := make(chan struct{})
		t.Cleanup(func() { server.Close(); <-done })
		go func() {
			defer close(done)
			buf := make([]byte, 1500)
			for {
				n, from, err := server.ReadFrom(buf)
				if err != nil {
					return
				}
				for _, r := range answer(append([]byte(nil), buf[:n]...)) {
					server.WriteTo(r, from)
				}
			}
		}()
		return client, nil
	}
}

// fakeTCPCamera is the same for raw VISCA: answer gets each message.
func fakeTCPCamera(t *testing.T, answer func(msg []byte) [][]byte) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		client, server := net.Pipe()
		done := make(chan struct{})
		t.Cleanup(func() { server.Close(); <-done })
		go func() {
			defer close(done)
			var f framer
			buf := make([]byte, 64)
			for {
				n, err := server.Read(buf)
				f.feed(buf[:n], func(msg []byte, _ error) {
					for _, r := range answer(msg) {
						if _, err := server.Write(r); err != nil {
							return
						}
					}
				})
				if err != nil {
					return
				}
			}
		}()
		return client, nil
	}
}

// lossyConn loses the datagrams drop picks on their way to the client.
type lossyConn struct {
	net.Conn
	drop func([]byte) bool
}

func (c *lossyConn) Read(b []byte) (int, error) {
	for {
		n, err := c.Conn.Read(b)
		if err != nil || !c.drop(b[:n]) {
			return n, err
		}
	}
}
