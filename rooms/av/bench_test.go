package av

// Benchmarks for the closing note; not run in CI:
//
//	go test ./rooms/av -run '^$' -bench . -benchtime 10x

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/kogge-project/kogge/rooms/av/pjlink"
	"github.com/kogge-project/kogge/rooms/av/tesira"
	"github.com/kogge-project/kogge/rooms/av/visca"
)

// polledDriver wraps a real driver and reports each finished Poll. The
// supervisor polls right after every successful command; with PJLink that
// is four more slow exchanges, which would otherwise still be running when
// the next measurement starts and queue ahead of its command.
type polledDriver struct {
	Driver
	polled chan struct{}
}

func (d *polledDriver) Poll(ctx context.Context) (State, error) {
	st, err := d.Driver.Poll(ctx)
	select {
	case d.polled <- struct{}{}:
	default: // never block the device goroutine, e.g. when a run fails midway
	}
	return st, err
}

// benchDevice is one emulated device of the six-device room.
type benchDevice struct {
	cfg     DeviceConfig
	latency time.Duration // what the emulator adds to the command
	cmd     Command
	drv     *polledDriver
}

// quiet waits for n polls of the device: the one after connecting, or the
// one after each successful command.
func (d *benchDevice) quiet(b *testing.B, n int) {
	b.Helper()
	for range n {
		select {
		case <-d.drv.polled:
		case <-time.After(10 * time.Second):
			b.Fatalf("%s: no poll within 10 s", d.cfg.ID)
		}
	}
}

