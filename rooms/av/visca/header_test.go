package visca

import (
	"errors"
	"testing"
	"testing/synctest"
)

// The session of docs/protocols/visca.md §6, byte for byte: the client
// must send exactly the C: lines, and understand the S: lines.
func TestSpecSessionUDP(t *testing.T) {
	type step struct{ c, s []string }
	script := []step{
		{[]string{"02 00 00 01 00 00 00 00 01"}, []string{"02 01 00 01 00 00 00 00 01"}},
		{[]string{"01 00 00 06 00 00 00 01 81 01 04 00 02 FF"}, []string{"01 11 00 03 00 00 00 01 90 41 FF", "01 11 00 03 00 00 00 01 90 51 FF"}},
		{[]string{"01 10 00 05 00 00 00 02 81 09 04 00 FF"}, []string{"01 11 00 04 00 00 00 02 90 50 02 FF"}},
		{[]string{"01 00 00 09 00 00 00 03 81 01 06 01 0C 0A 01 03 FF"}, []string{"01 11 00 03 00 00 00 03 90 41 FF", "01 11 00 03 00 00 00 03 90 51 FF"}},
		{[]string{"01 00 00 09 00 00 00 04 81 01 06 01 0C 0A 03 03 FF"}, []string{"01 11 00 03 00 00 00 04 90 41 FF", "01 11 00 03 00 00 00 04 90 51 FF"}},
		{[]string{"01 00 00 07 00 00 00 05 81 01 04 3F 02 05 FF"}, []string{"01 11 00 03 00 00 00 05 90 41 FF", "01 11 00 03 00 00 00 05 90 51 FF"}},
		{[]string{"01 00 00 07 00 00 00 06 81 01 04 3F 01 05 FF"}, []string{"01 11 00 03 00 00 00 06 90 42 FF", "01 11 00 03 00 00 00 06 90 52 FF"}},
		{[]string{"01 10 00 05 00 00 00 07 81 09 06 12 FF"}, []string{"01 11 00 0B 00 00 00 07 90 50 0F 0F 00 00 00 00 02 00 FF"}},
		{[]string{"01 10 00 05 00 00 00 08 81 09 04 47 FF"}, []string{"01 11 00 07 00 00 00 08 90 50 01 0A 02 0B FF"}},
		{[]string{"01 00 00 0F 00 00 00 09 81 01 06 02 18 14 00 02 00 00 0F 0F 08 00 FF"}, []string{"01 11 00 03 00 00 00 09 90 41 FF", "01 11 00 03 00 00 00 09 90 51 FF"}},
		// The spec's error examples, answering sequence 0A.
		{[]string{"01 00 00 06 00 00 00 0A 81 01 04 00 03 FF"}, []string{"01 11 00 04 00 00 00 0A 90 60 02 FF"}},
		{[]string{"01 00 00 06 00 00 00 0B 81 01 04 00 03 FF"}, []string{"01 11 00 04 00 00 00 0A 90 61 41 FF", "01 11 00 04 00 00 00 0B 90 61 41 FF"}},
		// 0F 01 sends the client through RESET and a retry as sequence 1.
		{[]string{"01 00 00 06 00 00 00 0C 81 01 04 00 03 FF"}, []string{"02 01 00 02 00 00 00 0C 0F 01"}},
		{[]string{"02 00 00 01 00 00 00 00 01"}, []string{"02 01 00 01 00 00 00 00 01"}},
		{[]string{"01 00 00 06 00 00 00 01 81 01 04 00 03 FF"}, []string{"01 11 00 03 00 00 00 01 90 41 FF", "01 11 00 03 00 00 00 01 90 51 FF"}},
	}
	synctest.Test(t, func(t *testing.T) {
		i := 0
		dialer := fakeUDPCamera(t, func(got []byte) [][]byte {
			if i >= len(script) {
				t.Errorf("unexpected datagram %s", spaced(got))
				return nil
			}
			st := script[i]
			i++
			if spaced(got) != st.c[0] {
				t.Errorf("step %d: sent %s, want %s", i, spaced(got), st.c[0])
			}
			var out [][]byte
			for _, s := range st.s {
				out = append(out, unhex(t, s))
			}
			return out
		})
		ctx := t.Context()
		c, err := DialIP(ctx, "camera", Options{Dial: dialer})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		must := func(err error) {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
		}
		must(c.Power(ctx, true))
		on, err := c.PowerState(ctx)
		must(err)
		if !on {
			t.Error("power inquiry: standby, want on")
		}
		must(c.PanTilt(ctx, Left, 0x0C, 0x0A))
		must(c.Stop(ctx))
		must(c.RecallPreset(ctx, 5))
		must(c.StorePreset(ctx, 5))
		pan, tilt, err := c.Position(ctx)
		must(err)
		if pan != -256 || tilt != 0x20 {
			t.Errorf("position %d,%d, want -256,32", pan, tilt)
		}
		zoom, err := c.ZoomPosition(ctx)
		must(err)
		if zoom != 0x1A2B {
			t.Errorf("zoom %#x, want 0x1A2B", zoom)
		}
		must(c.AbsolutePosition(ctx, 0x0200, -128, 0x18, 0x14))
		if err := c.Power(ctx, false); !errors.Is(err, ErrSyntax) {
			t.Errorf("syntax error example: %v", err)
		}
		// The first not-executable reply carries another sequence number
		// and must be ignored; the second answers.
		var de *DeviceError
		if err := c.Power(ctx, false); !errors.Is(err, ErrNotExecutable) || !errors.As(err, &de) || de.Socket != 1 {
			t.Errorf("not executable example: %v", err)
		}
		must(c.Power(ctx, false))
		if i != len(script) {
			t.Errorf("script stopped at step %d of %d", i, len(script))
		}
	})
}

