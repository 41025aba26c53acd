package tesira

import (
	"bytes"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"testing/synctest"
)

// The spec's example: the device proposes four options, the client refuses
// each, byte for byte, answers nothing to WONT/DONT, skips subnegotiation,
// and sends nothing else before the banner.
func TestNegotiationRefusal(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		offer := []byte{
			0xFF, 0xFD, 0x18, 0xFF, 0xFB, 0x01, 0xFF, 0xFB, 0x03, 0xFF, 0xFD, 0x1F,
			0xFF, 0xFC, 0x05, 0xFF, 0xFE, 0x06, // WONT, DONT: no answer due
			0xFF, 0xFA, 0x18, 0x01, 0xFF, 0xF0, // SB TERMINAL-TYPE SEND SE
		}
		want := []byte{0xFF, 0xFC, 0x18, 0xFF, 0xFE, 0x01, 0xFF, 0xFE, 0x03, 0xFF, 0xFC, 0x1F}
		srvc := make(chan net.Conn, 1)
		dialed := make(chan *Client, 1)
		go func() {
			c, err := Dial(t.Context(), "dsp", Options{Dial: pipeDial(func(s net.Conn) { srvc <- s })})
			if err != nil {
				t.Error(err)
			}
			dialed <- c
		}()
		srv := <-srvc
		defer srv.Close()
		srv.Write(offer)
		got := make([]byte, len(want))
		if _, err := io.ReadFull(srv, got); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("refusals % X, want % X", got, want)
		}
		more := make(chan []byte, 1)
		go func() {
			b := make([]byte, 64)
			n, _ := srv.Read(b)
			more <- b[:n]
		}()
		synctest.Wait()
		select {
		case b := <-more:
			t.Fatalf("client sent % X before the banner", b)
		case <-dialed:
			t.Fatal("Dial returned before the banner")
		default:
		}
		srv.Write([]byte("No entry for terminal type \"unknown\"; using dumb terminal settings.\r\n\r\nWelcome to the Tesira Text Protocol Server...\r\n"))
		c := <-dialed
		if c == nil {
			return
		}
		// An option proposed mid-session is refused too.
		srv.Write([]byte{0xFF, 0xFB, 0x2A})
		if b := <-more; !bytes.Equal(b, []byte{0xFF, 0xFE, 0x2A}) {
			t.Fatalf("mid-session refusal % X", b)
		}
		c.Close()
	})
}

func TestLineReader(t *testing.T) {
	in := "a\r\nb\r\x00c\nd\re\r\n\x00f\xff\xff\xff\xfd\x01g\r\n\xff\xfa\x18\xff\xff\xff\xf0h\n"
	var opts []string
	lr := newLineReader(strings.NewReader(in), 64, func(v, o byte) { opts = append(opts, string([]byte{v, o})) })
	var got []string
	for {
		l, err := lr.readLine()
		if err != nil {
			if !errors.Is(err, io.EOF) {
				t.Fatal(err)
			}
			break
		}
		got = append(got, l)
	}
	want := []string{"a", "b", "c", "d", "e", "f\xffg", "h"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("lines %q, want %q", got, want)
	}
	if len(opts) != 1 || opts[0] != "\xfd\x01" {
		t.Fatalf("options %q", opts)
	}
}

func TestLineReaderBound(t *testing.T) {
	in := strings.Repeat("x", 100) + "\r\nok\r\n"
	lr := newLineReader(strings.NewReader(in), 10, nil)
	l, err := lr.readLine()
	if !errors.Is(err, errLineTooLong) || l != strings.Repeat("x", 10) {
		t.Fatalf("got %q, %v", l, err)
	}
	if l, err := lr.readLine(); err != nil || l != "ok" {
		t.Fatalf("after overlong: %q, %v", l, err)
	}
}

func TestRefusal(t *testing.T) {
	for _, tc := range []struct {
		verb byte
		want []byte
	}{
		{tnDO, []byte{0xFF, 0xFC, 7}},
		{tnWILL, []byte{0xFF, 0xFE, 7}},
		{tnDONT, nil},
		{tnWONT, nil},
	} {
		got, ok := refusal(tc.verb, 7)
		if ok != (tc.want != nil) || !bytes.Equal(got, tc.want) {
			t.Errorf("refusal(%X) = % X, %v", tc.verb, got, ok)
		}
	}
}
