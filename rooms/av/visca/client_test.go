package visca

import (
	"context"
	"errors"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// Every command against the emulator, over both transports, in fake time:
// moves complete after MoveTime, power after PowerTime.
func TestCommands(t *testing.T) {
	for _, kind := range transports {
		t.Run(kind, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				const move, boot = 2 * time.Second, 3 * time.Second
				c, e := newPair(t, kind, EmulatorOptions{MoveTime: move, PowerTime: boot, Standby: true}, Options{})
				ctx := t.Context()
				took := func(what string, want time.Duration, f func() error) {
					t.Helper()
					start := time.Now()
					if err := f(); err != nil {
						t.Fatalf("%s: %v", what, err)
					}
					if got := time.Since(start); got != want {
						t.Errorf("%s took %v, want %v", what, got, want)
					}
				}

				if on, err := c.PowerState(ctx); err != nil || on {
					t.Fatalf("power state %v, %v; want standby", on, err)
				}
				if err := c.RecallPreset(ctx, 1); !errors.Is(err, ErrNotExecutable) {
					t.Errorf("recall in standby: %v, want ErrNotExecutable", err)
				}
				took("power on", boot, func() error { return c.Power(ctx, true) })
				if on, err := c.PowerState(ctx); err != nil || !on {
					t.Fatalf("power state %v, %v; want on", on, err)
				}

				took("absolute", move, func() error { return c.AbsolutePosition(ctx, 512, -128, 0x18, 0x14) })
				took("zoom to", move, func() error { return c.ZoomTo(ctx, 0x1A2B) })
				assertPosition(t, c, 512, -128, 0x1A2B)
				took("store", 0, func() error { return c.StorePreset(ctx, 5) })
				took("home", move, func() error { return c.AbsolutePosition(ctx, 0, 0, 1, 1) })
				took("recall", move, func() error { return c.RecallPreset(ctx, 5) })
				assertPosition(t, c, 512, -128, 0x1A2B)

				// Drives run until stopped: speed 10 is 200 units a second.
				took("drive", 0, func() error { return c.PanTilt(ctx, UpLeft, 10, 5) })
				time.Sleep(time.Second)
				took("stop", 0, func() error { return c.Stop(ctx) })
				assertPosition(t, c, 512-200, -128+100, 0x1A2B)
				took("zoom wide", 0, func() error { return c.Zoom(ctx, ZoomWide, 3) }) // 2048 a second
				time.Sleep(time.Second)
				took("zoom stop", 0, func() error { return c.Zoom(ctx, ZoomStop, 0) })
				assertPosition(t, c, 312, -28, 0x1A2B-2048)
				took("zoom tele", 0, func() error { return c.Zoom(ctx, ZoomTele, 7) })
				time.Sleep(10 * time.Second) // into the tele end
				assertPosition(t, c, 312, -28, zoomMax)

				took("standby", boot, func() error { return c.Power(ctx, false) })
				if st := e.State(); st.Power || st.Busy != 0 {
					t.Errorf("emulator state %+v", st)
				}
			})
		})
	}
}

func assertPosition(t *testing.T, c *Client, pan, tilt, zoom int) {
	t.Helper()
	p, tl, err := c.Position(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	z, err := c.ZoomPosition(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if p != pan || tl != tilt || z != zoom {
		t.Errorf("at %d,%d zoom %#x; want %d,%d zoom %#x", p, tl, z, pan, tilt, zoom)
	}
}

// The same over real sockets, without faults or fake time.
func TestLoopback(t *testing.T) {
	for _, kind := range transports {
		t.Run(kind, func(t *testing.T) {
			c, _ := newLoopbackPair(t, kind, EmulatorOptions{}, Options{})
			ctx := t.Context()
			for _, err := range []error{
				c.Power(ctx, true),
				c.AbsolutePosition(ctx, -300, 40, 5, 5),
				c.ZoomTo(ctx, 0x800),
				c.StorePreset(ctx, 127),
				c.PanTilt(ctx, Right, 1, 1),
				c.Stop(ctx),
				c.Zoom(ctx, ZoomStop, 0),
				c.AbsolutePosition(ctx, 0, 0, 5, 5),
				c.RecallPreset(ctx, 127),
			} {
				if err != nil {
					t.Fatal(err)
				}
			}
			if on, err := c.PowerState(ctx); err != nil || !on {
				t.Fatalf("power %v, %v", on, err)
			}
			pan, tilt, err := c.Position(ctx)
			// The drive moved a little in real time; the recall put it back.
			if err != nil || pan != -300 || tilt != 40 {
				t.Errorf("position %d,%d, %v", pan, tilt, err)
			}
			if z, err := c.ZoomPosition(ctx); err != nil || z != 0x800 {
				t.Errorf("zoom %#x, %v", z, err)
			}
		})
	}
}

// Many goroutines share one client; commands serialise and all succeed.
func TestConcurrentUse(t *testing.T) {
	for _, kind := range transports {
		t.Run(kind, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				c, _ := newPair(t, kind, EmulatorOptions{MoveTime: 100 * time.Millisecond}, Options{})
				var wg sync.WaitGroup
				errs := make(chan error, 100)
				for g := range 10 {
					wg.Go(func() {
						ctx := t.Context()
						for i := range 5 {
							var err error
							switch (g + i) % 4 {
							case 0:
								err = c.RecallPreset(ctx, g)
							case 1:
								_, _, err = c.Position(ctx)
							case 2:
								err = c.PanTilt(ctx, Direction(1+i%8), 1, 1)
							case 3:
								_, err = c.ZoomPosition(ctx)
							}
							if err != nil {
								errs <- err
							}
						}
					})
				}
				wg.Wait()
				close(errs)
				for err := range errs {
					t.Error(err)
				}
			})
		})
	}
}

