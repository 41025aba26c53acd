package av

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kogge-project/kogge/rooms/av/cocon"
)

func startCoCon(t *testing.T, o cocon.EmulatorOptions) *cocon.Emulator {
	t.Helper()
	e := cocon.NewEmulator(o)
	if err := e.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Close)
	return e
}

// The discussion system's request list and seating reach the device's
// state within a second (no poll), and "mic" switches the right seat on
// at the system.
func TestCoConDriver(t *testing.T) {
	sys := startCoCon(t, cocon.EmulatorOptions{Seats: 12})
	sup := NewSupervisor(nil, nil)
	defer sup.Close()
	supervise(t, sup, DeviceConfig{ID: "anlage", Kind: KindCoCon, Address: sys.Addr(), Seats: map[int]string{7: "Dr. Berg"}, PollEvery: time.Hour})
	waitStatus(t, sup, "anlage", 2*time.Second, func(st Status) bool { return st.Health == Online })
	sys.Request(7)
	sys.Request(3)
	sys.Seat(3, cocon.Delegate{ID: 4, FirstName: "Anna", Name: "Meier"})
	sys.Seat(7, cocon.Delegate{ID: 5, FirstName: "Someone", Name: "Else"}) // the config's name stays
	st := waitStatus(t, sup, "anlage", time.Second, func(st Status) bool {
		return st.State[StateRequests] == "7,3" && st.State[SeatKey(3)] == "Anna Meier"
	})
	if st.State[SeatKey(7)] != "Dr. Berg" {
		t.Fatalf("seat 7 is %q, want the config's name", st.State[SeatKey(7)])
	}
	if err := sup.Do(context.Background(), "anlage", Command{Name: "mic", Args: map[string]string{"seat": "3", "on": "true"}}); err != nil {
		t.Fatal(err)
	}
	if got := sys.Speakers(); !slices.Equal(got, []int{3}) {
		t.Fatalf("speakers at the system %v, want [3]", got)
	}
	waitStatus(t, sup, "anlage", time.Second, func(st Status) bool {
		return st.State[StateRequests] == "7" && st.State[StateSpeakers] == "3"
	})
	// A seat the chamber does not have is the system's refusal.
	err := sup.Do(context.Background(), "anlage", Command{Name: "mic", Args: map[string]string{"seat": "99", "on": "true"}})
	if err == nil || !strings.Contains(err.Error(), "refused") {
		t.Fatalf("seat 99: %v", err)
	}
	if st, _ := sup.Status("anlage"); st.Health != Online {
		t.Fatalf("after a refusal: %+v", st)
	}
}

// The camera follows the active seat: the seat switched on last wins,
// and when it goes off the camera returns to the one still speaking.
func TestFollowCoConSeats(t *testing.T) {
	sys := startCoCon(t, cocon.EmulatorOptions{Seats: 6})
	sup := NewSupervisor(nil, nil)
	defer sup.Close()
	cam := newRecordingCamera()
	cam.poll = func(context.Context) (State, error) { return State{"power": "on"}, nil }
	sup.Add(DeviceConfig{ID: "kamera", Kind: KindVISCAIP}, cam)
	waitStatus(t, sup, "kamera", time.Second, func(st Status) bool { return st.State["power"] == "on" })
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	defer func() { cancel(); <-done }()
	go func() {
		defer close(done)
		RunFollow(ctx, Follow{Camera: "kamera", Source: "anlage", Presets: map[int]int{1: 11, 2: 12, 3: 13}, Default: 10, Hold: time.Hour,
			Open: CoConGates(func(ctx context.Context) (*cocon.Session, error) {
				return cocon.Open(ctx, cocon.NewClient(sys.Addr(), cocon.Options{}))
			})}, sup)
	}()
	lastIs := func(preset string, within time.Duration) {
		t.Helper()
		deadline := time.Now().Add(within)
		for {
			got := cam.recorded()
			if len(got) > 0 && got[len(got)-1] == preset {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("camera moves %v: preset %s not within %v", got, preset, within)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	lastIs("10", 2*time.Second) // following: the default at the start
	sys.Speak(2)
	lastIs("12", time.Second)
	sys.Speak(1) // several on: the last switched on wins
	lastIs("11", time.Second)
	sys.Mute(1)
	lastIs("12", time.Second)
}
