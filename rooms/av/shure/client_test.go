package shure

import (
	"context"
	"errors"
	"net"
	"slices"
	"testing"
	"time"
)

// pipeTo dials the emulator over an in-memory pipe.
func pipeTo(e *Emulator) Options {
	return Options{Dial: func(context.Context, string, string) (net.Conn, error) {
		a, b := net.Pipe()
		go e.Serve(b)
		return a, nil
	}}
}

func dial(t *testing.T, e *Emulator, o Options) *Client {
	t.Helper()
	d := pipeTo(e)
	o.Dial = d.Dial
	c, err := Dial(context.Background(), "mxa", o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// Messages cut anywhere and run together come out whole (§3).
func TestFramerAcrossSegments(t *testing.T) {
	var f framer
	var got []string
	for _, part := range []string{"< REP 1 AUD", "IO_MUTE ON >< REP 2 AUDIO_MUTE", " OFF >\r\n", "junk < REP MODEL {a>b   } >"} {
		got = append(got, f.feed([]byte(part))...)
	}
	want := []string{"REP 1 AUDIO_MUTE ON", "REP 2 AUDIO_MUTE OFF", "REP MODEL {a>b   }"}
	if !slices.Equal(got, want) {
		t.Fatalf("messages %q, want %q", got, want)
	}
	r, ok := parseReport("REP 01 AUDIO_MUTE ON")
	if !ok || r.Channel != 1 || r.Param != ParamMute || r.Value != "ON" {
		t.Fatalf("two-digit channel: %+v", r)
	}
}

// Mute is read and set, a set is answered by the device's report, and a
// change made at the device arrives unasked, all over split writes.
func TestShureMuteAndReports(t *testing.T) {
	e := NewEmulator(EmulatorOptions{SplitWrites: true})
	defer e.Close()
	c := dial(t, e, Options{})
	ctx := context.Background()
	if m, err := c.Mute(ctx, 3); err != nil || m {
		t.Fatalf("mute 3: %v %v", m, err)
	}
	if err := c.SetMute(ctx, 3, true); err != nil || !e.Muted(3) {
		t.Fatalf("set mute: %v (device muted: %v)", err, e.Muted(3))
	}
	if model, err := c.Model(ctx); err != nil || model != "MXA910" {
		t.Fatalf("model %q %v", model, err)
	}
	e.SetMute(5, true) // someone presses the mute button
	deadline := time.After(time.Second)
	for {
		select {
		case r := <-c.Reports():
			if r.Channel == 5 && r.Param == ParamMute && r.Value == "ON" {
				goto refused
			}
		case <-deadline:
			t.Fatal("no report of the change at the device within 1 s")
		}
	}
refused:
	if _, err := c.Mute(ctx, 99); !errors.Is(err, ErrRefused) {
		t.Fatalf("channel 99: %v, want ErrRefused", err)
	}
	if got := e.Commands(); !slices.Contains(got, "GET 3 AUDIO_MUTE") || !slices.Contains(got, "SET 3 AUDIO_MUTE ON") {
		t.Fatalf("commands at the device %q", got)
	}
}

// A device that does not answer costs one command timeout, and the
// connection goes so a late report cannot answer the next command.
func TestShureSilentDevice(t *testing.T) {
	e := NewEmulator(EmulatorOptions{})
	defer e.Close()
	c := dial(t, e, Options{CommandTimeout: 100 * time.Millisecond})
	e.Hang(true)
	if _, err := c.Gate(context.Background(), 1); !errors.Is(err, ErrTimeout) {
		t.Fatalf("gate: %v, want ErrTimeout", err)
	}
	select {
	case <-c.Done():
	case <-time.After(time.Second):
		t.Fatal("the connection stayed open after a timeout")
	}
}

// Channels are written with the padding the device expects.
func TestCommandDigits(t *testing.T) {
	if got := command("SET", 2, ParamMute, "ON", 2); got != "< SET 02 AUDIO_MUTE ON >" {
		t.Fatal(got)
	}
	if got := command("GET", -1, ParamModel, "", 0); got != "< GET MODEL >" {
		t.Fatal(got)
	}
}