// The spec's S: lines parse to what they mean.
func TestParseReplySpecExamples(t *testing.T) {
	tests := []struct {
		in     string
		seq    uint32
		kind   replyKind
		socket int
		code   byte
		data   string
	}{
		{"02 01 00 01 00 00 00 00 01", 0, replyResetAck, 0, 0, ""},
		{"01 11 00 03 00 00 00 01 90 41 FF", 1, replyAck, 1, 0, ""},
		{"01 11 00 03 00 00 00 01 90 51 FF", 1, replyCompletion, 1, 0, ""},
		{"01 11 00 04 00 00 00 02 90 50 02 FF", 2, replyCompletion, 0, 0, "02"},
		{"01 11 00 0B 00 00 00 07 90 50 0F 0F 00 00 00 00 02 00 FF", 7, replyCompletion, 0, 0, "0F0F000000000200"},
		{"01 11 00 07 00 00 00 08 90 50 01 0A 02 0B FF", 8, replyCompletion, 0, 0, "010A020B"},
		{"01 11 00 04 00 00 00 0A 90 60 02 FF", 10, replyError, 0, 0x02, ""},
		{"01 11 00 04 00 00 00 0A 90 61 41 FF", 10, replyError, 1, 0x41, ""},
		{"02 01 00 02 00 00 00 0A 0F 01", 10, replySeqError, 0, 0, ""},
		{"02 01 00 02 00 00 00 0A 0F 02", 10, replyTypeError, 0, 0, ""},
		{"01 11 00 03 00 00 00 01 88 38 FF", 1, replyOther, 0, 0, ""},
	}
	for _, tt := range tests {
		seq, r, err := parseReply(unhex(t, tt.in))
		if err != nil {
			t.Errorf("%s: %v", tt.in, err)
			continue
		}
		if seq != tt.seq || r.kind != tt.kind || r.socket != tt.socket || r.code != tt.code || tohex(r.data) != tt.data {
			t.Errorf("%s: seq %d %+v", tt.in, seq, r)
		}
	}
}

