package av

import (
	"context"
	"net"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/kogge-project/kogge/rooms/av/tesira"
)

// recordingCamera notes the presets it is sent to, with when.
type recordingCamera struct {
	fakeDriver
	mu    sync.Mutex
	moves []string
}

func newRecordingCamera() *recordingCamera {
	c := &recordingCamera{}
	c.exec = func(_ context.Context, cmd Command) error {
		c.mu.Lock()
		defer c.mu.Unlock()
		c.moves = append(c.moves, cmd.Args["preset"])
		return nil
	}
	return c
}

func (c *recordingCamera) recorded() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.moves...)
}

// TestCameraFollowsSpeaker runs the follower end to end against the Tesira
// emulator (over an in-memory pipe, in fake time).
func TestCameraFollowsSpeaker(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		dsp := tesira.NewEmulator(tesira.EmulatorOptions{Blocks: []tesira.Block{{Tag: "Mics", Kind: tesira.LogicMeterBlock, Channels: 4}}})
		defer dsp.Close()
		sup := NewSupervisor(nil, nil)
		defer sup.Close()
		cam := newRecordingCamera()
		sup.Add(DeviceConfig{ID: "kamera", Kind: KindVISCAIP}, cam)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() {
			defer close(done)
			RunFollow(ctx, Follow{
				Camera: "kamera", Presets: map[int]int{1: 2, 2: 3, 3: 4}, Default: 1,
				Hold: 2 * time.Second, Debounce: 400 * time.Millisecond,
				Open: TesiraGates("Mics", func(ctx context.Context) (*tesira.Client, error) {
					return tesira.Dial(ctx, "dsp", tesira.Options{Dial: func(context.Context, string, string) (net.Conn, error) {
						a, b := net.Pipe()
						go dsp.Serve(b)
						return a, nil
					}})
				}),
			}, sup)
		}()
		time.Sleep(time.Second) // fake time: connected and subscribed
		synctest.Wait()
		start := len(cam.recorded())

		dsp.SetMicActive("Mics", 2, true)
		time.Sleep(500 * time.Millisecond)
		synctest.Wait()
		// A cough on microphone 3: open for 100 ms only.
		dsp.SetMicActive("Mics", 3, true)
		time.Sleep(100 * time.Millisecond)
		dsp.SetMicActive("Mics", 3, false)
		time.Sleep(time.Second)
		synctest.Wait()
		// Microphone 2 closes: the camera holds, then goes to the default.
		dsp.SetMicActive("Mics", 2, false)
		time.Sleep(time.Second)
		synctest.Wait()
		held := len(cam.recorded())
		time.Sleep(2 * time.Second)
		synctest.Wait()
		got := cam.recorded()[start:]
		cancel()
		<-done
		if want := []string{"3", "1"}; len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
			t.Fatalf("camera moves %v, want %v (seat 2, then after the hold the default; the cough ignored)", got, want)
		}
		if held != start+1 {
			t.Fatalf("the camera left the speaker before the hold was over")
		}
	})
}

func TestDirectorRules(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 16, 0, 0, 0, time.UTC)
	d := director{f: Follow{Presets: map[int]int{1: 11, 2: 12}, Default: 10, Hold: 2 * time.Second, Debounce: 400 * time.Millisecond},
		open: map[int]time.Time{}, current: -1}
	if p, _, move := d.decide(t0); !move || p != 10 {
		t.Fatalf("at start: %d %v, want the default", p, move)
	}
	d.current = 10
	d.mic(1, true, t0)
	if _, wait, move := d.decide(t0.Add(100 * time.Millisecond)); move || wait != 300*time.Millisecond {
		t.Fatalf("debouncing: wait %s move %v", wait, move)
	}
	if p, _, move := d.decide(t0.Add(400 * time.Millisecond)); !move || p != 11 {
		t.Fatalf("after the debounce: %d %v", p, move)
	}
	d.current = 11
	d.mic(2, true, t0.Add(time.Second)) // the chair speaks over: the newest speaker wins
	if p, _, move := d.decide(t0.Add(1500 * time.Millisecond)); !move || p != 12 {
		t.Fatalf("second speaker: %d %v", p, move)
	}
	d.current = 12
	d.mic(2, false, t0.Add(2*time.Second))
	if p, _, move := d.decide(t0.Add(2 * time.Second)); !move || p != 11 {
		t.Fatalf("back to the first speaker: %d %v", p, move)
	}
	d.current = 11
	d.mic(9, true, t0) // a microphone without a preset is ignored
	if len(d.open) != 1 {
		t.Fatal("unknown microphone counted")
	}
}