func TestConcurrentUseLoopback(t *testing.T) {
	for _, kind := range transports {
		t.Run(kind, func(t *testing.T) {
			c, _ := newLoopbackPair(t, kind, EmulatorOptions{}, Options{})
			var wg sync.WaitGroup
			for g := range 8 {
				wg.Go(func() {
					for i := range 20 {
						var err error
						if i%2 == 0 {
							err = c.StorePreset(t.Context(), g)
						} else {
							_, err = c.PowerState(t.Context())
						}
						if err != nil {
							t.Error(err)
							return
						}
					}
				})
			}
			wg.Wait()
		})
	}
}

// ctx bounds the wait for the wire as well as the exchange.
func TestContextHonoured(t *testing.T) {
	for _, kind := range transports {
		t.Run(kind, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				c, _ := newPair(t, kind, EmulatorOptions{MoveTime: 4 * time.Second}, Options{})
				// One caller holds the wire for 4 s.
				done := make(chan error)
				go func() { done <- c.RecallPreset(t.Context(), 1) }()
				synctest.Wait()

				ctx, cancel := context.WithTimeout(t.Context(), time.Second)
				defer cancel()
				start := time.Now()
				_, err := c.PowerState(ctx)
				if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) != time.Second {
					t.Errorf("queued inquiry: %v after %v", err, time.Since(start))
				}
				if err := <-done; err != nil {
					t.Fatal(err)
				}

				// A deadline shorter than the move abandons it; the late
				// completion must not be taken for the next command's.
				ctx, cancel = context.WithTimeout(t.Context(), time.Second)
				defer cancel()
				if err := c.RecallPreset(ctx, 2); !errors.Is(err, context.DeadlineExceeded) {
					t.Errorf("short deadline: %v", err)
				}
				start = time.Now()
				if err := c.AbsolutePosition(t.Context(), 10, 10, 1, 1); err != nil {
					t.Fatal(err)
				}
				if got := time.Since(start); got != 4*time.Second {
					t.Errorf("next move returned after %v, want its own 4s", got)
				}
				if on, err := c.PowerState(t.Context()); err != nil || !on {
					t.Errorf("power %v, %v", on, err)
				}

				canceled, cancel := context.WithCancel(t.Context())
				cancel()
				if err := c.Stop(canceled); !errors.Is(err, context.Canceled) {
					t.Errorf("canceled: %v", err)
				}
			})
		})
	}
}

func TestClosed(t *testing.T) {
	for _, kind := range transports {
		t.Run(kind, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				c, e := newPair(t, kind, EmulatorOptions{}, Options{})
				if kind == "tcp" {
					// The camera going away ends a TCP client.
					e.Close()
					synctest.Wait()
					if err := c.Stop(t.Context()); !errors.Is(err, ErrClosed) {
						t.Errorf("after emulator close: %v", err)
					}
				}
				c.Close()
				if err := c.Stop(t.Context()); !errors.Is(err, ErrClosed) {
					t.Errorf("after close: %v", err)
				}
				if err := c.Close(); err != nil {
					t.Errorf("second close: %v", err)
				}
			})
		})
	}
}

// Answers the emulator never gives: five pan nibbles (newer Sony), a power
// error, unsolicited network-change messages and malformed answers.
func TestInquiryAnswers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		answers := map[string][]string{
			"81 09 06 12 FF": {"88 38 FF", "90 50 0F 0F 10 00 00 00 01 00 FF"}, // 10 is no nibble
			"81 09 04 00 FF": {"88 38 FF", "90 50 04 FF"},
			"81 09 04 47 FF": {"90 50 01 02 FF"},
		}
		dialer := fakeTCPCamera(t, func(msg []byte) [][]byte {
			var out [][]byte
			for _, s := range answers[spaced(msg)] {
				out = append(out, unhex(t, s))
			}
			return out
		})
		c, err := DialTCP(t.Context(), "camera", Options{Dial: dialer})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		ctx := t.Context()
		var pe *ProtocolError
		if _, _, err := c.Position(ctx); !errors.As(err, &pe) {
			t.Errorf("bad nibble: %v", err)
		}
		answers["81 09 06 12 FF"] = []string{"90 50 0F 0F 0F 00 00 0F 0F 0F 0F FF"}
		if pan, tilt, err := c.Position(ctx); err != nil || pan != -256 || tilt != -1 {
			t.Errorf("five pan nibbles: %d,%d, %v", pan, tilt, err)
		}
		if _, err := c.PowerState(ctx); !errors.Is(err, ErrPowerFault) {
			t.Errorf("power error: %v", err)
		}
		if _, err := c.ZoomPosition(ctx); !errors.As(err, &pe) {
			t.Errorf("short zoom answer: %v", err)
		}
	})
}