// BenchmarkSixDeviceScene compares a scene on six devices at once with the
// slowest of them alone: the scene should cost little more than its
// slowest device (target ≤ 1.2×), not the sum.
func BenchmarkSixDeviceScene(b *testing.B) {
	// Each device answers after its own latency; the slowest is a
	// projector, as in a real room. PJLink and Tesira slow every answer
	// with their Slow fault; the cameras ACK at once and complete the
	// preset recall after MoveTime, as a real camera's move does.
	lat := map[string]time.Duration{
		"beamer-1": 20 * time.Millisecond, "beamer-2": 120 * time.Millisecond,
		"kamera-1": 40 * time.Millisecond, "kamera-2": 80 * time.Millisecond,
		"dsp-1": 60 * time.Millisecond, "dsp-2": 100 * time.Millisecond,
	}
	var closers []io.Closer
	defer func() {
		for _, c := range closers {
			c.Close()
		}
	}()
	var devs []*benchDevice
	start := func(err error) {
		if err != nil {
			b.Fatal(err)
		}
	}
	for _, id := range []string{"beamer-1", "beamer-2"} {
		e := pjlink.NewEmulator(pjlink.EmulatorOptions{})
		start(e.Start("127.0.0.1:0"))
		closers = append(closers, e)
		e.SetFault(pjlink.FaultSlow(lat[id]))
		devs = append(devs, &benchDevice{cfg: DeviceConfig{ID: id, Kind: KindPJLink, Address: e.Addr()}, latency: lat[id],
			cmd: Command{Name: "power", Args: map[string]string{"on": "true"}}})
	}
	for _, id := range []string{"kamera-1", "kamera-2"} {
		e := visca.NewEmulator(visca.EmulatorOptions{MoveTime: lat[id]})
		start(e.StartUDP("127.0.0.1:0"))
		closers = append(closers, e)
		devs = append(devs, &benchDevice{cfg: DeviceConfig{ID: id, Kind: KindVISCAIP, Address: e.Addr()}, latency: lat[id],
			cmd: Command{Name: "preset.recall", Args: map[string]string{"preset": "1"}}})
	}
	for _, id := range []string{"dsp-1", "dsp-2"} {
		e := tesira.NewEmulator(tesira.EmulatorOptions{Blocks: []tesira.Block{{Tag: "Mics", Kind: tesira.MuteBlock, Channels: 4}}})
		start(e.Start("127.0.0.1:0"))
		closers = append(closers, e)
		e.SetFault(tesira.FaultSlow(lat[id]))
		devs = append(devs, &benchDevice{cfg: DeviceConfig{ID: id, Kind: KindTesira, Address: e.Addr()}, latency: lat[id],
			cmd: Command{Name: "mute", Args: map[string]string{"tag": "Mics", "channel": "1", "mute": "false"}}})
	}

	sup := NewSupervisor(nil, nil)
	defer sup.Close() // deferred after the emulators' Close, so it runs first
	scene := Scene{Name: "bench"}
	for _, d := range devs {
		d.cfg.PollEvery = time.Hour // no periodic poll inside a measurement
		inner, err := NewDriver(d.cfg)
		if err != nil {
			b.Fatal(err)
		}
		d.drv = &polledDriver{Driver: inner, polled: make(chan struct{}, 16)}
		if err := sup.Add(d.cfg, d.drv); err != nil {
			b.Fatal(err)
		}
		scene.Actions = append(scene.Actions, Action{Device: d.cfg.ID, Command: d.cmd})
	}
	for _, d := range devs {
		d.quiet(b, 1) // connected and polled once
	}

	ctx := context.Background()
	var walls, slowests []time.Duration
	perDevice := map[string][]time.Duration{}
	for b.Loop() {
		// (a) each device alone, one after the other.
		var slowest time.Duration
		for _, d := range devs {
			t0 := time.Now()
			if err := sup.Do(ctx, d.cfg.ID, d.cmd); err != nil {
				b.Fatal(err)
			}
			took := time.Since(t0)
			d.quiet(b, 1)
			perDevice[d.cfg.ID] = append(perDevice[d.cfg.ID], took)
			slowest = max(slowest, took)
		}
		// (b) the scene on all six at once.
		t0 := time.Now()
		res := sup.RunScene(ctx, scene, 10*time.Second)
		wall := time.Since(t0)
		for _, r := range res {
			if !r.OK {
				b.Fatalf("%s %s: %s", r.Device, r.Command, r.Error)
			}
		}
		for _, d := range devs {
			d.quiet(b, 1)
		}
		walls, slowests = append(walls, wall), append(slowests, slowest)
	}

	wall, slowest := median(walls), median(slowests)
	b.ReportMetric(float64(wall)/float64(slowest), "x-slowest")
	b.ReportMetric(ms(wall), "wall-ms")
	b.ReportMetric(ms(slowest), "slowest-ms")
	for _, d := range devs {
		b.Logf("%s alone: median %.1f ms (emulated latency %v)", d.cfg.ID, ms(median(perDevice[d.cfg.ID])), d.latency)
	}
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// idleDriver is a device that connects, answers nothing and costs nothing:
// what is measured is the supervisor's own share per device.
type idleDriver struct{ polled *sync.WaitGroup }

func (d *idleDriver) Connect(context.Context) error       { return nil }
func (d *idleDriver) Exec(context.Context, Command) error { return nil }
func (d *idleDriver) Close() error                        { return nil }

// Poll is called once, after connecting; the periodic poll is an hour
// away.
func (d *idleDriver) Poll(context.Context) (State, error) { d.polled.Done(); return nil, nil }

// BenchmarkMemoryPerDevice supervises 1000 idle devices and reports what
// each costs in heap and goroutine stack, and that Close gives it all back.
func BenchmarkMemoryPerDevice(b *testing.B) {
	const n = 1000
	var heap, stack, total []float64
	var goroutines []int
	for b.Loop() {
		leaks := goleak.IgnoreCurrent()
		before := memNow()
		g0 := runtime.NumGoroutine()

		sup := NewSupervisor(nil, nil)
		var polled sync.WaitGroup
		polled.Add(n)
		for i := range n {
			cfg := DeviceConfig{ID: fmt.Sprintf("dev-%04d", i), Kind: KindPJLink, PollEvery: time.Hour}
			if err := sup.Add(cfg, &idleDriver{polled: &polled}); err != nil {
				b.Fatal(err)
			}
		}
		polled.Wait() // every device goroutine is past its start-up and idle in its select

		after := memNow()
		goroutines = append(goroutines, runtime.NumGoroutine()-g0)
		dHeap := float64(after.HeapInuse) - float64(before.HeapInuse)
		dStack := float64(after.StackInuse) - float64(before.StackInuse)
		heap, stack, total = append(heap, dHeap/n), append(stack, dStack/n), append(total, (dHeap+dStack)/n)

		sup.Close()
		if err := goleak.Find(leaks); err != nil {
			b.Fatalf("goroutines left after Close: %v", err)
		}
	}
	b.ReportMetric(medianOf(heap), "heap-B/device")
	b.ReportMetric(medianOf(stack), "stack-B/device")
	b.ReportMetric(medianOf(total), "B/device")
	b.ReportMetric(float64(slices.Max(goroutines))/n, "goroutines/device")
}

// memNow reads the memory statistics after a full collection, so that
// garbage from earlier iterations is not counted.
func memNow() runtime.MemStats {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m
}

func medianOf(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}