func TestParseReplyRejects(t *testing.T) {
	for _, in := range []string{
		"",
		"01 11 00 03 00 00 00",                   // short header
		"01 11 00 00 00 00 00 01",                // length 0
		"01 11 00 11 00 00 00 01 90 41 FF",       // length 17
		"01 11 00 04 00 00 00 01 90 41 FF",       // length disagrees
		"01 11 00 02 00 00 00 01 90 41",          // no FF
		"01 00 00 03 00 00 00 01 90 41 FF",       // a command, not a reply
		"02 01 00 01 00 00 00 00 07",             // unknown control reply
		"01 11 00 03 00 00 00 01 41 41 FF",       // no address byte
		"01 11 00 04 00 00 00 01 90 41 FF FF",    // FF inside
		"01 11 00 04 00 00 00 01 90 41 00 FF",    // ACK with data
		"01 11 00 04 00 00 00 01 90 70 00 FF",    // unknown reply
		"01 11 00 05 00 00 00 01 90 61 41 00 FF", // error too long
		"DE AD BE EF",
	} {
		_, _, err := parseReply(unhex(t, in))
		var pe *ProtocolError
		if !errors.As(err, &pe) {
			t.Errorf("%q: %v, want *ProtocolError", in, err)
		}
	}
}

func TestFramer(t *testing.T) {
	var f framer
	var msgs []string
	var errs int
	emit := func(m []byte, err error) {
		if err != nil {
			errs++
			return
		}
		msgs = append(msgs, spaced(m))
	}
	f.feed(unhex(t, "90 41 FF 90"), emit)
	f.feed(unhex(t, "51 FF 88 38 FF"), emit)
	f.feed(unhex(t, "00 01 02 03 04 05 06 07 08 09 0A 0B 0C 0D 0E 0F 10 11 FF 90 51 FF"), emit)
	want := []string{"90 41 FF", "90 51 FF", "88 38 FF", "90 51 FF"}
	if len(msgs) != len(want) || errs != 1 {
		t.Fatalf("messages %q, %d errors; want %q and 1 error", msgs, errs, want)
	}
	for i := range want {
		if msgs[i] != want[i] {
			t.Errorf("message %d: %s, want %s", i, msgs[i], want[i])
		}
	}
}

// Parsers must survive anything a camera, or an attacker on the LAN, sends.
func FuzzParseReply(f *testing.F) {
	for _, s := range []string{
		"02 01 00 01 00 00 00 00 01",
		"01 11 00 03 00 00 00 01 90 41 FF",
		"01 11 00 0B 00 00 00 07 90 50 0F 0F 00 00 00 00 02 00 FF",
		"01 11 00 04 00 00 00 0A 90 61 41 FF",
		"02 01 00 02 00 00 00 0A 0F 01",
		"01 11 00 10 00 00 00 01 90 50 00 00 00 00 00 00 00 00 00 00 00 00 00 FF",
	} {
		f.Add(unhex(f, s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		_, r, err := parseReply(b)
		if err == nil && r.kind == 0 {
			t.Errorf("% X: no kind and no error", b)
		}
		if err == nil && len(b) > maxDatagram {
			t.Errorf("% X: accepted %d bytes", b, len(b))
		}
	})
}

func FuzzParseRawReply(f *testing.F) {
	for _, s := range []string{"90 41 FF", "90 51 FF 90 50 02 FF", "90 60 02 FF", "88 38 FF", "90 50 01 0A 02 0B FF", "FF FF"} {
		f.Add(unhex(f, s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var fr framer
		fr.feed(b, func(msg []byte, err error) {
			if err != nil {
				return
			}
			if len(msg) > maxMessage || msg[len(msg)-1] != terminator {
				t.Errorf("framer emitted % X", msg)
			}
			r, err := parseMessage(msg)
			if err == nil && r.kind == 0 {
				t.Errorf("% X: no kind and no error", msg)
			}
		})
		parseMessage(b)
	})
}
