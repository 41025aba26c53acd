package visca

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
)

// Every method's bytes on the wire, against docs/protocols/visca.md §5 and
// §6. The raw TCP transport sends the bare VISCA message, so what the fake
// camera reads is exactly the spec's bytes.
func TestEncoding(t *testing.T) {
	tests := []struct {
		name string
		call func(ctx context.Context, c *Client) error
		want string
	}{
		{"power on", func(ctx context.Context, c *Client) error { return c.Power(ctx, true) }, "81 01 04 00 02 FF"},
		{"power standby", func(ctx context.Context, c *Client) error { return c.Power(ctx, false) }, "81 01 04 00 03 FF"},
		{"power inquiry", func(ctx context.Context, c *Client) error { _, err := c.PowerState(ctx); return err }, "81 09 04 00 FF"},
		{"zoom stop", func(ctx context.Context, c *Client) error { return c.Zoom(ctx, ZoomStop, 5) }, "81 01 04 07 00 FF"},
		{"zoom tele 0", func(ctx context.Context, c *Client) error { return c.Zoom(ctx, ZoomTele, 0) }, "81 01 04 07 20 FF"},
		{"zoom tele 7", func(ctx context.Context, c *Client) error { return c.Zoom(ctx, ZoomTele, 7) }, "81 01 04 07 27 FF"},
		{"zoom wide 3", func(ctx context.Context, c *Client) error { return c.Zoom(ctx, ZoomWide, 3) }, "81 01 04 07 33 FF"},
		{"zoom direct", func(ctx context.Context, c *Client) error { return c.ZoomTo(ctx, 0x1A2B) }, "81 01 04 47 01 0A 02 0B FF"},
		{"zoom direct tele end", func(ctx context.Context, c *Client) error { return c.ZoomTo(ctx, 0x4000) }, "81 01 04 47 04 00 00 00 FF"},
		{"zoom inquiry", func(ctx context.Context, c *Client) error { _, err := c.ZoomPosition(ctx); return err }, "81 09 04 47 FF"},
		{"up", drive(Up), "81 01 06 01 0C 0A 03 01 FF"},
		{"down", drive(Down), "81 01 06 01 0C 0A 03 02 FF"},
		{"left", drive(Left), "81 01 06 01 0C 0A 01 03 FF"},
		{"right", drive(Right), "81 01 06 01 0C 0A 02 03 FF"},
		{"up-left", drive(UpLeft), "81 01 06 01 0C 0A 01 01 FF"},
		{"up-right", drive(UpRight), "81 01 06 01 0C 0A 02 01 FF"},
		{"down-left", drive(DownLeft), "81 01 06 01 0C 0A 01 02 FF"},
		{"down-right", drive(DownRight), "81 01 06 01 0C 0A 02 02 FF"},
		{"fastest drive", func(ctx context.Context, c *Client) error { return c.PanTilt(ctx, Right, 0x18, 0x14) }, "81 01 06 01 18 14 02 03 FF"},
		{"absolute", func(ctx context.Context, c *Client) error { return c.AbsolutePosition(ctx, 0x0200, -128, 0x18, 0x14) }, "81 01 06 02 18 14 00 02 00 00 0F 0F 08 00 FF"},
		{"absolute extremes", func(ctx context.Context, c *Client) error { return c.AbsolutePosition(ctx, -0x8000, 0x7FFF, 1, 1) }, "81 01 06 02 01 01 08 00 00 00 07 0F 0F 0F FF"},
		{"pan-tilt inquiry", func(ctx context.Context, c *Client) error { _, _, err := c.Position(ctx); return err }, "81 09 06 12 FF"},
		{"store preset 5", func(ctx context.Context, c *Client) error { return c.StorePreset(ctx, 5) }, "81 01 04 3F 01 05 FF"},
		{"recall preset 5", func(ctx context.Context, c *Client) error { return c.RecallPreset(ctx, 5) }, "81 01 04 3F 02 05 FF"},
		{"recall preset 127", func(ctx context.Context, c *Client) error { return c.RecallPreset(ctx, 127) }, "81 01 04 3F 02 7F FF"},
		{"recall preset 0", func(ctx context.Context, c *Client) error { return c.RecallPreset(ctx, 0) }, "81 01 04 3F 02 00 FF"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var got []string
				dialer := fakeTCPCamera(t, func(msg []byte) [][]byte {
					got = append(got, spaced(msg))
					switch {
					case msg[1] == 0x01:
						return [][]byte{{0x90, 0x41, 0xFF}, {0x90, 0x51, 0xFF}}
					case tohex(msg) == "81090400FF":
						return [][]byte{{0x90, 0x50, 0x02, 0xFF}}
					case tohex(msg) == "81090612FF":
						return [][]byte{unhex(t, "90 50 0F 0F 00 00 00 00 02 00 FF")}
					default:
						return [][]byte{unhex(t, "90 50 01 0A 02 0B FF")}
					}
				})
				c, err := DialTCP(t.Context(), "camera", Options{Dial: dialer})
				if err != nil {
					t.Fatal(err)
				}
				defer c.Close()
				if err := tt.call(t.Context(), c); err != nil {
					t.Fatal(err)
				}
				if len(got) == 0 || got[len(got)-1] != tt.want {
					t.Errorf("sent %q, want last %q", got, tt.want)
				}
			})
		})
	}
}

