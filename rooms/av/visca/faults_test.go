package visca

import (
	"context"
	"errors"
	"net"
	"testing"
	"testing/synctest"
	"time"
)

// A camera that forgot the sequence (restarted) answers 0F 01; the client
// RESETs and the command goes through on the retry.
func TestSequenceErrorResets(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, e := newPair(t, "ip", EmulatorOptions{}, Options{})
		ctx := t.Context()
		for range 3 {
			if err := c.StorePreset(ctx, 1); err != nil {
				t.Fatal(err)
			}
		}
		e.ResetSequences()
		if err := c.StorePreset(ctx, 2); err != nil {
			t.Fatalf("after camera restart: %v", err)
		}
		if err := c.StorePreset(ctx, 3); err != nil {
			t.Fatal(err)
		}
	})
}

// If the camera rejects the sequence number even after RESET, give up
// rather than loop.
func TestSequenceErrorTwice(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var resets int
		dialer := fakeUDPCamera(t, func(got []byte) [][]byte {
			d, err := parseDatagram(got)
			if err != nil {
				t.Errorf("client sent % X: %v", got, err)
				return nil
			}
			if d.typ == typeControl {
				resets++
				return [][]byte{appendDatagram(nil, typeControlReply, d.seq, controlReset)}
			}
			return [][]byte{appendDatagram(nil, typeControlReply, d.seq, controlSeqError)}
		})
		c, err := DialIP(t.Context(), "camera", Options{Dial: dialer})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if err := c.Power(t.Context(), true); !errors.Is(err, ErrSequence) {
			t.Errorf("got %v, want ErrSequence", err)
		}
		if resets != 2 {
			t.Errorf("%d RESETs, want 2 (dial, then once after 0F 01)", resets)
		}
	})
}

// Lost datagrams are resent with the same sequence number every
// RetransmitAfter, at most Retransmit times; then the command times out.
func TestRetransmission(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, e := newPair(t, "ip", EmulatorOptions{}, Options{Retransmit: 2, RetransmitAfter: 300 * time.Millisecond})
		ctx := t.Context()

		e.SetFault(Drop(2))
		start := time.Now()
		if err := c.StorePreset(ctx, 1); err != nil {
			t.Fatalf("two losses, two retransmissions: %v", err)
		}
		if got := time.Since(start); got != 600*time.Millisecond {
			t.Errorf("took %v, want 600ms", got)
		}

		e.SetFault(Drop(3))
		start = time.Now()
		err := c.StorePreset(ctx, 1)
		if !errors.Is(err, ErrTimeout) || !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("three losses: %v, want ErrTimeout", err)
		}
		if got := time.Since(start); got != 900*time.Millisecond {
			t.Errorf("gave up after %v, want 900ms", got)
		}
		// The drop fault is used up; the camera saw nothing of that
		// sequence number, so the next one is not in order for it: the
		// client RESETs and carries on.
		if err := c.StorePreset(ctx, 1); err != nil {
			t.Fatalf("after the losses: %v", err)
		}
	})
}

// A lost reply: the camera gets the retransmission as a duplicate and
// answers from its cache instead of running the command twice.
func TestRetransmissionOfLostReply(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := NewEmulator(EmulatorOptions{MoveTime: time.Second})
		defer e.Close()
		emu := e.Dialer()
		var dropped bool
		// A UDP conn that loses the first ACK of sequence 1 on its way back.
		dialer := func(ctx context.Context, network, addr string) (net.Conn, error) {
			conn, err := emu(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			return &lossyConn{Conn: conn, drop: func(b []byte) bool {
				if !dropped && len(b) > 9 && b[7] == 1 && b[9]&0xF0 == 0x40 {
					dropped = true
					return true
				}
				return false
			}}, nil
		}
		c, err := DialIP(t.Context(), "camera", Options{Dial: dialer})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		start := time.Now()
		if err := c.RecallPreset(t.Context(), 3); err != nil {
			t.Fatal(err)
		}
		if !dropped {
			t.Error("no ACK was lost")
		}
		if got := time.Since(start); got != time.Second {
			t.Errorf("recall took %v; a rerun would take 1.3s", got)
		}
		if st := e.State(); st.Busy != 0 {
			t.Errorf("emulator still busy: %+v", st)
		}
	})
}

// Hang: no reply. UDP gives up after its retransmissions, TCP after
// CommandTimeout.
func TestFaultHang(t *testing.T) {
	for kind, want := range map[string]time.Duration{"ip": 900 * time.Millisecond, "tcp": 5 * time.Second} {
		t.Run(kind, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				c, e := newPair(t, kind, EmulatorOptions{}, Options{})
				e.SetFault(Hang())
				start := time.Now()
				_, err := c.PowerState(t.Context())
				if !errors.Is(err, ErrTimeout) {
					t.Errorf("got %v, want ErrTimeout", err)
				}
				if got := time.Since(start); got != want {
					t.Errorf("gave up after %v, want %v", got, want)
				}
				e.SetFault(Fault{})
				if _, err := c.PowerState(t.Context()); err != nil {
					t.Errorf("after the hang: %v", err)
				}
			})
		})
	}
}

