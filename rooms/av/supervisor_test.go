package av

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

// fakeDriver is a device whose behaviour each test sets with func fields.
type fakeDriver struct {
	connect  func(ctx context.Context) error
	exec     func(ctx context.Context, cmd Command) error
	poll     func(ctx context.Context) (State, error)
	closed   atomic.Bool
	commands atomic.Int32
}

func (f *fakeDriver) Connect(ctx context.Context) error {
	if f.connect != nil {
		return f.connect(ctx)
	}
	return nil
}

func (f *fakeDriver) Exec(ctx context.Context, cmd Command) error {
	f.commands.Add(1)
	if f.exec != nil {
		return f.exec(ctx, cmd)
	}
	return nil
}

func (f *fakeDriver) Poll(ctx context.Context) (State, error) {
	if f.poll != nil {
		return f.poll(ctx)
	}
	return State{"power": "on"}, nil
}

func (f *fakeDriver) Close() error { f.closed.Store(true); return nil }

// hang blocks until the supervisor's deadline, like a device that never answers.
func hang(ctx context.Context, _ Command) error { <-ctx.Done(); return ctx.Err() }

func hangPoll(ctx context.Context) (State, error) { <-ctx.Done(); return nil, ctx.Err() }

func TestCommandsAndStatus(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var mu sync.Mutex
		var changes []Status
		s := NewSupervisor(nil, func(st Status) { mu.Lock(); changes = append(changes, st); mu.Unlock() })
		defer s.Close()
		drv := &fakeDriver{}
		if err := s.Add(DeviceConfig{ID: "beamer", Kind: "pjlink"}, drv); err != nil {
			t.Fatal(err)
		}
		if err := s.Do(t.Context(), "beamer", Command{Name: "power", Args: map[string]string{"on": "true"}}); err != nil {
			t.Fatal(err)
		}
		st, _ := s.Status("beamer")
		if st.Health != Online || st.State["power"] != "on" || st.LastSeen.IsZero() {
			t.Fatalf("status %+v", st)
		}
		mu.Lock()
		if len(changes) == 0 || changes[0].Health != Online {
			t.Errorf("changes %+v", changes)
		}
		mu.Unlock()
		if err := s.Do(t.Context(), "nope", Command{Name: "power"}); !errors.Is(err, ErrUnknownDevice) {
			t.Fatalf("unknown device: %v", err)
		}
	})
}

func TestAHungDeviceDelaysOnlyItself(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := NewSupervisor(nil, nil)
		defer s.Close()
		s.Add(DeviceConfig{ID: "camera", Kind: "visca-ip"}, &fakeDriver{exec: hang, poll: hangPoll})
		s.Add(DeviceConfig{ID: "dsp", Kind: "tesira"}, &fakeDriver{})
		start := time.Now()
		done := make(chan error, 1)
		go func() { done <- s.Do(context.Background(), "camera", Command{Name: "preset.recall"}) }()
		if err := s.Do(t.Context(), "dsp", Command{Name: "mute"}); err != nil || time.Since(start) != 0 {
			t.Fatalf("the healthy device waited %s: %v", time.Since(start), err)
		}
		// Its own timeouts only: the poll after connecting, then the command.
		err := <-done
		if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 2*DefaultCommandTimeout {
			t.Fatalf("hung command: %v after %s", err, time.Since(start))
		}
		st, _ := s.Status("camera")
		if st.Health == Online || st.LastError == "" {
			t.Fatalf("hung device status %+v", st)
		}
	})
}

func TestAFullQueueRefusesAtOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := NewSupervisor(nil, nil)
		defer s.Close()
		s.Add(DeviceConfig{ID: "camera", Kind: "visca-ip", CommandTimeout: time.Hour}, &fakeDriver{exec: func(ctx context.Context, c Command) error {
			if c.Name == "zoom" {
				return hang(ctx, c)
			}
			return nil
		}})
		// The device is up and its goroutine idle before the flood.
		if err := s.Do(t.Context(), "camera", Command{Name: "stop"}); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		go s.Do(ctx, "camera", Command{Name: "zoom"}) // the one running
		synctest.Wait()
		for range QueueLength { // and the ones waiting
			go s.Do(ctx, "camera", Command{Name: "zoom"})
		}
		synctest.Wait()
		if err := s.Do(t.Context(), "camera", Command{Name: "zoom"}); !errors.Is(err, ErrBusy) {
			t.Fatalf("want ErrBusy, got %v", err)
		}
	})
}

func TestBreakerOpensAndRecovers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var broken atomic.Bool
		broken.Store(true)
		// A device whose connection breaks on every contact (it accepts
		// the TCP connection, then resets it).
		reset := errors.New("connection reset by peer")
		drv := &fakeDriver{exec: func(ctx context.Context, _ Command) error {
			if broken.Load() {
				return reset
			}
			return nil
		}, poll: func(context.Context) (State, error) {
			if broken.Load() {
				return nil, reset
			}
			return State{"power": "on"}, nil
		}}
		s := NewSupervisor(nil, nil)
		defer s.Close()
		s.Add(DeviceConfig{ID: "beamer", Kind: "pjlink"}, drv)
		for range BreakerFailures {
			s.Do(t.Context(), "beamer", Command{Name: "power"})
			time.Sleep(MaxBackoff) // fake time: past any reconnection backoff
		}
		before := drv.commands.Load()
		if err := s.Do(t.Context(), "beamer", Command{Name: "power"}); !errors.Is(err, ErrOffline) {
			t.Fatalf("with the breaker open: %v", err)
		}
		if drv.commands.Load() != before {
			t.Fatal("an open breaker let a command through")
		}
		if st, _ := s.Status("beamer"); st.Health != Offline {
			t.Fatalf("health %s", st.Health)
		}
		broken.Store(false)
		time.Sleep(BreakerCooldown + time.Second) // fake time: the breaker half-opens
		if err := s.Do(t.Context(), "beamer", Command{Name: "power"}); err != nil {
			t.Fatalf("after the cooldown: %v", err)
		}
		if st, _ := s.Status("beamer"); st.Health != Online {
			t.Fatalf("health after recovery %s", st.Health)
		}
	})
}

