package roomav

import (
	"context"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/kogge-project/kogge/rooms/av"
	"github.com/kogge-project/kogge/rooms/av/cocon"
)

// Requests from two seats reach the room's hook in request order with
// the members' names and their times; Speak switches the right seat's
// microphone on at the discussion system, which takes it off the list.
func TestSeatRequestsFromDiscussionSystem(t *testing.T) {
	sys := cocon.NewEmulator(cocon.EmulatorOptions{Seats: 8})
	if err := sys.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	defer sys.Close()
	a, err := New(slog.New(slog.DiscardHandler), []Room{{ID: "ratssaal", Devices: []av.DeviceConfig{
		{ID: "anlage", Kind: av.KindCoCon, Address: sys.Addr(), Seats: map[int]string{5: "Dr. Berg", 2: "Karl Meier"}},
	}}}, av.NewDriver)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	var mu sync.Mutex
	var lists [][]SeatRequest
	a.SetSeatRequests(func(room, dev string, reqs []SeatRequest) {
		if room != "ratssaal" || dev != "anlage" {
			t.Errorf("list for %s/%s", room, dev)
		}
		mu.Lock()
		lists = append(lists, reqs)
		mu.Unlock()
	})
	last := func() []SeatRequest {
		mu.Lock()
		defer mu.Unlock()
		if len(lists) == 0 {
			return nil
		}
		return lists[len(lists)-1]
	}
	waitList := func(seats ...int) []SeatRequest {
		t.Helper()
		deadline := time.Now().Add(2 * time.Second)
		for {
			l := last()
			got := []int{}
			for _, r := range l {
				got = append(got, r.Seat)
			}
			if l != nil && slices.Equal(got, seats) {
				return l
			}
			if time.Now().After(deadline) {
				t.Fatalf("request list %v, want seats %v", got, seats)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	// Wait until the system is connected (an empty list), then press.
	deadline := time.Now().Add(2 * time.Second)
	for st, _ := a.Status("ratssaal", "anlage"); st.Health != av.Online; st, _ = a.Status("ratssaal", "anlage") {
		if time.Now().After(deadline) {
			t.Fatalf("discussion system not online: %+v", st)
		}
		time.Sleep(10 * time.Millisecond)
	}
	sys.Request(5)
	first := waitList(5)
	sys.Request(2)
	l := waitList(5, 2)
	if l[0].Name != "Dr. Berg" || l[1].Name != "Karl Meier" || !l[0].Since.Equal(first[0].Since) || !l[0].Since.Before(l[1].Since) {
		t.Fatalf("list %+v", l)
	}
	if err := a.Speak(context.Background(), "ratssaal", "anlage", 5, true); err != nil {
		t.Fatal(err)
	}
	if got := sys.Speakers(); !slices.Equal(got, []int{5}) {
		t.Fatalf("speakers at the system %v, want [5]", got)
	}
	waitList(2)
}