// A hung UDP camera fails the dial: RESET gets no answer.
func TestDialHungCamera(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := NewEmulator(EmulatorOptions{})
		defer e.Close()
		e.SetFault(Hang())
		_, err := DialIP(t.Context(), "camera", Options{Dial: e.Dialer()})
		if !errors.Is(err, ErrTimeout) {
			t.Errorf("got %v, want ErrTimeout", err)
		}
	})
}

// Garbage fails the command with a *ProtocolError, and the client keeps
// working once the camera talks sense again.
func TestFaultGarbage(t *testing.T) {
	for _, kind := range transports {
		t.Run(kind, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				c, e := newPair(t, kind, EmulatorOptions{}, Options{})
				e.SetFault(Garbage())
				var pe *ProtocolError
				if err := c.Power(t.Context(), true); !errors.As(err, &pe) {
					t.Errorf("got %v, want *ProtocolError", err)
				}
				e.SetFault(Fault{})
				if err := c.Power(t.Context(), true); err != nil {
					t.Errorf("after the garbage: %v", err)
				}
			})
		})
	}
}

// Slow replies within the limits succeed, late; beyond them time out.
func TestFaultSlow(t *testing.T) {
	tests := []struct {
		kind  string
		delay time.Duration
		took  time.Duration // 0: times out
		after time.Duration
	}{
		{"tcp", time.Second, 2 * time.Second, 0}, // ACK after 1 s, completion after another
		{"tcp", 3 * time.Second, 0, 5 * time.Second},
		{"ip", 200 * time.Millisecond, 400 * time.Millisecond, 0},
		// Nothing back within three sends: the client gives up before the ACK.
		{"ip", time.Second, 0, 900 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.kind+"/"+tt.delay.String(), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				c, e := newPair(t, tt.kind, EmulatorOptions{}, Options{})
				e.SetFault(Slow(tt.delay))
				start := time.Now()
				err := c.StorePreset(t.Context(), 9)
				got := time.Since(start)
				switch {
				case tt.took != 0 && (err != nil || got != tt.took):
					t.Errorf("%v after %v, want success after %v", err, got, tt.took)
				case tt.took == 0 && (!errors.Is(err, ErrTimeout) || got != tt.after):
					t.Errorf("%v after %v, want ErrTimeout after %v", err, got, tt.after)
				}
			})
		})
	}
}

// Drop on TCP closes the connection: the client reports ErrClosed and a
// new dial works.
func TestFaultDropTCP(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, e := newPair(t, "tcp", EmulatorOptions{}, Options{})
		e.SetFault(Drop(1))
		if err := c.Stop(t.Context()); !errors.Is(err, ErrClosed) {
			t.Errorf("got %v, want ErrClosed", err)
		}
		c2, err := DialTCP(t.Context(), "camera", Options{Dial: e.Dialer()})
		if err != nil {
			t.Fatal(err)
		}
		defer c2.Close()
		if err := c2.Stop(t.Context()); err != nil {
			t.Errorf("redialled: %v", err)
		}
	})
}

// Two moves fill both sockets; a third command meets a full buffer. A
// drive cancels the moves it overrides.
func TestBusy(t *testing.T) {
	for _, kind := range transports {
		t.Run(kind, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				e := NewEmulator(EmulatorOptions{MoveTime: 2 * time.Second})
				defer e.Close()
				var clients [3]*Client
				for i := range clients {
					c, err := dial(t.Context(), kind, "camera", Options{Dial: e.Dialer()})
					if err != nil {
						t.Fatal(err)
					}
					defer c.Close()
					clients[i] = c
				}
				ctx := t.Context()
				results := make(chan error, 2)
				go func() { results <- clients[0].RecallPreset(ctx, 1) }()
				go func() { results <- clients[1].ZoomTo(ctx, 0x100) }()
				synctest.Wait()
				if st := e.State(); st.Busy != 2 {
					t.Fatalf("busy %d, want 2", st.Busy)
				}
				if err := clients[2].AbsolutePosition(ctx, 1, 1, 1, 1); !errors.Is(err, ErrCommandBufferFull) {
					t.Errorf("third move: %v, want ErrCommandBufferFull", err)
				}
				// The zoom drive overrides both moves (the recall zooms too).
				if err := clients[2].Zoom(ctx, ZoomStop, 0); err != nil {
					t.Errorf("zoom drive: %v", err)
				}
				for range 2 {
					if err := <-results; !errors.Is(err, ErrCommandCanceled) {
						t.Errorf("overridden move: %v, want ErrCommandCanceled", err)
					}
				}
			})
		})
	}
}