func TestReconnectsWithBackoff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var attempts []time.Time
		var mu sync.Mutex
		drv := &fakeDriver{connect: func(context.Context) error {
			mu.Lock()
			defer mu.Unlock()
			attempts = append(attempts, time.Now())
			if len(attempts) < 4 {
				return errors.New("connection refused")
			}
			return nil
		}}
		s := NewSupervisor(nil, nil)
		defer s.Close()
		start := time.Now()
		s.Add(DeviceConfig{ID: "dsp", Kind: "tesira"}, drv)
		time.Sleep(5 * time.Minute) // fake time
		mu.Lock()
		defer mu.Unlock()
		if len(attempts) != 4 {
			t.Fatalf("%d connection attempts", len(attempts))
		}
		// Doubling with ±20 % jitter: every wait is longer than the one before.
		for i := 2; i < len(attempts); i++ {
			gap, prev := attempts[i].Sub(attempts[i-1]), attempts[i-1].Sub(attempts[i-2])
			if gap <= prev {
				t.Errorf("backoff did not grow: %s after %s", gap, prev)
			}
		}
		if st, _ := s.Status("dsp"); st.Health != Online {
			t.Fatalf("health %s after %s", st.Health, attempts[len(attempts)-1].Sub(start))
		}
	})
}

func TestBackoffIsCappedAndJittered(t *testing.T) {
	for n := range 20 {
		if d := backoff(n); d > MaxBackoff || d < time.Second*4/5 {
			t.Fatalf("backoff(%d) = %s", n, d)
		}
	}
	seen := map[time.Duration]bool{}
	for range 50 {
		seen[backoff(3)] = true
	}
	if len(seen) < 10 {
		t.Fatal("no jitter")
	}
}

func TestSceneFinishesForTheOthersWhenOneDeviceHangs(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := NewSupervisor(nil, nil)
		defer s.Close()
		s.Add(DeviceConfig{ID: "beamer", Kind: "pjlink"}, &fakeDriver{})
		s.Add(DeviceConfig{ID: "camera", Kind: "visca-ip", CommandTimeout: time.Minute}, &fakeDriver{exec: hang})
		s.Add(DeviceConfig{ID: "dsp", Kind: "tesira"}, &fakeDriver{})
		start := time.Now()
		res := s.RunScene(t.Context(), Scene{Name: "hybrid", Actions: []Action{
			{Device: "beamer", Command: Command{Name: "power", Args: map[string]string{"on": "true"}}},
			{Device: "beamer", Command: Command{Name: "input", Args: map[string]string{"input": "31"}}},
			{Device: "camera", Command: Command{Name: "preset.recall", Args: map[string]string{"preset": "1"}}},
			{Device: "dsp", Command: Command{Name: "mute", Args: map[string]string{"mute": "false"}}},
		}}, 2*time.Second)
		if took := time.Since(start); took != 2*time.Second {
			t.Fatalf("scene took %s, want its deadline", took)
		}
		for i, want := range []bool{true, true, false, true} {
			if res[i].OK != want {
				t.Errorf("result %d: %+v", i, res[i])
			}
		}
	})
}

func TestCloseEndsEverything(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := NewSupervisor(nil, nil)
		drv := &fakeDriver{exec: hang}
		s.Add(DeviceConfig{ID: "camera", Kind: "visca-ip"}, drv)
		go s.Do(context.Background(), "camera", Command{Name: "zoom"})
		synctest.Wait()
		s.Close()
		if !drv.closed.Load() {
			t.Fatal("driver not closed")
		}
		if err := s.Do(t.Context(), "camera", Command{Name: "zoom"}); !errors.Is(err, ErrClosed) {
			t.Fatalf("after Close: %v", err)
		}
	})
}

func TestCloseDoesNotWaitForAHungCommand(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := NewSupervisor(nil, nil)
		s.Add(DeviceConfig{ID: "beamer", Kind: "pjlink", CommandTimeout: time.Hour}, &fakeDriver{exec: hang})
		go s.Do(context.Background(), "beamer", Command{Name: "input"})
		synctest.Wait()
		start := time.Now()
		s.Close()
		if took := time.Since(start); took != 0 {
			t.Fatalf("Close waited %s for a hung command", took)
		}
	})
}

func TestImpatientCallersDoNotTakeADeviceOffline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		slow := func(ctx context.Context, _ Command) error {
			select {
			case <-time.After(2 * time.Second):
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		s := NewSupervisor(nil, nil)
		defer s.Close()
		s.Add(DeviceConfig{ID: "kamera", Kind: "visca-ip"}, &fakeDriver{exec: slow})
		for range BreakerFailures + 1 {
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			if err := s.Do(ctx, "kamera", Command{Name: "zoom"}); err == nil {
				t.Fatal("an impatient caller got an answer")
			}
			cancel()
			synctest.Wait()
		}
		if err := s.Do(t.Context(), "kamera", Command{Name: "zoom"}); err != nil {
			t.Fatalf("a patient caller after impatient ones: %v", err)
		}
		if st, _ := s.Status("kamera"); st.Health != Online {
			t.Fatalf("health %s", st.Health)
		}
	})
}