func drive(d Direction) func(ctx context.Context, c *Client) error {
	return func(ctx context.Context, c *Client) error { return c.PanTilt(ctx, d, 0x0C, 0x0A) }
}

// Stop repeats the last drive's speeds, as in the spec's example.
func TestStopRepeatsSpeeds(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var got []string
		c, err := DialTCP(t.Context(), "camera", Options{Dial: fakeTCPCamera(t, func(msg []byte) [][]byte {
			got = append(got, spaced(msg))
			return [][]byte{{0x90, 0x42, 0xFF}, {0x90, 0x52, 0xFF}}
		})})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		ctx := t.Context()
		if err := c.Stop(ctx); err != nil {
			t.Fatal(err)
		}
		if err := c.PanTilt(ctx, Left, 0x0C, 0x0A); err != nil {
			t.Fatal(err)
		}
		if err := c.Stop(ctx); err != nil {
			t.Fatal(err)
		}
		want := []string{"81 01 06 01 01 01 03 03 FF", "81 01 06 01 0C 0A 01 03 FF", "81 01 06 01 0C 0A 03 03 FF"}
		if len(got) != len(want) {
			t.Fatalf("sent %q, want %q", got, want)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("message %d: %s, want %s", i, got[i], want[i])
			}
		}
	})
}

// Arguments outside VISCA's ranges fail before anything is sent.
func TestValidation(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sent := 0
		c, err := DialTCP(t.Context(), "camera", Options{Dial: fakeTCPCamera(t, func([]byte) [][]byte { sent++; return nil })})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		ctx := t.Context()
		calls := map[string]error{
			"preset -1":        c.RecallPreset(ctx, -1),
			"preset 128":       c.StorePreset(ctx, 128),
			"pan speed 0":      c.PanTilt(ctx, Up, 0, 1),
			"pan speed 0x19":   c.PanTilt(ctx, Up, 0x19, 1),
			"tilt speed 0x15":  c.PanTilt(ctx, Up, 1, 0x15),
			"direction 0":      c.PanTilt(ctx, 0, 1, 1),
			"direction 9":      c.PanTilt(ctx, 9, 1, 1),
			"zoom speed 8":     c.Zoom(ctx, ZoomTele, 8),
			"zoom speed -1":    c.Zoom(ctx, ZoomWide, -1),
			"zoom dir 3":       c.Zoom(ctx, 3, 1),
			"zoom to -1":       c.ZoomTo(ctx, -1),
			"zoom to 0x10000":  c.ZoomTo(ctx, 0x10000),
			"absolute pan":     c.AbsolutePosition(ctx, 0x8000, 0, 1, 1),
			"absolute tilt":    c.AbsolutePosition(ctx, 0, -0x8001, 1, 1),
			"absolute speed 0": c.AbsolutePosition(ctx, 0, 0, 0, 1),
		}
		for name, err := range calls {
			if !errors.Is(err, ErrInvalidArgument) {
				t.Errorf("%s: %v, want ErrInvalidArgument", name, err)
			}
		}
		synctest.Wait()
		if sent != 0 {
			t.Errorf("%d messages sent", sent)
		}
	})
}

func TestParseDirection(t *testing.T) {
	for d := Up; d <= DownRight; d++ {
		got, err := ParseDirection(d.String())
		if err != nil || got != d {
			t.Errorf("ParseDirection(%q) = %v, %v", d.String(), got, err)
		}
	}
	if _, err := ParseDirection("sideways"); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("sideways: %v", err)
	}
	for _, s := range []string{"stop", "tele", "WIDE"} {
		if _, err := ParseZoomDir(s); err != nil {
			t.Errorf("ParseZoomDir(%q): %v", s, err)
		}
	}
	if _, err := ParseZoomDir("in"); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("in: %v", err)
	}
}
