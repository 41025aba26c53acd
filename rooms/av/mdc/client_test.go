package mdc

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"net"
	"testing"
	"time"
)

func dial(t *testing.T, e *Emulator, o Options) *Client {
	t.Helper()
	o.Dial = func(context.Context, string, string) (net.Conn, error) {
		a, b := net.Pipe()
		go e.Serve(b)
		return a, nil
	}
	c, err := Dial(context.Background(), "panel", o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// The manuals' example: power on for display 0 is AA 11 00 01 01 13.
func TestFrameEncoding(t *testing.T) {
	got := frame{cmd: CmdPower, id: 0, data: []byte{1}}.encode()
	if want := []byte{0xAA, 0x11, 0x00, 0x01, 0x01, 0x13}; !bytes.Equal(got, want) {
		t.Fatalf("% X, want % X", got, want)
	}
	// A frame after noise, and a bad checksum refused.
	f, err := readFrame(bufio.NewReader(bytes.NewReader(append([]byte{0x00, 0x42}, got...))))
	if err != nil || f.cmd != CmdPower || f.data[0] != 1 {
		t.Fatalf("%+v %v", f, err)
	}
	bad := append([]byte(nil), got...)
	bad[len(bad)-1]++
	if _, err := readFrame(bufio.NewReader(bytes.NewReader(bad))); !errors.Is(err, ErrProtocol) {
		t.Fatalf("bad checksum: %v", err)
	}
}

// Power, input, volume and mute reach the display, answers split across
// writes are read whole, and the status reports them.
func TestMDCPowerAndInput(t *testing.T) {
	e := NewEmulator(EmulatorOptions{ID: 3, SplitWrites: true})
	defer e.Close()
	c := dial(t, e, Options{ID: 3})
	ctx := context.Background()
	var nak *NAKError
	if err := c.SetInput(ctx, Inputs["hdmi2"]); !errors.As(err, &nak) {
		t.Fatalf("input while off: %v, want a NAK", err)
	}
	if err := c.SetPower(ctx, true); err != nil {
		t.Fatal(err)
	}
	if err := c.SetInput(ctx, Inputs["hdmi2"]); err != nil {
		t.Fatal(err)
	}
	if err := c.SetVolume(ctx, 35); err != nil {
		t.Fatal(err)
	}
	if err := c.SetMute(ctx, true); err != nil {
		t.Fatal(err)
	}
	st, err := c.Status(ctx)
	if err != nil || st != (Status{Power: true, Volume: 35, Mute: true, Input: 0x23}) || e.State() != st {
		t.Fatalf("status %+v %v (display %+v)", st, err, e.State())
	}
	if InputName(st.Input) != "hdmi2" {
		t.Fatalf("input name %q", InputName(st.Input))
	}
}

// A display that does not answer costs one command timeout.
func TestMDCSilentDisplay(t *testing.T) {
	e := NewEmulator(EmulatorOptions{})
	defer e.Close()
	c := dial(t, e, Options{CommandTimeout: 100 * time.Millisecond})
	e.Hang(true)
	if _, err := c.Status(context.Background()); !errors.Is(err, ErrTimeout) {
		t.Fatalf("%v, want ErrTimeout", err)
	}
}
