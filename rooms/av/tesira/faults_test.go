package tesira

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

func TestFaultHang(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, emu := newPipePair(t, EmulatorOptions{}, Options{})
		emu.SetFault(FaultHang)
		start := time.Now()
		err := c.SetMute(t.Context(), "Mute1", 1, true)
		if !errors.Is(err, ErrTimeout) || time.Since(start) != DefaultCommandTimeout {
			t.Fatalf("SetMute: %v after %v", err, time.Since(start))
		}
		// The late reply could be mistaken for the next one's: the
		// session is gone, and says why.
		<-c.Done()
		if err := c.Err(); !errors.Is(err, ErrClosed) || !errors.Is(err, ErrTimeout) {
			t.Fatalf("Err = %v", err)
		}
		if _, err := c.Mute(t.Context(), "Mute1", 1); !errors.Is(err, ErrClosed) {
			t.Fatalf("after hang: %v", err)
		}
	})
}

func TestFaultSlow(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, emu := newPipePair(t, EmulatorOptions{}, Options{CommandTimeout: 3 * time.Second})
		emu.SetFault(FaultSlow(2 * time.Second))
		start := time.Now()
		if err := c.SetMute(t.Context(), "Mute1", 1, true); err != nil {
			t.Fatal(err)
		}
		if d := time.Since(start); d != 2*time.Second {
			t.Fatalf("slow reply after %v", d)
		}
		emu.SetFault(FaultSlow(4 * time.Second))
		if err := c.SetMute(t.Context(), "Mute1", 1, false); !errors.Is(err, ErrTimeout) {
			t.Fatalf("too slow: %v", err)
		}
	})
}

func TestFaultDrop(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, emu := newPipePair(t, EmulatorOptions{}, Options{})
		emu.SetFault(FaultDrop)
		if err := c.SetMute(t.Context(), "Mute1", 1, true); !errors.Is(err, ErrClosed) {
			t.Fatalf("SetMute: %v", err)
		}
		if _, ok := <-c.Publications(); ok {
			t.Fatal("publications open after drop")
		}
		// New sessions are dropped at once.
		if _, err := Dial(t.Context(), "dsp", Options{Dial: pipeDial(emu.Serve)}); err == nil {
			t.Fatal("Dial succeeded while dropping")
		}
	})
}

func TestFaultGarbage(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, emu := newPipePair(t, EmulatorOptions{}, Options{})
		emu.SetFault(FaultGarbage)
		if err := c.SetMute(t.Context(), "Mute1", 1, true); !errors.Is(err, ErrProtocol) {
			t.Fatalf("SetMute: %v", err)
		}
		// The junk line was consumed as the reply: the session is still in step.
		emu.SetFault(FaultNone)
		if m, err := c.Mute(t.Context(), "Mute1", 1); err != nil || m {
			t.Fatalf("after garbage: %v, %v", m, err)
		}
	})
}

// Many callers at once: every reply reaches its own caller, while
// publications stream in between.
func TestConcurrentUse(t *testing.T) {
	c, emu := newTCPPair(t, EmulatorOptions{})
	ctx := t.Context()
	if err := c.Subscribe(ctx, "LogicMeter1", "state", 1, "mic", 0); err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	var flicker sync.WaitGroup
	flicker.Add(2)
	go func() {
		defer flicker.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
				emu.SetMicActive("LogicMeter1", 1, i%2 == 0)
				time.Sleep(100 * time.Microsecond)
			}
		}
	}()
	go func() { // drain
		defer flicker.Done()
		for {
			select {
			case <-c.Publications():
			case <-stop:
				return
			}
		}
	}()
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := 1; g <= 8; g++ {
		wg.Go(func() {
			for i := range 30 {
				lvl := -float64(g*10 + i%5)
				if err := c.SetLevel(ctx, "Level1", g, lvl); err != nil {
					errs <- err
					return
				}
				if l, err := c.Level(ctx, "Level1", g); err != nil || l != lvl {
					errs <- fmt.Errorf("channel %d: level %v, %v; want %v", g, l, err, lvl)
					return
				}
				want := i%2 == 0
				c.SetMute(ctx, "Mute1", g, want)
				if m, err := c.Mute(ctx, "Mute1", g); err != nil || m != want {
					errs <- fmt.Errorf("channel %d: mute %v, %v", g, m, err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(stop)
	flicker.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// A subscriber that does not read loses the oldest publications, never
// the latest state, and never stalls command replies.
func TestPublicationOverflow(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, emu := newPipePair(t, EmulatorOptions{}, Options{})
		c.Subscribe(t.Context(), "LogicMeter1", "state", 1, "mic", 0)
		const n = PublicationBuffer + 50
		for i := range n {
			emu.SetMicActive("LogicMeter1", 1, i%2 == 0)
			if i%100 == 0 {
				synctest.Wait()
			}
		}
		if _, err := c.Mute(t.Context(), "Mute1", 1); err != nil {
			t.Fatalf("command behind a full buffer: %v", err)
		}
		var last Publication
		got := 0
		for len(c.Publications()) > 0 {
			last = <-c.Publications()
			got++
		}
		if got != PublicationBuffer {
			t.Fatalf("buffered %d publications", got)
		}
		if v, _ := last.Bool(); v != ((n-1)%2 == 0) {
			t.Fatalf("latest state lost: %+v", last)
		}
	})
}

func TestEmulatorIdleTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, _ := newPipePair(t, EmulatorOptions{IdleTimeout: time.Minute}, Options{})
		start := time.Now()
		<-c.Done()
		if d := time.Since(start); d != time.Minute {
			t.Fatalf("idle close after %v", d)
		}
	})
}
